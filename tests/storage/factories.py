"""Builders of capture results and helpers shared by the storage tests and their child
processes (which import it as ``tests.storage.factories`` with the sys.path of the test run)."""

from __future__ import annotations

import io
import itertools
import json
import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import imagehash
from PIL import Image

from archiver.models import (
    Artifact,
    ArtifactKind,
    CaptureResult,
    Media,
    PostFields,
    Provenance,
    Status,
)

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
STORED_AT = datetime(2025, 3, 1, 12, 30, 0, tzinfo=UTC)
URL = "https://social.example/@alice/101"


def png_bytes(color: tuple[int, int, int] = (200, 30, 30), size: int = 16) -> bytes:
    image = Image.new("RGB", (size, size), color)
    for x in range(size // 2):
        image.putpixel((x, x), (0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def screenshot(color: tuple[int, int, int] = (200, 30, 30)) -> Artifact:
    data = png_bytes(color)
    with Image.open(io.BytesIO(data)) as image:
        phash, dhash = str(imagehash.phash(image)), str(imagehash.dhash(image))
    return Artifact.from_bytes(ArtifactKind.SCREENSHOT, data, "image/png", phash=phash, dhash=dhash)


def make_result(
    url: str = URL,
    *,
    post_id: str | None = "101",
    platform: str = "mastodon",
    status: Status = Status.OK,
    started_at: datetime = T0,
    text: str = "hello world",
    artifacts: tuple[Artifact, ...] | None = None,
) -> CaptureResult:
    finished_at = started_at + timedelta(seconds=3)
    provenance = Provenance(
        requested_url=url,
        started_at=started_at,
        finished_at=finished_at,
        tool_version="0.1.0",
        browser_name="chromium",
        browser_version="130.0",
        user_agent="Mozilla/5.0 postproof-test",
        viewport=(1280, 900),
        device_scale_factor=1.0,
        locale="en-US",
        timezone="UTC",
        options={"wait": "load"},
        final_url=url,
        http_status=200,
        server_date="Sat, 01 Mar 2025 12:00:00 GMT",
        server_ip="127.0.0.1",
    )
    post = PostFields(
        platform=platform,
        post_id=post_id,
        author="Alice",
        handle="@alice",
        posted_at=datetime(2025, 2, 28, 9, 15, tzinfo=UTC),
        text=text,
        lang="en",
        media=(Media(url="https://social.example/media/1.png", alt="a red square"),),
    )
    if artifacts is None:
        artifacts = (
            screenshot(),
            Artifact.from_bytes(
                ArtifactKind.HTML, f"<html><p>{text}</p></html>".encode(), "text/html"
            ),
            Artifact.from_bytes(
                ArtifactKind.PROVENANCE,
                json.dumps(provenance.to_json(), sort_keys=True).encode(),
                "application/json",
            ),
        )
    return CaptureResult(
        requested_url=url,
        canonical_url=url,
        platform=platform,
        post_id=post_id,
        status=status,
        reason=None if status is Status.OK else "the post is gone",
        started_at=started_at,
        finished_at=finished_at,
        final_url=url,
        http_status=200 if status is Status.OK else 404,
        post=post if status is Status.OK else None,
        artifacts=artifacts,
        provenance=provenance,
    )


def fixed_clock(moment: datetime = STORED_AT) -> Callable[[], datetime]:
    return lambda: moment


def sequential_ids(prefix: str = "cap") -> Callable[[], str]:
    """Deterministic capture ids: cap00001, cap00002, …"""
    counter: Iterator[int] = itertools.count(1)
    return lambda: f"{prefix}{next(counter):0{8 - len(prefix)}d}"


def child_env() -> dict[str, str]:
    """Environment for a child Python that imports exactly what this process imports."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}


def store_many(home: str, worker: int, count: int) -> list[str]:
    """Child-process body: store ``count`` captures, some sharing blobs with other workers."""
    from storage import open_archive

    ids = []
    with open_archive(Path(home)) as archive:
        for index in range(count):
            result = make_result(
                f"https://social.example/@w{worker}/{index}",
                post_id=f"{worker}-{index}",
                started_at=T0 + timedelta(minutes=index),
                text=f"worker {worker} post {index}",
                artifacts=(
                    screenshot(),  # the same bytes in every capture of every worker
                    Artifact.from_bytes(
                        ArtifactKind.HTML, f"<p>{worker}/{index}</p>".encode(), "text/html"
                    ),
                ),
            )
            ids.append(archive.store(result))
    return ids
