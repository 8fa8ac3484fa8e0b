"""Logged-in capture: cookies imported for one domain reach that domain only, the capture says
it ran logged in, and no cookie value is ever stored, in the WARC or anywhere else."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from demo import FakeWeb, Request, Response
from demo.messages import html, redirect
from tests.conftest import run_cli

pytestmark = pytest.mark.browser

SECRET = "s3cret-session-value"
REFRESH = "r3fresh-token-value"


def members(request: Request) -> Response:
    if f"session={SECRET}" not in request.header("cookie"):
        return redirect("/login")
    page = (
        "<!doctype html><html><head><title>Members post</title>"
        '<meta property="og:title" content="Members post">'
        '<meta property="og:description" content="Only members can read this statement.">'
        "</head><body><article><h1>Members post</h1>"
        "<p>Only members can read this statement.</p></article></body></html>"
    )
    done = html(page)
    return Response(
        done.status, done.body, done.content_type, (("Set-Cookie", f"refresh={REFRESH}; Path=/"),)
    )


def login(request: Request) -> Response:
    return html("<html><head><title>Log in</title></head><body>Log in to continue</body></html>")


def echo(request: Request) -> Response:
    got = request.header("cookie") or "none"
    return html(f"<html><head><title>Echo</title></head><body><p>cookies: {got}</p></body></html>")


@pytest.fixture
def env(web: FakeWeb, cli_env: dict[str, str]) -> dict[str, str]:
    web.add_route("members.example", "/post/1", members)
    web.add_route("members.example", "/login", login)
    web.add_route("elsewhere.example", "/echo", echo)
    return cli_env | {"POSTPROOF_HOST_MAP": ",".join(web.host_map())}


def _cookies_txt(tmp_path: Path) -> Path:
    path = tmp_path / "cookies.txt"
    path.write_text(
        "# Netscape HTTP Cookie File\n"
        f"#HttpOnly_.members.example\tTRUE\t/\tTRUE\t0\tsession\t{SECRET}\n"
        "other.example\tFALSE\t/\tFALSE\t0\tforeign\tnot-kept\n",
        "utf-8",
    )
    return path


def test_capture_runs_logged_in_for_that_domain_only(
    env: dict[str, str], home: Path, tmp_path: Path
) -> None:
    walled = run_cli("capture", "https://members.example/post/1", "--json", env=env)
    assert json.loads(walled.stdout)["captures"][0]["status"] == "login_wall"

    done = run_cli(
        "auth", "import", "members.example", str(_cookies_txt(tmp_path)), "--json", env=env
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)["auth"]
    assert (record["cookies"], record["cookie_names"], record["dropped"]) == (1, ["session"], 1)
    stored = Path(record["path"])
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    listed = run_cli("auth", "list", env=env)
    assert "members.example: 1 cookie(s)" in listed.stdout and SECRET not in listed.stdout

    inside = run_cli("capture", "https://members.example/post/1", "--json", env=env)
    capture = json.loads(inside.stdout)["captures"][0]
    assert capture["status"] == "ok", capture
    outside = run_cli("capture", "https://elsewhere.example/echo", "--json", env=env)
    other = json.loads(outside.stdout)["captures"][0]

    shown = json.loads(run_cli("show", capture["id"], "--json", env=env).stdout)["capture"]
    provenance = json.loads(
        Path(next(a for a in shown["artifacts"] if a["kind"] == "provenance")["path"]).read_bytes()
    )
    assert any("captured logged in" in note for note in provenance["notes"])
    # No stored byte of either capture holds a cookie value (the WARC included).
    for capture_id in (capture["id"], other["id"]):
        record = json.loads(run_cli("show", capture_id, "--json", env=env).stdout)["capture"]
        kinds = {a["kind"] for a in record["artifacts"]}
        assert "warc" in kinds
        for artifact in record["artifacts"]:
            data = Path(artifact["path"]).read_bytes()
            assert SECRET.encode() not in data and REFRESH.encode() not in data, artifact["kind"]
    text = Path(next(a for a in shown["artifacts"] if a["kind"] == "text")["path"]).read_text()
    assert "Only members can read this statement." in text
    echoed = json.loads(run_cli("show", other["id"], "--json", env=env).stdout)["capture"]
    echo_text = Path(
        next(a for a in echoed["artifacts"] if a["kind"] == "text")["path"]
    ).read_text()
    assert "cookies: none" in echo_text  # the other site got nothing

    removed = run_cli("auth", "remove", "members.example", env=env)
    assert removed.returncode == 0 and not stored.exists()


def test_bad_cookie_files_are_refused_clearly(env: dict[str, str], tmp_path: Path) -> None:
    wrong_site = run_cli("auth", "import", "x.com", str(_cookies_txt(tmp_path)), env=env)
    assert wrong_site.returncode == 2
    assert "holds no cookie for x.com" in _flat(wrong_site.stderr)
    garbage = tmp_path / "junk.txt"
    garbage.write_text("this is not a cookie file\n", "utf-8")
    bad = run_cli("auth", "import", "x.com", str(garbage), env=env)
    assert bad.returncode == 2 and "7 tab-separated fields" in _flat(bad.stderr)
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"cookies": [{"name": "sid", "value": "v", "domain": ".x.com"}]}))
    good = run_cli("auth", "import", "https://x.com/", str(state), "--json", env=env)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["auth"]["domain"] == "x.com"
    not_a_domain = run_cli("auth", "import", "localhost", str(state), env=env)
    assert not_a_domain.returncode == 2 and "is not a domain name" in _flat(not_a_domain.stderr)


def _flat(text: str) -> str:
    """Error messages are wrapped to the terminal width: compare them as one line."""
    return " ".join(text.split())
