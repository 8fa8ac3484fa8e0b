"""The deployment examples of docs/deploy/ (README: "Deployment: a shared archive") cannot rot:
every postproof command their systemd units and compose file run exists with the flags they
give it, every variable they set is one postproof (or a library it documents) reads, every key
of their config.toml is read by the settings it belongs to, and the app role's grants are the
README's."""

from __future__ import annotations

import configparser
import dataclasses
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from storage._blob_config import BlobSettings
from storage._home import configured_database_url
from tests.conftest import REPO, run_cli

DEPLOY = REPO / "docs" / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))
SOURCES = ("archiver", "storage", "proof", "claims", "watch", "postproof")
# Read by the libraries postproof hands its connections to (boto3, libpq), as the README says.
LIBRARY_VARIABLES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PGPASSWORD"}
# Services of compose.yaml that run other programs than postproof, with their images' own
# variables (PostgreSQL's, MinIO's, psql's).
INFRASTRUCTURE = {"postgres", "minio", "bucket", "grants"}


def postproof_variables() -> set[str]:
    """Every POSTPROOF_* name the code reads (named in its sources)."""
    names: set[str] = set()
    for package in SOURCES:
        for path in (REPO / package).rglob("*.py"):
            names |= set(re.findall(r"POSTPROOF_[A-Z0-9_]+", path.read_text(encoding="utf-8")))
    return names


def known_variables() -> set[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blob_config = (REPO / "storage" / "_blob_config.py").read_text(encoding="utf-8")
    aws = set(re.findall(r"AWS_[A-Z0-9_]+", blob_config))
    for name in LIBRARY_VARIABLES:
        assert f"`{name}`" in readme, f"README does not say that {name} is read"
    return postproof_variables() | aws | LIBRARY_VARIABLES


def env_file(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {name.strip(): value.strip() for name, value in pairs}


def check_command(argv: list[str]) -> None:
    """``postproof SUBCOMMAND --flag …`` exists and takes every flag given."""
    assert Path(argv[0]).name == "postproof", argv
    words = [a for a in argv[1:] if not a.startswith("-")]
    subcommand = words[0]
    done = run_cli(subcommand, "--help", env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, f"postproof {subcommand} --help: {done.stderr}"
    for flag in (a.split("=", 1)[0] for a in argv[1:] if a.startswith("--")):
        listed = re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", done.stdout)
        assert listed, f"postproof {subcommand} has no {flag}"


def unit(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def test_the_examples_are_all_there() -> None:
    names = {p.name for p in DEPLOY.iterdir()}
    assert {
        "postproof-serve.service",
        "postproof-worker@.service",
        "postproof-recheck.service",
        "postproof-recheck.timer",
        "compose.yaml",
        "config.toml",
        "postproof.env",
        "grants.sql",
        "Dockerfile",
    } <= names
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in names:
        assert f"docs/deploy/{name}" in readme, f"README does not mention docs/deploy/{name}"


@pytest.mark.parametrize("path", UNITS, ids=[p.name for p in UNITS])
def test_a_unit_runs_postproof_as_it_is(path: Path) -> None:
    service = unit(path)["Service"]
    check_command(shlex.split(service["ExecStart"]))
    known = known_variables()
    for assignment in service.get("Environment", "").split():
        assert assignment.split("=", 1)[0] in known, (path.name, assignment)
    given = service.get("EnvironmentFile")
    if given is not None:
        assert Path(given).name == "postproof.env"


def test_the_recheck_timer_starts_its_service() -> None:
    timer = unit(DEPLOY / "postproof-recheck.timer")
    assert timer["Timer"]["OnCalendar"] and timer["Install"]["WantedBy"] == "timers.target"
    assert unit(DEPLOY / "postproof-recheck.service")["Service"]["Type"] == "oneshot"


def test_the_environment_file_sets_only_what_is_read() -> None:
    assert set(env_file(DEPLOY / "postproof.env")) <= known_variables()


def test_compose_runs_postproof_as_it_is() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    known = known_variables()
    services = compose["services"]
    ours = {name: s for name, s in services.items() if name not in INFRASTRUCTURE}
    assert {"serve", "worker", "migrate"} <= set(ours)
    for name, service in ours.items():
        check_command(service["command"])
        assert set(service["environment"]) <= known, name
        build = service["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve().is_file()
    assert ours["serve"]["command"][1] == "serve" and ours["worker"]["command"][1] == "worker"
    for service in services.values():
        for volume in service.get("volumes", ()):
            source = volume.split(":", 1)[0]
            if source.startswith("./") and source != "./signing.key":  # the key: the user's
                assert (DEPLOY / source).is_file(), volume
    # What compose fills in from .env (postproof.env, plus the tables' owner's password).
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    interpolated = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)", text))
    assert interpolated <= set(env_file(DEPLOY / "postproof.env")) | {"POSTGRES_PASSWORD"}


def test_config_toml_keys_are_read_by_their_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (DEPLOY / "config.toml").read_text(encoding="utf-8")
    config = tomllib.loads(text)
    assert set(config["database"]) == {"url"}
    blob_keys = {field.name for field in dataclasses.fields(BlobSettings)}
    assert set(config["blobs"]) <= blob_keys
    for commented in re.findall(r"^# (\w+) = ", text, flags=re.MULTILINE):
        assert commented in blob_keys, commented
    for name in ("POSTPROOF_DATABASE_URL", "POSTPROOF_BLOBS", "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    assert configured_database_url(tmp_path) == config["database"]["url"]
    read = BlobSettings.read(tmp_path)
    assert (read.url, read.endpoint_url, read.region) == (
        config["blobs"]["url"],
        config["blobs"]["endpoint_url"],
        config["blobs"]["region"],
    )


def _statements(sql: str) -> list[str]:
    return [
        " ".join(s.split()) for s in sql.split(";") if s.strip().startswith(("GRANT", "REVOKE"))
    ]


def test_the_grants_are_the_readmes() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", readme, flags=re.DOTALL)
    granted = [_statements(block) for block in blocks if "postproof_app" in block]
    assert granted, "README has no grants for the app's role"
    lines = (DEPLOY / "grants.sql").read_text(encoding="utf-8").splitlines()
    sql = "\n".join(line for line in lines if not line.startswith("--"))
    assert _statements(sql) == granted[0]
