"""The post's own media, kept: its images as the platform served them to the page (no second
download), and its videos, downloaded at the best quality offered, with their keyframes."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from archiver._gate import Gate
from archiver._options import CaptureOptions
from archiver._state import Seen, json_artifact
from archiver._timing import Deadline, bounded
from archiver._video import DownloadFailed, VideoDownload, download_in_child, keyframes_or_reason
from archiver.imaging import perceptual_hashes
from archiver.models import Artifact, ArtifactKind, Media, PostFields
from archiver.netpolicy import NetPolicy

VIDEO_TIME_RESERVE = 15.0  # seconds a video download leaves for the screenshots and recording
VIDEO_PAGE_ALLOWANCE = 8_000_000  # bytes an extractor may read besides the video (pages, manifests)


async def keep_media(
    post: PostFields, seen: Seen, deadline: Deadline, opts: CaptureOptions, policy: NetPolicy
) -> None:
    """Keep the post's images as the platform served them (the bytes the browser received:
    no second download), so that what they show can be checked later; and its videos,
    downloaded at the best quality offered, with their keyframes."""
    videos: list[str] = []
    for media in post.media:
        if media.kind == "video":
            if media.url not in videos:
                videos.append(media.url)
            continue
        if media.kind == "image":
            await _keep_image(media, seen, deadline, opts.max_media_bytes)

    if videos:
        await _keep_videos(videos, seen, deadline, opts, policy)


async def _keep_image(media: Media, seen: Seen, deadline: Deadline, max_bytes: int) -> None:
    notes = seen.outcome.notes
    response = seen.traffic.images.get(media.url)
    if response is None:
        notes.append(f"the image {media.url[:200]} was not loaded by the page")
        return
    decoded = seen.traffic.decoded.get(media.url, 0)
    if decoded > max_bytes:
        # Known from the browser's own count: the body is never loaded into memory.
        notes.append(
            f"the image {media.url[:200]} is {decoded} bytes once decompressed, over the "
            f"{max_bytes / 1e6:g} MB limit; not kept"
        )
        return
    read = await bounded(seen.traffic.body(response), deadline, 15)
    body = read[0] if read is not None else None
    if not body or len(body) > max_bytes:
        notes.append(f"the image {media.url[:200]} could not be kept")
        return
    media_type = response.headers.get("content-type") or "application/octet-stream"
    kept = Artifact.from_bytes(
        ArtifactKind.MEDIA, body, media_type.split(";")[0].strip(), source_url=media.url
    )
    phash, dhash = await asyncio.to_thread(perceptual_hashes, body, sha256=kept.sha256)
    seen.outcome.add(replace(kept, phash=phash, dhash=dhash))


async def _keep_videos(
    urls: list[str], seen: Seen, deadline: Deadline, opts: CaptureOptions, policy: NetPolicy
) -> None:
    page_url = seen.page_url
    bytes_left = opts.max_video_bytes
    kept: list[dict[str, Any]] = []
    for url in urls:
        # The post's page first: a platform's extractor finds the best format there.
        # With several videos the page cannot say which is which, so each its own.
        candidates = [page_url, url] if len(urls) == 1 else [url]
        seconds = deadline.left() - VIDEO_TIME_RESERVE
        if seconds < 1:
            seen.outcome.notes.append(f"no time was left to download the video {url[:200]}")
            continue
        # A folder per download, gone with it: the downloader has ended (or been killed)
        # by the time the folder is removed.
        workdir = Path(tempfile.mkdtemp(prefix="postproof-video-"))
        try:
            download = await _download_video(
                candidates,
                bytes_left,
                seconds,
                workdir,
                seen,
                policy=policy,
                insecure=opts.insecure,
            )
            if isinstance(download, DownloadFailed):
                seen.outcome.notes.append(_video_failure(url, download, bytes_left, opts))
                continue
            bytes_left -= len(download.data)
            frames, why = await asyncio.to_thread(
                keyframes_or_reason, download.path, timeout=max(2.0, deadline.left(60) - 5)
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        if why:
            seen.outcome.notes.append(f"no keyframes of the video {url[:200]}: {why}")
        video = Artifact.from_bytes(
            ArtifactKind.MEDIA, download.data, download.media_type, source_url=url
        )
        seen.outcome.add(video)
        kept.append(
            {"source_url": url, "sha256": video.sha256, "size": video.size}
            | download.to_json()
            | {"keyframes": [frame.to_json() for frame in frames]}
        )
    if kept:
        seen.outcome.add(json_artifact(ArtifactKind.VIDEO_KEYFRAMES, {"videos": kept}))


async def _download_video(
    urls: list[str],
    max_bytes: int,
    seconds: float,
    workdir: Path,
    seen: Seen,
    *,
    policy: NetPolicy,
    insecure: bool,
) -> VideoDownload | DownloadFailed:
    """Download through a gate of its own: the same safety rules and host map as the
    page's, with the video budget instead of the page's."""
    gate = Gate(policy, max_bytes=max_bytes + VIDEO_PAGE_ALLOWANCE)
    await gate.start()
    try:
        outcome = await download_in_child(
            urls,
            proxy_url=gate.proxy_url,
            max_bytes=max_bytes,
            insecure=insecure,
            timeout=min(30.0, seconds),
            seconds=seconds,
            workdir=workdir,
        )
    finally:
        await gate.close()
        if seen.traffic.gate is not None:  # the capture's record of every connection it made
            seen.traffic.gate.connections.extend(gate.connections)
    refused = next((c for c in gate.connections if c.blocked), None)
    if isinstance(outcome, DownloadFailed) and refused is not None:
        return DownloadFailed(f"{refused.host}: {refused.blocked}", outcome.too_large)
    if isinstance(outcome, DownloadFailed) and gate.over_budget:
        return DownloadFailed(outcome.reason, too_large=True)
    return outcome


def _video_failure(url: str, failed: DownloadFailed, bytes_left: int, opts: CaptureOptions) -> str:
    if not failed.too_large:
        return f"no video could be downloaded: {failed.reason}"
    budget = f"{opts.max_video_bytes / 1e6:g} MB"
    if bytes_left < opts.max_video_bytes:
        budget = f"{bytes_left / 1e6:g} MB left of the {budget}"
    return f"the video {url[:200]} is larger than the {budget} budget; not kept"
