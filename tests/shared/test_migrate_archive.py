"""`postproof migrate-archive`: an embedded archive (SQLite and blobs in its data home) moved into
PostgreSQL and a SeaweedFS bucket, both real. Every row and every blob arrives as it was, the
checkpoints keep their roots, `verify --all` passes on the copy and the commands that read the
archive print the same things on both; a filled target is refused, a damaged source blob is
reported, and an interrupted migration leaves no rows and finishes when run again."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from proof import leaf_hash, root
from storage import NewArticle, NewClaim, NewEvent, Role, migrate_archive, open_archive
from storage._database import known_revisions
from tests.conftest import run_cli
from tests.proof.localtsa import LocalTsa
from tests.shared.cluster import Cluster
from tests.shared.conftest import new_database
from tests.shared.seaweed import Seaweed
from tests.storage.factories import T0, fixed_clock, make_result, sequential_ids

BUCKET = "migrated"
_PREFIXES = itertools.count(1)


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seaweed]:
    try:
        server = Seaweed(tmp_path_factory.mktemp("seaweed-migrate"))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    with server:
        server.create_bucket(BUCKET)
        yield server


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTsa]:
    with LocalTsa.create(tmp_path_factory.mktemp("migrate-tsa")) as local:
        yield local


@pytest.fixture
def blobs_url() -> str:
    """A prefix of this test's own in the shared bucket."""
    return f"s3://{BUCKET}/migrate-{os.getpid()}-{next(_PREFIXES)}"


@pytest.fixture
def source(tmp_path: Path, tsa: LocalTsa) -> Path:
    """A small embedded archive with a bit of everything: captures sealed in two timestamped
    checkpoints, an article with claims and links, a watched post with events, a retraction,
    a user with a token."""
    home = tmp_path / "embedded"
    roots = [tsa.pki.root.read_bytes()]
    with open_archive(home, clock=fixed_clock(), new_id=sequential_ids()) as archive:
        first = archive.store(make_result(text="the council voted 7 amendments"))
        later = archive.store(
            make_result(text="the council voted 8 amendments", started_at=T0 + timedelta(hours=2))
        )
        other = archive.store(
            make_result("https://social.example/@bob/202", post_id="202", text="a reply")
        )
        sealed = archive.seal([tsa.url], roots=roots)
        assert sealed.timestamp is not None
        post_id = archive.get_capture(first).post_id
        archive.watchlist.record_events(
            [
                NewEvent(
                    post_id,
                    "edited",
                    T0 + timedelta(hours=2),
                    later,
                    "the text changed",
                    before_capture_id=first,
                    details={"before": "7", "after": "8"},
                )
            ]
        )
        article_id = archive.articles.add(
            NewArticle(
                source=b"The council voted 7 amendments. Bob replied.",
                source_kind="text",
                text="The council voted 7 amendments. Bob replied.",
                title="Council vote",
                claims=(
                    NewClaim(1, "sentence", "The council voted 7 amendments.", paragraph=0),
                    NewClaim(2, "sentence", "Bob replied.", paragraph=0),
                ),
            )
        )
        claims = archive.articles.claims(article_id)
        archive.articles.link(claims[0], first, relation="supports", origin="manual", why="seen")
        archive.articles.link(claims[1], other, relation="supports", origin="manual", why="seen")
        archive.retract(other, "captured from the wrong account")
        archive.seal([tsa.url], roots=roots)
        archive.users.add("editor", Role.EDITOR, "a long enough password")
        archive.users.new_token("editor", "script")
    return home


@pytest.fixture
def base_env(cli_env: dict[str, str], seaweed: Seaweed, tsa: LocalTsa) -> dict[str, str]:
    """The commands' environment: the bucket's credentials, and the test TSA's root trusted as
    POSTPROOF_TSA_CA (as a newsroom's config would)."""
    return {**cli_env, **seaweed.env(), "POSTPROOF_TSA_CA": str(tsa.pki.root)}


def _env(base: dict[str, str], home: Path, **extra: str) -> dict[str, str]:
    return {**base, "POSTPROOF_HOME": str(home), **extra}


def _cli(env: dict[str, str], *args: str, code: int = 0) -> dict[str, Any]:
    done = run_cli(*args, "--json", env=env)
    assert done.returncode == code, done.stdout + done.stderr
    return dict(json.loads(done.stdout))


def _rows(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but Alembic's, in key order."""
    metadata = sa.MetaData()
    with engine.connect() as connection:
        metadata.reflect(connection)
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for table in metadata.sorted_tables
            if table.name != "alembic_version"
        }


def _sqlite(home: Path) -> sa.Engine:
    return sa.create_engine(f"sqlite:///{home / 'postproof.sqlite3'}", poolclass=sa.NullPool)


def _postgres(url: str) -> sa.Engine:
    return sa.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.NullPool
    )


def _blob_files(home: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (home / "blobs" / "sha256").rglob("*") if p.is_file()}


def _bucket(seaweed: Seaweed, blobs_url: str) -> dict[str, bytes]:
    prefix = blobs_url.removeprefix(f"s3://{BUCKET}/") + "/"
    client = seaweed.client()
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {
        item["Key"].rsplit("/", 1)[1]: client.get_object(Bucket=BUCKET, Key=item["Key"])[
            "Body"
        ].read()
        for item in listed
    }


def _check_summary(
    moved: dict[str, Any], before: dict[str, list[Any]], files: dict[str, bytes]
) -> None:
    """The summary counts what the source holds, and tells where the signing key is."""
    assert moved["ok"] is True
    expected = {name: len(rows) for name, rows in before.items() if name != "pending_blobs"}
    assert moved["tables"] == expected and moved["not_copied"] == {"pending_blobs": 0}
    assert expected["captures"] == 3 and expected["log_entries"] == 4
    assert expected["checkpoints"] == 2 and expected["timestamps"] == 2
    assert expected["events"] == 1 and expected["evidence_links"] == 2
    assert expected["retractions"] == 1 and expected["users"] == 1
    assert moved["blobs"]["copied"] == len(files) and moved["blobs"]["problems"] == []
    assert moved["blobs"]["bytes_copied"] == sum(len(data) for data in files.values())
    assert moved["verify"]["ok"] is True and moved["verify"]["log"]["timestamps_checked"] == 2
    assert len(moved["keys"]) == 1 and moved["keys"][0].startswith("postproof-archive+")
    assert any("keys/signing.key" in step for step in moved["next_steps"])


def _check_same_answers(
    embedded: dict[str, str], shared: dict[str, str], moved: tuple[str, str]
) -> None:
    """The commands that read an archive print the same on both; where a blob is kept is the
    one difference (``moved``: the local blob folder and the bucket)."""
    article = _cli(embedded, "article", "list")["articles"][0]["id"]
    for command in (
        ("list", "--include-retracted"),
        ("list", "--include-retracted", "--json"),
        ("show", "cap00001"),
        ("show", "cap00001", "--json"),
        ("show", "cap00003", "--json"),
        ("cite", f"{article}#1"),
        ("cite", "cap00002", "--format", "bibtex"),
        ("history", "cap00001"),
        ("article", "show", article, "--json"),
    ):
        on_embedded = run_cli(*command, env=embedded)
        on_shared = run_cli(*command, env=shared)
        assert on_embedded.returncode == on_shared.returncode == 0, on_shared.stderr
        assert on_shared.stdout == on_embedded.stdout.replace(*moved), command


def test_an_archive_is_moved_row_for_row_and_blob_for_blob(
    source: Path,
    database_url: str,
    seaweed: Seaweed,
    blobs_url: str,
    cli_env: dict[str, str],
    tsa: LocalTsa,
) -> None:
    embedded = _env(cli_env | seaweed.env(), source)  # the TSA's root given by --tsa-ca
    shared = {**embedded, "POSTPROOF_DATABASE_URL": database_url, "POSTPROOF_BLOBS": blobs_url}
    ca = ("--tsa-ca", str(tsa.pki.root))
    before = _rows(_sqlite(source))
    files = _blob_files(source)

    moved = _cli(embedded, "migrate-archive", "--to", database_url, "--blobs", blobs_url, *ca)

    _check_summary(moved, before, files)
    password = sa.make_url(database_url).password
    assert password and password not in json.dumps(moved)
    assert moved["target"] == database_url.replace(password, "***")
    assert moved["signing_key"] == {"path": str(source / "keys" / "signing.key"), "copied": False}
    # Every row as it was, every blob with its bytes, the source untouched.
    after = _rows(_postgres(database_url))
    assert {name: after[name] for name in moved["tables"]} == {
        name: before[name] for name in moved["tables"]
    }
    assert _bucket(seaweed, blobs_url) == files
    assert all(hashlib.sha256(data).hexdigest() == sha for sha, data in files.items())
    assert _rows(_sqlite(source)) == before and _blob_files(source) == files
    # The checkpoints' roots are those of the same leaves.
    manifests = [row[2] for row in after["log_entries"]]
    for size, root_hash, *_rest in after["checkpoints"]:
        assert root([leaf_hash(m.encode()) for m in manifests[:size]]).hex() == root_hash

    # The shared archive verifies, and answers as the embedded one did.
    verified = _cli(shared, "verify", "--all", *ca)
    assert verified["ok"] is True and verified["artifacts_checked"] == 9
    _check_same_answers(embedded, shared, (str(source / "blobs"), blobs_url))
    # New ids go on after the copied ones.
    with open_archive(source, database_url=database_url) as archive:
        assert archive.users.add("viewer", Role.VIEWER, "another long password").id == 2


def test_a_target_holding_an_archive_is_refused(
    source: Path, database_url: str, seaweed: Seaweed, blobs_url: str, base_env: dict[str, str]
) -> None:
    env = _env(base_env, source)
    done = run_cli("migrate-archive", "--to", database_url, "--blobs", blobs_url, env=env)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^Copied 31 rows of \d+ tables from ", done.stdout, re.MULTILINE)
    assert "  captures: 3\n" in done.stdout and "  log_entries: 4\n" in done.stdout
    assert "8 copied" in done.stdout and "OK: 3 captures" in done.stdout
    assert f"stays in {source / 'keys' / 'signing.key'}" in done.stdout
    again = _cli(env, "migrate-archive", "--to", database_url, "--blobs", blobs_url, code=2)
    assert "already holds this archive" in again["error"] and "verify --all" in again["hint"]

    another = source.parent / "another"
    with open_archive(another, clock=fixed_clock(), new_id=sequential_ids("new")) as archive:
        archive.store(make_result("https://social.example/@carol/303", post_id="303"))
    refused = run_cli(
        "migrate-archive",
        "--to",
        database_url,
        "--blobs",
        blobs_url,
        env={**env, "POSTPROOF_HOME": str(another)},
    )
    assert refused.returncode == 2
    assert "already holds 3 captures" in refused.stderr and "createdb" in refused.stderr
    with _postgres(database_url).connect() as connection:
        ids = connection.execute(sa.text("SELECT id FROM captures ORDER BY id")).scalars().all()
    assert ids == ["cap00001", "cap00002", "cap00003"]


def test_a_damaged_source_blob_is_reported_and_the_rest_copied(
    source: Path, database_url: str, seaweed: Seaweed, blobs_url: str, base_env: dict[str, str]
) -> None:
    with _sqlite(source).connect() as connection:
        html = connection.execute(
            sa.text("SELECT sha256 FROM artifacts WHERE capture_id = 'cap00002' AND kind = 'html'")
        ).scalar_one()
    damaged = source / "blobs" / "sha256" / html[:2] / html[2:4] / html
    damaged.chmod(0o644)
    damaged.write_bytes(b"<html><p>the council voted 9 amendments</p></html>")
    files = _blob_files(source)

    moved = _cli(
        _env(base_env, source),
        "migrate-archive",
        "--to",
        database_url,
        "--blobs",
        blobs_url,
        code=4,
    )

    assert moved["ok"] is False and "problem(s)" in moved["error"]
    [finding] = moved["blobs"]["problems"]
    assert finding["sha256"] == html and finding["problem"] == "hash_mismatch"
    assert "capture cap00002" in finding["detail"]
    assert moved["blobs"]["copied"] == len(files) - 1
    assert html not in _bucket(seaweed, blobs_url)
    assert moved["tables"]["captures"] == 3  # the rows are evidence too: all copied
    problems = moved["verify"]["problems"]
    assert [(p["capture_id"], p["problem"]) for p in problems] == [("cap00002", "missing")]
    assert _blob_files(source) == files


class StopAt:
    """Ctrl-C when the ``count``-th item of the step ``name`` is done."""

    def __init__(self, name: str, count: int) -> None:
        self.wanted = (name, count)
        self.name = ""
        self.done = 0

    def step(self, name: str, total: int, doing: str = "") -> None:
        self.name, self.done = name, 0

    def advance(self, description: str) -> None:
        self.done += 1
        if (self.name, self.done) == self.wanted:
            raise KeyboardInterrupt


@pytest.mark.parametrize("stop", [("Blobs", 3), ("Tables", 3)], ids=["in-blobs", "in-tables"])
def test_an_interrupted_migration_leaves_no_rows_and_finishes_when_run_again(
    stop: tuple[str, int],
    source: Path,
    database_url: str,
    seaweed: Seaweed,
    blobs_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in seaweed.env().items():
        monkeypatch.setenv(name, value)
    # One blob at a time: when the third is done, the fourth is not started yet.
    monkeypatch.setattr("storage._migrate.BLOB_WORKERS", 1)
    before = _rows(_sqlite(source))
    files = _blob_files(source)

    with pytest.raises(KeyboardInterrupt):
        migrate_archive(source, database_url, blobs_url=blobs_url, progress=StopAt(*stop))

    left = _rows(_postgres(database_url))
    assert all(left[name] == [] for name in before)
    copied_blobs = _bucket(seaweed, blobs_url)
    assert all(files[sha] == data for sha, data in copied_blobs.items())
    if stop[0] == "Blobs":
        assert len(copied_blobs) == 3  # the copies not started were dropped
    else:
        assert copied_blobs == files  # the blobs are copied before the rows
    assert _rows(_sqlite(source)) == before and _blob_files(source) == files

    report = migrate_archive(source, database_url, blobs_url=blobs_url)
    assert report.blobs_already_there == len(copied_blobs)
    assert report.blobs_copied == len(files) - len(copied_blobs)
    assert report.tables["captures"] == 3 and report.findings == []
    assert _bucket(seaweed, blobs_url) == files
    copied = _rows(_postgres(database_url))
    assert {name: copied[name] for name in report.tables} == {
        name: before[name] for name in report.tables
    }


def test_an_archive_of_an_older_version_is_refused_and_left_as_it_is(
    source: Path, database_url: str, seaweed: Seaweed, blobs_url: str, base_env: dict[str, str]
) -> None:
    known, head = known_revisions()
    older = sorted(known - {head})[-1]
    with _sqlite(source).begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": older})
    refused = run_cli("migrate-archive", "--to", database_url, env=_env(base_env, source))
    assert refused.returncode == 2
    assert f"schema revision {older}" in refused.stderr and "list" in refused.stderr
    with _sqlite(source).connect() as connection:
        assert (
            connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == older
        )
    with _postgres(database_url).connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM captures")).scalar() == 0


def test_a_new_database_is_migrated_first_and_blobs_left_in_the_data_home_stay_there(
    source: Path, postgres: Cluster, admin: sa.Engine, base_env: dict[str, str]
) -> None:
    name = new_database(admin)  # no tables yet
    url = postgres.url(name)
    files = _blob_files(source)
    try:
        moved = _cli(_env(base_env, source), "migrate-archive", "--to", url)
        assert moved["ok"] is True and moved["tables"]["captures"] == 3
        assert moved["blobs"]["in_place"] is True
        assert moved["blobs"]["store"] == str(source / "blobs")
        assert (moved["blobs"]["copied"], moved["blobs"]["already_there"]) == (0, len(files))
        assert moved["verify"]["ok"] is True and moved["verify"]["bytes_hashed"] > 0
        assert any("only this machine" in step for step in moved["next_steps"])
        with _postgres(url).connect() as connection:
            head = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        assert head == known_revisions()[1]
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")


def test_a_wrong_or_unreachable_target_is_a_message_naming_the_option(
    source: Path, base_env: dict[str, str]
) -> None:
    env = _env(base_env, source)
    not_postgres = run_cli("migrate-archive", "--to", f"sqlite:///{source}/copy.db", env=env)
    assert not_postgres.returncode == 2 and "--to must name a PostgreSQL" in not_postgres.stderr
    not_s3 = run_cli(
        "migrate-archive", "--to", "postgresql://u@db/news", "--blobs", "/srv/blobs", env=env
    )
    assert not_s3.returncode == 2 and "--blobs must name an S3 location" in not_s3.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://u:hunter2-secret@127.0.0.1:{port}/news"
    unreachable = run_cli("migrate-archive", "--to", url, env=env)
    assert unreachable.returncode == 1
    assert f"127.0.0.1:{port} cannot be reached" in unreachable.stderr
    assert "--to names its host" in unreachable.stderr
    assert "hunter2" not in unreachable.stderr + unreachable.stdout
    assert not (source / "copy.db").exists()
