"""The shared archive as the README's deployment guide sets it up: the data home's config.toml
and the environment file of docs/deploy/, word for word but for the addresses and secrets,
pointed at a throwaway PostgreSQL (signed in as the app's own role, granted as the README says)
and a SeaweedFS bucket. Then `postproof demo`, the command line and the web app, unchanged."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, sync_playwright

from demo import FakeWeb
from storage import open_archive
from tests.conftest import REPO, run_cli
from tests.fixtureweb import FIXTURE_URLS
from tests.shared.cluster import Cluster
from tests.shared.seaweed import Seaweed
from tests.shared.test_postgres_roles import app_role_sql
from tests.storage.factories import make_result
from tests.web.conftest import _wait_for_announce, launch_browser

DEPLOY = REPO / "docs" / "deploy"
BUCKET = "evidence"
# The example values of docs/deploy/config.toml that a deployment replaces with its own.
EXAMPLE_DATABASE = "postgresql://postproof_app@db.newsroom.internal:5432/postproof"
EXAMPLE_BLOBS = "s3://evidence/newsroom"
EXAMPLE_ENDPOINT = "http://objects.newsroom.internal:8333"
CAPTURE_PATH = re.compile(r"/captures/([0-9a-z]{8})$")
SECRETS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
_DEPLOYMENTS = itertools.count(1)


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seaweed]:
    try:
        server = Seaweed(tmp_path_factory.mktemp("seaweed"))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    with server:
        server.create_bucket(BUCKET)
        yield server


def env_file(path: Path) -> dict[str, str]:
    """The ``NAME=value`` lines of a systemd/compose environment file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {name.strip(): value.strip() for name, value in pairs}


@dataclass(frozen=True)
class Deployment:
    home: Path
    env: dict[str, str]  # what the units give every postproof process
    prefix: str


@pytest.fixture
def deployment(
    tmp_path: Path, postgres: Cluster, database_url: str, seaweed: Seaweed
) -> Iterator[Deployment]:
    """A data home as the guide makes it, on this test's database and its own bucket prefix,
    signed in as the app's role (made and granted by the owner after it migrated)."""
    number = next(_DEPLOYMENTS)
    role, password = f"postproof_app_d{os.getpid()}_{number}", secrets.token_hex(8)
    database = database_url.rsplit("/", 1)[1]
    prefix = f"deploy-{os.getpid()}-{number}"
    home = tmp_path / "var-lib-postproof"
    home.mkdir()
    config = (DEPLOY / "config.toml").read_text(encoding="utf-8")
    for example, ours in (
        (EXAMPLE_DATABASE, f"postgresql://{role}@127.0.0.1:{postgres.port}/{database}"),
        (EXAMPLE_BLOBS, f"s3://{BUCKET}/{prefix}"),
        (EXAMPLE_ENDPOINT, seaweed.endpoint),
    ):
        assert example in config, f"docs/deploy/config.toml no longer says {example}"
        config = config.replace(example, ours)
    settings = tomllib.loads(config)
    assert set(settings) == {"database", "blobs"} and settings["blobs"]["region"]
    (home / "config.toml").write_text(config, encoding="utf-8")

    given = env_file(DEPLOY / "postproof.env")
    assert set(given) == {
        "POSTPROOF_HOME",
        "PGPASSWORD",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    }
    given |= {
        "POSTPROOF_HOME": str(home),
        "PGPASSWORD": password,
        "AWS_ACCESS_KEY_ID": seaweed.env()["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": seaweed.secret_key,
    }
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("POSTPROOF_", "AWS_", "PG")) and k != "HOME"
    }
    env = base | given | {"HOME": str(tmp_path)}

    # The owner migrates (here: already at the newest revision), then grants the app's role.
    owner = {**env, "POSTPROOF_DATABASE_URL": database_url}
    done = run_cli("list", env=owner)
    assert done.returncode == 0, done.stderr
    engine = sa.create_engine(
        database_url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.NullPool
    )
    try:
        with engine.begin() as connection:
            for statement in app_role_sql(role, password, database):
                connection.exec_driver_sql(statement)
        yield Deployment(home, env, prefix)
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP OWNED BY {role}")
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"
            )
            connection.exec_driver_sql(f"DROP ROLE {role}")
    finally:
        engine.dispose()


def bucket_keys(seaweed: Seaweed, prefix: str) -> set[str]:
    client = seaweed.client()
    keys: set[str] = set()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        keys |= {item["Key"].rsplit("/", 1)[1] for item in page.get("Contents", ())}
    return keys


def cli_json(env: dict[str, str], *args: str) -> dict:
    import json

    done = run_cli(*args, "--json", env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(json.loads(done.stdout))


@pytest.mark.browser
def test_demo_and_the_command_line_on_the_shared_archive(
    deployment: Deployment, seaweed: Seaweed, tmp_path: Path
) -> None:
    env, home = deployment.env, deployment.home
    demo = cli_json(env, "demo", "--home", str(home))
    captures = demo["captures"]
    assert len(captures) == 6 and all(c["status"] == "ok" for c in captures)
    assert demo["log"]["checkpoint_size"] == 6
    # The tables are in PostgreSQL and the blobs in the bucket: nothing of either at home.
    assert not (home / "postproof.sqlite3").exists()
    assert not [p for p in home.rglob("*") if p.is_file() and "blobs" in p.parts]
    stored = bucket_keys(seaweed, deployment.prefix)
    shown = cli_json(env, "show", captures[0]["id"])["capture"]
    assert {a["sha256"] for a in shown["artifacts"]} <= stored
    assert all(a["path"].startswith(f"s3://{BUCKET}/") for a in shown["artifacts"])

    verified = cli_json(env, "verify", "--all")
    assert verified["ok"] is True and verified["captures_checked"] == 6
    assert verified["artifacts_checked"] >= len(stored)
    found = cli_json(env, "list")["captures"]
    assert sorted(c["id"] for c in found) == sorted(c["id"] for c in captures)

    # Another machine: the same settings and the same signing key (0600), another data home.
    other = tmp_path / "other-machine"
    (other / "keys").mkdir(parents=True)
    shutil.copy2(home / "config.toml", other / "config.toml")
    shutil.copy2(home / "keys" / "signing.key", other / "keys" / "signing.key")
    assert (other / "keys" / "signing.key").stat().st_mode & 0o077 == 0
    there = env | {"POSTPROOF_HOME": str(other)}
    assert cli_json(there, "verify", "--all")["ok"] is True
    assert cli_json(there, "key", "show")["verifier"] == cli_json(env, "key", "show")["verifier"]
    searched = cli_json(there, "list", "--platform", "bluesky")["captures"]
    assert [c["id"] for c in searched] == [c["id"] for c in captures if c["platform"] == "bluesky"]


# -- the web app ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = launch_browser(playwright)
        try:
            yield launched
        finally:
            launched.close()


POSTPROOF = str(Path(sys.executable).with_name("postproof"))
PASSWORD = "the editor's long passphrase"


@contextmanager
def running(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[str]]:
    """A postproof process as its unit starts it, stopped as systemd stops it (SIGTERM)."""
    with log.open("w") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=output, text=True)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def served(env: dict[str, str]) -> Iterator[str]:
    """``postproof serve`` on a free port: the app's origin."""
    process = subprocess.Popen(
        [POSTPROOF, "serve", "--port", "0"], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        yield _wait_for_announce(process, timeout=60)[1]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def sign_in(page: Page, origin: str, name: str) -> None:
    page.goto(origin + "/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(origin + "/")


@pytest.mark.browser
def test_the_web_app_captures_shows_searches_and_serves_evidence(
    deployment: Deployment, seaweed: Seaweed, web: FakeWeb, browser: Browser, tmp_path: Path
) -> None:
    # What the fake web needs on top of the guide's settings: its hosts are on loopback.
    env = deployment.env | {
        "POSTPROOF_ALLOW_PRIVATE": "1",
        "POSTPROOF_INSECURE": "1",
        "POSTPROOF_HOST_MAP": ",".join(web.host_map()),
    }
    added = subprocess.run(
        [POSTPROOF, "user", "add", "ed", "--role", "editor", "--password-stdin"],
        input=PASSWORD + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    # One serve and one worker, as the guide deploys them: a capture asked in the app is run
    # by whichever does the captures (the app itself, or a worker from the queue).
    worker = [POSTPROOF, "worker", "--concurrency", "1"]
    with running(worker, env, tmp_path / "worker.log"), served(env) as origin:
        context = browser.new_context(locale="en-GB", timezone_id="UTC")
        page = context.new_page()
        sign_in(page, origin, "ed")
        page.fill("#urls", FIXTURE_URLS["x_live"])
        page.click("#capture-form button[type=submit]")
        page.wait_for_url(CAPTURE_PATH, timeout=180_000)
        found = CAPTURE_PATH.search(page.url)
        assert found is not None
        capture_id = found[1]
        assert "budget" in page.inner_text("main")  # the post's text, read from the page

        page.fill("#top-q", "CONSEIL municipal vote")  # any case, accents ignored
        page.press("#top-q", "Enter")
        page.wait_for_url("**/search?q=*")
        hit = page.locator(".hits li", has=page.locator(f"a[href='/captures/{capture_id}']"))
        assert "conseil" in hit.locator("mark").first.inner_text().lower()
        hit.locator(f"a[href='/captures/{capture_id}']").first.click()
        page.wait_for_url(f"**/captures/{capture_id}")

        # Its evidence, streamed from the bucket: the screenshot shown, an artifact downloaded
        # with the bytes its SHA-256 names, and the capture verified.
        shot = page.locator("img[src*='/artifacts/']").first
        shot.wait_for()
        assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", shot.element_handle())
        link = page.locator("table.artifacts a[download]").first
        sha = str(link.get_attribute("href")).rsplit("/", 1)[1]
        with page.expect_download() as download:
            link.click()
        assert hashlib.sha256(Path(download.value.path()).read_bytes()).hexdigest() == sha
        assert sha in bucket_keys(seaweed, deployment.prefix)
        context.close()
    verified = cli_json(env, "verify", "--all")
    listed = [c["id"] for c in cli_json(env, "list")["captures"]]
    assert verified["ok"] is True and verified["captures_checked"] == len(listed)
    assert capture_id in listed  # with the post it replies to (--context)


def test_grants_sql_makes_the_app_role_as_the_readme_says_and_runs_again(
    postgres: Cluster, admin: sa.Engine, template: str, tmp_path: Path
) -> None:
    """docs/deploy/grants.sql, run by psql as compose runs it (twice: after each upgrade)."""
    from tests.shared.cluster import postgres_bin

    bindir = postgres_bin()
    assert bindir is not None
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE postproof TEMPLATE {template}")
    password = secrets.token_hex(8)
    command = [
        str(bindir / "psql"),
        *("-h", "127.0.0.1", "-p", str(postgres.port), "-U", postgres.user, "-d", "postproof"),
        *("-v", "ON_ERROR_STOP=1", "-v", f"app_password={password}"),
        *("-f", str(DEPLOY / "grants.sql")),
    ]
    env = {"PATH": os.environ.get("PATH", ""), "PGPASSWORD": postgres.password}
    app_url = f"postgresql://postproof_app:{password}@127.0.0.1:{postgres.port}/postproof"
    try:
        for _ in range(2):
            done = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=60, check=False
            )
            assert done.returncode == 0, done.stderr
        with open_archive(tmp_path / "home", database_url=app_url) as archive:
            stored = archive.store(make_result(text="the council voted"))
            archive.seal()
            assert archive.verify().ok
            assert [h.ref for h in archive.search_index.search("council")] == [stored]
        app = sa.create_engine(app_url.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            with (
                pytest.raises(sa.exc.ProgrammingError, match="permission denied"),
                app.begin() as connection,
            ):
                connection.exec_driver_sql("UPDATE captures SET text = 'rewritten'")
        finally:
            app.dispose()
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql("DROP DATABASE IF EXISTS postproof WITH (FORCE)")
            connection.exec_driver_sql("DROP ROLE IF EXISTS postproof_app")
