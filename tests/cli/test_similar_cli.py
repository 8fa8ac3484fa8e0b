"""`postproof similar` on real captures: a re-encoded, resized copy of an archived image is
found, with the capture that first showed it; an unrelated image is not."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import run_cli
from tests.fixtureweb import FIXTURE_URLS

pytestmark = pytest.mark.browser


def test_similar_finds_copies_and_not_strangers(cli_env: dict[str, str], tmp_path: Path) -> None:
    urls = [FIXTURE_URLS["x_live"], FIXTURE_URLS["x_live_twitter"], FIXTURE_URLS["mastodon_live"]]
    done = run_cli("capture", *urls, "--concurrency", "1", "--json", env=cli_env)
    assert done.returncode == 0, done.stderr
    first, second, _mastodon = json.loads(done.stdout)["captures"]
    [media] = [a for a in first["artifacts"] if a["kind"] == "media"]

    # What a reader might hold: the picture saved from elsewhere, smaller and re-compressed.
    picture = Image.open(Path(media["path"])).convert("RGB")
    copy = picture.resize((picture.width * 6 // 10, picture.height * 6 // 10))
    buffer = io.BytesIO()
    copy.save(buffer, "JPEG", quality=70)
    query = tmp_path / "seen-on-a-forum.jpg"
    query.write_bytes(buffer.getvalue())

    found = run_cli("similar", str(query), "--kind", "media", "--json", env=cli_env)
    assert found.returncode == 0, found.stderr
    [result] = json.loads(found.stdout)["queries"]
    matches = result["matches"]
    assert {m["capture_id"] for m in matches} == {first["id"], second["id"]}
    assert all(m["phash_distance"] <= 4 for m in matches)
    assert matches[0]["captured_at"] <= matches[1]["captured_at"]  # earliest first at a tie
    human = run_cli("similar", str(query), env=cli_env)
    assert "(first seen)" in human.stdout

    by_capture = run_cli("similar", first["id"], "--kind", "media", "--json", env=cli_env)
    queries = {q["image"]: q for q in json.loads(by_capture.stdout)["queries"]}
    assert set(queries) == {media["source_url"], f"{first['id']} post_screenshot"}
    from_capture = queries[media["source_url"]]
    assert [m["capture_id"] for m in from_capture["matches"]] == [second["id"]]

    rng = random.Random(7)
    noise = Image.new("RGB", (200, 150))
    noise.putdata(
        [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(200 * 150)]
    )
    stranger = tmp_path / "unrelated.png"
    noise.save(stranger)
    none = run_cli("similar", str(stranger), "--json", env=cli_env)
    assert json.loads(none.stdout)["queries"][0]["matches"] == []

    not_image = tmp_path / "notes.txt"
    not_image.write_text("hello")
    refused = run_cli("similar", str(not_image), env=cli_env)
    assert refused.returncode == 2
    assert "is not an image postproof can read" in " ".join(refused.stderr.split())
