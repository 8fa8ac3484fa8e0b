"""Blobs in an S3-compatible bucket (AWS S3, MinIO, SeaweedFS, Garage…), written once.

Layout under ``s3://<bucket>/<prefix>``, as in the local store::

    sha256/ab/cd/abcd…(64 hex)   one object per distinct byte string

A blob is written with ``If-None-Match: *``, so an object, once there, is never replaced: the
store answers 412 instead, and the bytes already stored are read back and hashed (content
addressing makes them identical, unless someone altered the bucket, which is an
:class:`IntegrityError`). A store without conditional writes (``conditional_writes=False``, or
one that answers 501) gets the same read-back before every write. Every write carries its
Content-MD5, so bytes damaged on the way are refused by the store. With ``retain_days`` each new
object gets an S3 Object Lock retention in COMPLIANCE mode: not even the archive's own
credentials can delete it before that day (the bucket must have Object Lock enabled).

boto3 is imported when the first request is made; its errors become :class:`StorageError` in
one place, :func:`_translated`, with a hint of what to check.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
from base64 import b64encode
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from archiver.errors import IntegrityError, PostproofError, StorageError, UsageError
from archiver.models import utcnow
from storage._blobs import VERIFY_HINT, check_sha256, hash_expected, missing_blob

if TYPE_CHECKING:
    from botocore.client import BaseClient

log = logging.getLogger("postproof.storage")

_CHUNK = 1 << 20
_BUCKET_PATTERN = re.compile(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]")
_BLOB_KEY = re.compile(r"([0-9a-f]{2})/([0-9a-f]{2})/(\1\2[0-9a-f]{60})")
_REFUSED = {
    "AccessDenied",
    "ExpiredToken",
    "Forbidden",
    "InvalidAccessKeyId",
    "InvalidToken",
    "SignatureDoesNotMatch",
    "403",
}
_NOT_FOUND = {"NoSuchKey", "NotFound", "404"}
_EXISTS = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}
_UNSUPPORTED = {"NotImplemented", "501"}
# botocore's standard retry mode: a store that is down fails within seconds.
_RETRIES = {"max_attempts": 3, "mode": "standard"}
_RETRY_VARIABLES = {"AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"}


@dataclass(frozen=True)
class S3Location:
    """A bucket and a key prefix (empty, or ending in ``/``)."""

    bucket: str
    prefix: str = ""

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """``s3://bucket`` or ``s3://bucket/some/prefix``."""
        scheme, _, rest = url.strip().partition("://")
        bucket, _, prefix = rest.partition("/")
        if scheme.lower() != "s3" or _BUCKET_PATTERN.fullmatch(bucket) is None:
            raise UsageError(
                f"not an S3 location for the blobs: {url!r}",
                hint="write it as s3://bucket or s3://bucket/prefix (POSTPROOF_BLOBS or "
                "[blobs] url in config.toml)",
            )
        prefix = "/".join(part for part in prefix.split("/") if part)
        return cls(bucket=bucket, prefix=f"{prefix}/" if prefix else "")

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


class S3BlobStore:
    """Write-once, content-addressed blobs under one prefix of a bucket (see the module).

    ``endpoint_url`` and ``region`` default to what boto3 reads (``AWS_ENDPOINT_URL``,
    ``AWS_REGION``/``AWS_DEFAULT_REGION``, ``~/.aws/config``), as do the credentials.
    ``clock`` dates the Object Lock retention. The store is safe to share between threads.
    """

    def __init__(
        self,
        location: S3Location,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        retain_days: int | None = None,
        conditional_writes: bool = True,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if retain_days is not None and retain_days < 1:
            raise UsageError(
                f"[blobs] retain_days must be at least 1, not {retain_days}",
                hint="leave it out for no Object Lock retention",
            )
        self.location = location
        self.endpoint_url = endpoint_url
        self.region = region
        self.retain_days = retain_days
        self.conditional_writes = conditional_writes
        self._clock = clock
        self._client: BaseClient | None = None
        self._client_lock = threading.Lock()

    # -- reading ---------------------------------------------------------------------------

    def exists(self, sha256: str) -> bool:
        key = self._key(sha256)
        with self._translated():
            try:
                self._s3().head_object(Bucket=self.location.bucket, Key=key)
            except _client_error() as exc:
                if _code(exc) in _NOT_FOUND:
                    return False
                raise
        return True

    def read(self, sha256: str) -> bytes:
        with self.open(sha256) as stream:
            return stream.read()

    @contextmanager
    def open(self, sha256: str) -> Iterator[BinaryIO]:
        body = self._get(sha256)
        if body is None:
            raise missing_blob(sha256)
        with self._translated(), body:
            yield cast(BinaryIO, body)

    @contextmanager
    def local_file(self, sha256: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="postproof-blob-") as directory:
            path = Path(directory, sha256)
            with self.open(sha256) as stream, path.open("wb") as out:
                while chunk := stream.read(_CHUNK):
                    out.write(chunk)
            path.chmod(0o400)
            yield path

    def local_path(self, sha256: str) -> None:
        return None

    def location_of(self, sha256: str) -> str:
        return f"s3://{self.location.bucket}/{self._key(sha256)}"

    def digest(self, sha256: str) -> tuple[str, int] | None:
        body = self._get(sha256)
        if body is None:
            return None
        digest = hashlib.sha256()
        size = 0
        with self._translated(), body:
            for chunk in body.iter_chunks(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
        return digest.hexdigest(), size

    def iter_shas(self) -> Iterator[str]:
        for key in self._keys():
            found = _BLOB_KEY.fullmatch(key)
            if found is not None:
                yield found[3]

    def stray_files(self) -> Iterator[str]:
        base = f"{self.location.prefix}sha256/"
        for key in self._keys():
            if _BLOB_KEY.fullmatch(key) is None:
                yield f"s3://{self.location.bucket}/{base}{key}"

    # -- writing ---------------------------------------------------------------------------

    def put(self, data: bytes, expected_sha256: str | None = None) -> str:
        """Store ``data`` once and return its SHA-256; an :class:`IntegrityError` if the name
        is taken by different bytes (the object is never replaced)."""
        sha = hash_expected(data, expected_sha256)
        for _attempt in range(3):
            if self.conditional_writes and self._put_if_absent(sha, data):
                return sha
            found = self.digest(sha)  # the name is taken, or we must look before writing
            if found is not None:
                self._check_stored(sha, found[0])
                return sha
            if not self.conditional_writes:
                self._put_object(sha, data, {})
                return sha
            # Taken a moment ago, gone now (recovery of a dead run removed it): write again.
        raise StorageError(
            f"the blob {sha} keeps appearing and vanishing in {self.location}",
            hint="another program is deleting objects in the bucket; stop it and try again",
        )

    def discard(self, sha256: str) -> bool:
        """Delete a blob (crash recovery only; see ``storage._journal``); whether there was
        one. Under Object Lock the bucket keeps the locked version until its retention ends."""
        if not self.exists(sha256):
            return False
        with self._translated():
            self._s3().delete_object(Bucket=self.location.bucket, Key=self._key(sha256))
        return True

    def temp_files(self) -> list[Path]:
        return []  # a PutObject is atomic: there is nothing half-written to clean up

    def temp_owner(self, temp: Path) -> str:
        return temp.name.split(".", 1)[0]

    # -- helpers ---------------------------------------------------------------------------

    def _put_if_absent(self, sha: str, data: bytes) -> bool:
        """Write unless the name is taken: whether we wrote it."""
        try:
            self._put_object(sha, data, {"IfNoneMatch": "*"})
        except _ConditionalWrite as refused:
            if refused.unsupported:
                log.warning("%s does not take conditional writes: reading back instead", self)
                self.conditional_writes = False
            return False
        return True

    def _put_object(self, sha: str, data: bytes, extra: dict[str, Any]) -> None:
        md5 = b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        if self.retain_days is not None:
            extra = extra | {
                "ObjectLockMode": "COMPLIANCE",
                "ObjectLockRetainUntilDate": self._clock() + timedelta(days=self.retain_days),
            }
        with self._translated():
            try:
                self._s3().put_object(
                    Bucket=self.location.bucket,
                    Key=self._key(sha),
                    Body=data,
                    ContentMD5=md5,
                    ContentType="application/octet-stream",
                    **extra,
                )
            except _client_error() as exc:
                if "IfNoneMatch" in extra and _code(exc) in _EXISTS | _UNSUPPORTED:
                    raise _ConditionalWrite(unsupported=_code(exc) in _UNSUPPORTED) from exc
                raise

    def _check_stored(self, sha: str, stored_sha: str) -> None:
        """Refuse a stored blob whose bytes do not hash to its name."""
        if stored_sha != sha:
            raise IntegrityError(
                f"the stored blob {self.location_of(sha)} does not match its name "
                f"(its bytes hash to {stored_sha})",
                hint=VERIFY_HINT,
            )

    def _get(self, sha256: str) -> Any:
        """The body of the blob's object (a stream), or None when there is none."""
        key = self._key(sha256)
        with self._translated():
            try:
                return self._s3().get_object(Bucket=self.location.bucket, Key=key)["Body"]
            except _client_error() as exc:
                if _code(exc) in _NOT_FOUND:
                    return None
                raise

    def _keys(self) -> Iterator[str]:
        """Every key under ``<prefix>sha256/``, without that part."""
        base = f"{self.location.prefix}sha256/"
        with self._translated():
            pages = self._s3().get_paginator("list_objects_v2")
            for page in pages.paginate(Bucket=self.location.bucket, Prefix=base):
                for item in page.get("Contents", ()):
                    yield item["Key"][len(base) :]

    def _key(self, sha256: str) -> str:
        sha = check_sha256(sha256)
        return f"{self.location.prefix}sha256/{sha[:2]}/{sha[2:4]}/{sha}"

    def _s3(self) -> BaseClient:
        with self._client_lock:
            if self._client is None:
                self._client = _make_client(self.endpoint_url, self.region)
            return self._client

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except PostproofError:
            raise
        except Exception as exc:
            translated = _translate(exc, self)
            if translated is None:
                raise
            raise translated from exc

    def __str__(self) -> str:
        endpoint = self._client.meta.endpoint_url if self._client else self.endpoint_url
        return f"{self.location} at {endpoint}" if endpoint else str(self.location)


class _ConditionalWrite(Exception):
    """A conditional write refused: the name is taken, or the store does not take them."""

    def __init__(self, *, unsupported: bool) -> None:
        super().__init__("conditional write refused")
        self.unsupported = unsupported


def _make_client(endpoint_url: str | None, region: str | None) -> BaseClient:
    from botocore.config import Config

    config = Config(
        # Stores other than AWS reject or mangle the newer default checksums; Content-MD5,
        # which every store checks, guards each write instead.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        # AWS_MAX_ATTEMPTS / AWS_RETRY_MODE, when set, are boto3's to read.
        retries=None if _RETRY_VARIABLES & os.environ.keys() else _RETRIES,
        connect_timeout=5,
        read_timeout=60,
        s3={"addressing_style": "path"} if endpoint_url else None,
    )
    with _LOADING:
        return new_session().client(
            "s3", endpoint_url=endpoint_url, region_name=region, config=config
        )


# botocore's loaders of the services' descriptions, one per AWS_DATA_PATH, shared by the
# sessions of the process; and the lock under which clients are made with them.
_LOADERS: dict[str | None, Any] = {}
_LOADING = threading.RLock()


def new_session() -> Any:
    """A boto3 session of its own (the default one is not safe to share by threads), reading
    the services' descriptions through the process's one loader: a session of its own would
    parse S3's again, 70 ms for each client against 15 ms."""
    import boto3
    import botocore.loaders
    import botocore.session

    with _LOADING:
        data_path = os.environ.get("AWS_DATA_PATH")
        if data_path not in _LOADERS:
            _LOADERS[data_path] = botocore.loaders.create_loader(data_path)
        core = botocore.session.Session()
        core.register_component("data_loader", _LOADERS[data_path])
    return boto3.session.Session(botocore_session=core)


def _client_error() -> type[Exception]:
    from botocore.exceptions import ClientError

    return ClientError


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code or str(status or "")


def _translate(exc: Exception, store: S3BlobStore) -> StorageError | None:
    """The :class:`StorageError` for an error of boto3 or botocore (None for any other)."""
    from botocore import exceptions as boto

    where = str(store)
    if isinstance(exc, boto.NoCredentialsError | boto.PartialCredentialsError):
        return StorageError(
            f"no credentials for the blob store {where}",
            hint="set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or an AWS profile)",
        )
    if isinstance(exc, boto.HTTPClientError | boto.ConnectionError):
        return StorageError(
            f"the blob store {where} cannot be reached: {exc}",
            hint="check that the S3 server is running and that AWS_ENDPOINT_URL "
            "(or [blobs] endpoint_url in config.toml) names it",
        )
    if isinstance(exc, boto.ClientError):
        return _translate_refusal(_code(exc), exc, store)
    if isinstance(exc, boto.BotoCoreError):
        return StorageError(
            f"the blob store {where} failed: {exc}",
            hint="check the [blobs] settings and the AWS_* variables",
        )
    return None


def _translate_refusal(code: str, exc: Exception, store: S3BlobStore) -> StorageError:
    where = str(store)
    if code in _REFUSED:
        return StorageError(
            f"the blob store {where} refused the archive's credentials ({code})",
            hint="check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and that this key may "
            f"read and write s3://{store.location.bucket}",
        )
    if code == "NoSuchBucket":
        return StorageError(
            f"the bucket {store.location.bucket} does not exist at {where}",
            hint="create it, or fix POSTPROOF_BLOBS (or [blobs] url in config.toml)",
        )
    if code in ("InvalidRequest", "InvalidArgument") and store.retain_days is not None:
        return StorageError(
            f"the blob store {where} refused an Object Lock retention ({code})",
            hint="enable Object Lock on the bucket, or remove [blobs] retain_days",
        )
    message = getattr(exc, "response", {}).get("Error", {}).get("Message", "")
    return StorageError(
        f"the blob store {where} failed: {code} {message}".rstrip(),
        hint="if this keeps happening, check the S3 server's log",
    )
