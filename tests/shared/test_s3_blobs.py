"""Blobs in an S3-compatible bucket, against a real SeaweedFS server on loopback: written once,
read as streams, tampering caught, a store that goes away refused with a message that says what
to check, and a real capture (SQLite database, S3 blobs) that `verify --all` passes."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from archiver.errors import IntegrityError, StorageError, UsageError
from archiver.models import Artifact, ArtifactKind
from storage import S3BlobStore, S3Location, open_archive
from storage._blob_config import BlobSettings
from tests.conftest import run_cli
from tests.fixtureweb import FIXTURE_URLS
from tests.shared.seaweed import REGION, Seaweed, free_port
from tests.storage.factories import fixed_clock, make_result, sequential_ids

BUCKET = "evidence"
LOCKED = "locked-evidence"  # Object Lock enabled (and so versioned)
_PREFIXES = itertools.count(1)


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Seaweed, Seaweed]]:
    """Two servers, started side by side: one the tests share, one the fault test kills."""
    try:
        started = (
            Seaweed(tmp_path_factory.mktemp("seaweed")),
            Seaweed(tmp_path_factory.mktemp("spare")),
        )
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        for server in started:
            server.launch()
        for server in started:
            server.wait_until_ready()
            server.create_bucket(BUCKET)
        started[0].create_bucket(LOCKED, object_lock=True)
        yield started
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def seaweed(servers: tuple[Seaweed, Seaweed]) -> Seaweed:
    return servers[0]


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test's own: the tests share one bucket."""
    return f"test-{os.getpid()}-{next(_PREFIXES)}"


@pytest.fixture
def aws(seaweed: Seaweed, monkeypatch: pytest.MonkeyPatch) -> Seaweed:
    """The AWS variables of this process point at the server (credentials never go in files)."""
    for name, value in seaweed.env().items():
        monkeypatch.setenv(name, value)
    return seaweed


def s3_store(seaweed: Seaweed, bucket: str, prefix: str, **options: Any) -> S3BlobStore:
    return S3BlobStore(
        S3Location(bucket, f"{prefix}/"), endpoint_url=seaweed.endpoint, region=REGION, **options
    )


def s3_home(home: Path, seaweed: Seaweed, prefix: str) -> Path:
    """A data home whose config.toml puts the blobs in the test bucket."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        f'[blobs]\nurl = "s3://{BUCKET}/{prefix}"\nendpoint_url = "{seaweed.endpoint}"\n',
        encoding="utf-8",
    )
    return home


def keys(seaweed: Seaweed, bucket: str, prefix: str, client: Any = None) -> list[str]:
    client = client or seaweed.client()
    listed = client.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/")
    return sorted(item["Key"] for item in listed.get("Contents", ()))


def test_put_read_stream_and_exists_round_trip(aws: Seaweed, prefix: str) -> None:
    store = s3_store(aws, BUCKET, prefix)
    data = b"evidence \x00\xff" * 1000
    sha = store.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert keys(aws, BUCKET, prefix) == [f"{prefix}/sha256/{sha[:2]}/{sha[2:4]}/{sha}"]
    assert store.location_of(sha) == f"s3://{BUCKET}/{prefix}/sha256/{sha[:2]}/{sha[2:4]}/{sha}"
    assert store.exists(sha) and store.read(sha) == data
    with store.open(sha) as stream:
        assert stream.read(7) == b"evidenc" and stream.read() == data[7:]
    assert store.digest(sha) == (sha, len(data))
    with store.local_file(sha) as path:
        assert path.read_bytes() == data
    assert not path.exists()  # the temporary copy is gone with the block
    assert list(store.iter_shas()) == [sha] and list(store.stray_files()) == []
    absent = "0" * 64
    assert not store.exists(absent) and store.digest(absent) is None
    with pytest.raises(IntegrityError, match="missing"):
        store.read(absent)
    with pytest.raises(IntegrityError, match="hash to"):
        store.put(b"other bytes", expected_sha256=sha)


@pytest.mark.parametrize("conditional", [True, False], ids=["if-none-match", "read-back"])
def test_the_same_blob_written_twice_stays_one_object(
    aws: Seaweed, prefix: str, conditional: bool
) -> None:
    # A versioned bucket keeps every write as a version: an overwrite would show as a second.
    store = s3_store(aws, LOCKED, prefix, conditional_writes=conditional)
    first = store.put(b"the same bytes")
    assert store.put(b"the same bytes") == first
    versions = aws.client().list_object_versions(Bucket=LOCKED, Prefix=f"{prefix}/")
    assert len(versions.get("Versions", [])) == 1


@pytest.mark.parametrize("conditional", [True, False], ids=["if-none-match", "read-back"])
def test_different_bytes_under_a_blob_name_are_refused_as_tampering(
    aws: Seaweed, prefix: str, conditional: bool
) -> None:
    store = s3_store(aws, BUCKET, prefix, conditional_writes=conditional)
    data = b"what the post said"
    sha = hashlib.sha256(data).hexdigest()
    key = f"{prefix}/sha256/{sha[:2]}/{sha[2:4]}/{sha}"
    aws.client().put_object(Bucket=BUCKET, Key=key, Body=b"what someone wants it to say")
    with pytest.raises(IntegrityError, match="does not match its name") as refused:
        store.put(data)
    assert "verify --all" in (refused.value.hint or "")
    body = aws.client().get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert body == b"what someone wants it to say"  # left as found, for the investigation


def test_retention_locks_each_new_blob_in_compliance_mode(aws: Seaweed, prefix: str) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    store = s3_store(aws, LOCKED, prefix, retain_days=30, clock=fixed_clock(now))
    sha = store.put(b"keep me")
    client = aws.client()
    key = f"{prefix}/sha256/{sha[:2]}/{sha[2:4]}/{sha}"
    retention = client.get_object_retention(Bucket=LOCKED, Key=key)["Retention"]
    assert retention["Mode"] == "COMPLIANCE"
    assert retention["RetainUntilDate"] == now + timedelta(days=30)
    version = client.head_object(Bucket=LOCKED, Key=key)["VersionId"]
    with pytest.raises(ClientError, match="AccessDenied"):
        client.delete_object(Bucket=LOCKED, Key=key, VersionId=version)
    # A bucket without Object Lock cannot keep the promise: refused, with what to change.
    plain = s3_store(aws, BUCKET, prefix, retain_days=30)
    with pytest.raises(StorageError, match="Object Lock") as refused:
        plain.put(b"keep me too")
    assert "retain_days" in (refused.value.hint or "")


def test_an_unreachable_store_refused_credentials_and_a_missing_bucket_say_what_to_check(
    aws: Seaweed, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = S3BlobStore(
        S3Location(BUCKET), endpoint_url=f"http://127.0.0.1:{free_port()}", region=REGION
    )
    with pytest.raises(StorageError, match="cannot be reached") as unreachable:
        closed.put(b"x")
    assert "AWS_ENDPOINT_URL" in (unreachable.value.hint or "")
    with pytest.raises(StorageError, match="does not exist"):
        s3_store(aws, "no-such-bucket", prefix).put(b"x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    with pytest.raises(StorageError, match="refused the archive's credentials") as refused:
        s3_store(aws, BUCKET, prefix).read("0" * 64)
    assert "AWS_SECRET_ACCESS_KEY" in (refused.value.hint or "")


def test_the_command_line_names_an_unreachable_store_without_a_traceback(
    cli_env: dict[str, str],
) -> None:
    env = cli_env | {
        "POSTPROOF_BLOBS": f"s3://{BUCKET}/nowhere",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
        "AWS_ACCESS_KEY_ID": "key",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_MAX_ATTEMPTS": "1",
    }
    done = run_cli("verify", "--all", env=env)
    assert done.returncode == 1
    said = " ".join(done.stderr.split())  # as wrapped for the terminal
    assert "cannot be reached" in said and "AWS_ENDPOINT_URL" in said
    assert "Traceback" not in said and "botocore" not in said


def test_settings_come_from_the_environment_then_config_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("POSTPROOF_BLOBS", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    assert BlobSettings.read(tmp_path) == BlobSettings()
    (tmp_path / "config.toml").write_text(
        '[blobs]\nurl = "s3://from-file/x"\nendpoint_url = "http://file:9000"\n'
        'region = "eu-west-3"\nretain_days = 365\nconditional_writes = false\n',
        encoding="utf-8",
    )
    from_file = BlobSettings("s3://from-file/x", "http://file:9000", "eu-west-3", 365, False)
    assert BlobSettings.read(tmp_path) == from_file
    monkeypatch.setenv("POSTPROOF_BLOBS", "s3://from-env/y")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://env:9000")
    settings = BlobSettings.read(tmp_path)
    assert (settings.url, settings.endpoint_url, settings.region) == (
        "s3://from-env/y",
        "http://env:9000",
        "eu-west-3",
    )
    assert S3Location.parse("s3://bucket//a/b/") == S3Location("bucket", "a/b/")
    with pytest.raises(UsageError, match="not an S3 location"):
        S3Location.parse("/srv/blobs")


def test_verify_catches_a_blob_altered_or_removed_in_the_bucket(
    aws: Seaweed, prefix: str, tmp_path: Path
) -> None:
    home = s3_home(tmp_path / "home", aws, prefix)
    with open_archive(home, clock=fixed_clock(), new_id=sequential_ids()) as archive:
        capture_id = archive.store(make_result())
        assert archive.verify().ok
        html, shot = (
            next(a for a in archive.get_capture(capture_id).artifacts if a.kind == kind)
            for kind in (ArtifactKind.HTML, ArtifactKind.SCREENSHOT)
        )
        assert html.location.startswith(f"s3://{BUCKET}/{prefix}/sha256/")
        assert html.read_bytes() == b"<html><p>hello world</p></html>"
        client = aws.client()
        client.put_object(Bucket=BUCKET, Key=html.location.split("/", 3)[3], Body=b"<html>no")
        client.delete_object(Bucket=BUCKET, Key=shot.location.split("/", 3)[3])
        report = archive.verify()
    found = {(p.sha256, p.problem) for p in report.problems}
    assert found == {(html.sha256, "hash_mismatch"), (shot.sha256, "missing")}
    assert not report.ok and report.captures_checked == 1


def test_an_artifact_in_the_bucket_is_served_as_a_stream_and_read_as_a_file(
    aws: Seaweed, prefix: str, tmp_path: Path
) -> None:
    import httpx
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from postproof.web._blobfiles import blob_response

    home = s3_home(tmp_path / "home", aws, prefix)
    with open_archive(home, clock=fixed_clock(), new_id=sequential_ids()) as archive:
        capture_id = archive.store(make_result())
        record = archive.get_capture(capture_id)
    html = next(a for a in record.artifacts if a.kind == ArtifactKind.HTML)

    def download(request: Request) -> Response:
        return blob_response(html, media_type="text/html", filename="page.html")

    async def get() -> httpx.Response:
        app = Starlette(routes=[Route("/page", download)])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            return await client.get("/page")

    answer = asyncio.run(get())
    assert answer.status_code == 200 and answer.content == b"<html><p>hello world</p></html>"
    assert answer.headers["content-length"] == str(html.size)
    assert answer.headers["content-disposition"] == 'attachment; filename="page.html"'
    with html.local_file() as path:
        assert path.read_bytes() == answer.content
    with pytest.raises(StorageError, match="not in a file"):
        html.path  # noqa: B018 - a remote blob has no file to poke at

    aws.client().delete_object(Bucket=BUCKET, Key=html.location.split("/", 3)[3])
    with pytest.raises(OSError, match="missing") as gone:  # as reading a lost file would
        html.read_bytes()
    assert isinstance(gone.value, StorageError) and gone.value.hint


def test_the_store_stopped_mid_write_leaves_no_capture_and_recovery_cleans_up(
    servers: tuple[Seaweed, Seaweed], tmp_path: Path, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = servers[1]
    try:
        for name, value in server.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # a refused connection is final here
        home = s3_home(tmp_path / "home", server, prefix)
        large = Artifact.from_bytes(ArtifactKind.MEDIA, os.urandom(32 << 20), "video/mp4")
        result = make_result()
        result = dataclasses.replace(result, artifacts=(*result.artifacts, large))
        archive = open_archive(home, clock=fixed_clock(), new_id=sequential_ids())
        killer = threading.Thread(target=_kill_after_first_object, args=(server, prefix))
        killer.start()
        with pytest.raises(StorageError, match="cannot be reached") as failed:
            archive.store(result)
        killer.join()
        assert "AWS_ENDPOINT_URL" in (failed.value.hint or "")
        assert archive.count_captures() == 0 and archive.list_captures() == []
        archive.close()

        server.start(writable=False)  # recovery only deletes
        # What the store had taken before it died, asked object by object as recovery asks: a
        # listing made just after the restart may not show yet an object written as it was killed.
        taken = s3_store(server, BUCKET, prefix)
        shas = list(dict.fromkeys(a.sha256 for a in result.artifacts))
        orphans = [sha for sha in shas if taken.exists(sha)]
        assert 1 <= len(orphans) < len(shas)
        with open_archive(home) as reopened:
            assert reopened.recovery.orphan_blobs_removed == len(orphans)
            assert keys(server, BUCKET, prefix) == []
            report = reopened.verify()
            assert report.ok and report.captures_checked == 0, report.problems
    finally:
        server.stop()  # the server is spent: it served this test only


def _kill_after_first_object(server: Seaweed, prefix: str) -> None:
    client = server.client()
    deadline = time.monotonic() + 20
    while not keys(server, BUCKET, prefix, client) and time.monotonic() < deadline:
        time.sleep(0.005)
    server.kill()


@pytest.mark.browser
def test_a_capture_goes_to_the_bucket_and_verify_all_passes(
    aws: Seaweed, prefix: str, cli_env: dict[str, str], home: Path
) -> None:
    env = cli_env | aws.env() | {"POSTPROOF_BLOBS": f"s3://{BUCKET}/{prefix}"}
    done = run_cli("capture", FIXTURE_URLS["mastodon_live"], "--json", "--timeout", "20", env=env)
    assert done.returncode == 0, done.stderr
    artifacts = json.loads(done.stdout)["captures"][0]["artifacts"]
    shas = {a["sha256"] for a in artifacts}
    stored = keys(aws, BUCKET, prefix)
    assert sorted(k.rsplit("/", 1)[1] for k in stored) == sorted(shas)
    assert all(a["path"].startswith(f"s3://{BUCKET}/{prefix}/sha256/") for a in artifacts)
    assert not any((home / "blobs" / "sha256").rglob("*"))  # nothing kept on this machine

    verified = run_cli("verify", "--all", "--json", env=env)
    assert verified.returncode == 0, verified.stdout
    report = json.loads(verified.stdout)
    assert report["ok"] is True and report["artifacts_checked"] == len(artifacts)
    assert report["bytes_hashed"] == sum({a["sha256"]: a["size"] for a in artifacts}.values())

    altered = artifacts[0]
    key = altered["path"].split("/", 3)[3]
    aws.client().put_object(Bucket=BUCKET, Key=key, Body=b"not what was captured")
    caught = run_cli("verify", "--all", "--json", env=env)
    assert caught.returncode == 4
    problems = json.loads(caught.stdout)["problems"]
    assert [(p["sha256"], p["problem"]) for p in problems] == [(altered["sha256"], "hash_mismatch")]


def test_the_local_store_stays_the_default_and_loads_no_s3_client(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from storage._blob_config import open_blob_store; "
        f"blobs = open_blob_store(Path({str(tmp_path)!r}), Path({str(tmp_path)!r}), 'run-1-a'); "
        "print(type(blobs).__name__, 'botocore' in sys.modules, 'boto3' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTPROOF_", "AWS_"))}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert done.stdout.split() == ["BlobStore", "False", "False"]
