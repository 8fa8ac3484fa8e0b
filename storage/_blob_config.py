"""Which blob store an archive keeps its evidence in.

The local store under ``<home>/blobs`` unless ``POSTPROOF_BLOBS`` (or ``[blobs] url`` in the
data home's ``config.toml``) names an S3 location; the blob store belongs to ``storage``, so
its settings are read here, as ``proof`` reads its TSA variables. The connection follows the
AWS conventions: the ``AWS_*`` variables first, then the ``[blobs]`` table::

    [blobs]
    url = "s3://evidence/newsroom"      # POSTPROOF_BLOBS
    endpoint_url = "https://s3.example.org"  # AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL
    region = "eu-central-1"             # AWS_REGION, AWS_DEFAULT_REGION
    retain_days = 3650                  # Object Lock retention of every new blob
    conditional_writes = true           # false for a store that ignores If-None-Match

Credentials are never read from ``config.toml``: boto3 takes them from ``AWS_ACCESS_KEY_ID``
and ``AWS_SECRET_ACCESS_KEY``, an AWS profile or the machine's role.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from archiver.errors import UsageError
from storage._blobs import Blobs, BlobStore

BLOBS_ENV = "POSTPROOF_BLOBS"
CONFIG_NAME = "config.toml"
_HINT = "Fix [blobs] in config.toml (TOML) or move the file away; README.md lists its keys."


@dataclass(frozen=True)
class BlobSettings:
    """Where the blobs go; ``url`` is ``None`` for the local store."""

    url: str | None = None
    endpoint_url: str | None = None
    region: str | None = None
    retain_days: int | None = None
    conditional_writes: bool = True

    @classmethod
    def read(cls, home: Path) -> BlobSettings:
        """The environment, then ``[blobs]`` in ``home``'s ``config.toml``."""
        table = _blobs_table(home / CONFIG_NAME)
        env = os.environ
        retain = table.get("retain_days")
        if retain is not None and (isinstance(retain, bool) or not isinstance(retain, int)):
            raise UsageError(
                f"[blobs] retain_days = {retain!r} is not a number of days", hint=_HINT
            )
        conditional = table.get("conditional_writes", True)
        if not isinstance(conditional, bool):
            raise UsageError(f"[blobs] conditional_writes = {conditional!r} is not true or false")
        return cls(
            url=_text(env.get(BLOBS_ENV)) or _setting(table, "url"),
            endpoint_url=_text(env.get("AWS_ENDPOINT_URL_S3"))
            or _text(env.get("AWS_ENDPOINT_URL"))
            or _setting(table, "endpoint_url"),
            region=_text(env.get("AWS_REGION"))
            or _text(env.get("AWS_DEFAULT_REGION"))
            or _setting(table, "region"),
            retain_days=retain,
            conditional_writes=conditional,
        )


def open_blob_store(home: Path, blobs_dir: Path, run_id: str, url: str | None = None) -> Blobs:
    """The blob store ``home``'s settings name: a :class:`BlobStore` in ``blobs_dir`` (whose
    temporary files carry ``run_id``) by default. ``url`` (an ``s3://`` location) overrides the
    configured one; the connection settings are still read from ``home``."""
    settings = BlobSettings.read(home)
    if url is not None:
        settings = replace(settings, url=url)
    if settings.url is None:
        return BlobStore(blobs_dir, run_id=run_id)
    from storage._s3blobs import S3BlobStore, S3Location

    return S3BlobStore(
        S3Location.parse(settings.url),
        endpoint_url=settings.endpoint_url,
        region=settings.region,
        retain_days=settings.retain_days,
        conditional_writes=settings.conditional_writes,
    )


def _blobs_table(path: Path) -> Mapping[str, Any]:
    try:
        with path.open("rb") as handle:
            config = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"Cannot read the settings file {path}: {exc}", hint=_HINT) from exc
    table = config.get("blobs", {})
    if not isinstance(table, Mapping):
        raise UsageError(f"[blobs] in {CONFIG_NAME} must be a table, not {table!r}.", hint=_HINT)
    return table


def _setting(table: Mapping[str, Any], key: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise UsageError(f"[blobs] {key} = {value!r} must be a string", hint=_HINT)
    return _text(value)


def _text(value: str | None) -> str | None:
    return value.strip() or None if value else None
