"""A post's videos: downloaded only through the capture's network rules, kept byte for byte,
bounded by their own budget, and fingerprinted by their keyframes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import imagehash
import pytest

from archiver import ArtifactKind, CaptureOptions, Capturer, CaptureResult, Status, parse_host_map
from archiver._gate import Gate
from archiver._video import (
    DownloadFailed,
    Keyframe,
    VideoDownload,
    download_video,
    keyframes_or_reason,
    video_keyframes,
)
from archiver.netpolicy import NetPolicy
from demo import FakeWeb
from demo.messages import Request, Response, html
from tests.fixtureweb import build_fixture_web
from tests.processes import command_line, parents

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")

HOST = "clips.example"  # serves the posts and their video
CDN = "cdn.example"  # serves the same video; refused by the safety rules in one test
POST = f"https://{HOST}/@ana/114000000000000001"  # its video on HOST
POST_ON_CDN = f"https://{HOST}/@ana/114000000000000002"  # its video on CDN
POST_SLOW = f"https://{HOST}/@ana/114000000000000003"  # its video comes too slowly
VIDEO = f"https://{HOST}/media/clip.mp4"
VIDEO_ON_CDN = f"https://{CDN}/media/clip.mp4"


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=60)


def _test_video(path: Path, *, gop: int = 10) -> Path:
    """3 s of ffmpeg's test pattern, 320x240 at 10 fps, an I-frame every ``gop`` frames."""
    source = "testsrc=duration=3:size=320x240:rate=10"
    _ffmpeg("-f", "lavfi", "-i", source, "-pix_fmt", "yuv420p", "-g", str(gop), str(path))
    return path


@dataclass(frozen=True)
class VideoWeb:
    web: FakeWeb
    clip: bytes
    clip_path: Path

    def requests_for(self, host: str, path: str) -> int:
        return sum(1 for r in self.web.requests if (r.host, r.path) == (host, path))


def _post_page(video_src: str) -> str:
    return f"""<!doctype html><html lang="en"><head><title>Ana (@ana@{HOST})</title></head>
<body><div class="detailed-status" data-status-id="1">
  <span class="display-name__html">Ana Lopez</span>
  <span class="display-name__account">@ana@{HOST}</span>
  <div class="status__content"><p lang="en">The flood on the river road, this morning.</p></div>
  <time datetime="2025-02-03T08:15:00.000Z">Feb 3, 2025</time>
  <video src="{video_src}" preload="none" width="320" height="240"></video>
</div></body></html>"""


@pytest.fixture(scope="module")
def video_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VideoWeb]:
    clip_path = _test_video(tmp_path_factory.mktemp("video") / "clip.mp4")
    clip = clip_path.read_bytes()

    def serve_clip(request: Request) -> Response:
        return Response(200, clip, "video/mp4")

    web = build_fixture_web()
    web.add_route(HOST, r"/media/clip\.mp4", serve_clip)
    web.add_route(CDN, r"/media/clip\.mp4", serve_clip)
    web.add_route(HOST, r"/@ana/114000000000000001", lambda r: html(_post_page("/media/clip.mp4")))
    web.add_route(HOST, r"/@ana/114000000000000002", lambda r: html(_post_page(VIDEO_ON_CDN)))

    def serve_slowly(request: Request) -> Response:
        request.sleep(12)  # longer than the capture leaves for its video
        return Response(200, clip, "video/mp4")

    web.add_route(HOST, r"/media/slow\.mp4", serve_slowly)
    web.add_route(HOST, r"/@ana/114000000000000003", lambda r: html(_post_page("/media/slow.mp4")))
    web.start()
    try:
        yield VideoWeb(web, clip, clip_path)
    finally:
        web.stop()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _download(
    video_web: VideoWeb, urls: list[str], workdir: Path, *, allow_private: bool
) -> tuple[VideoDownload | DownloadFailed, Gate]:
    async def run() -> tuple[VideoDownload | DownloadFailed, Gate]:
        policy = NetPolicy(
            host_map=parse_host_map(video_web.web.host_map()), allow_private=allow_private
        )
        gate = Gate(policy, max_bytes=10_000_000)
        await gate.start()
        try:
            outcome = await asyncio.to_thread(
                download_video,
                urls,
                proxy_url=gate.proxy_url,
                max_bytes=1_000_000,
                insecure=True,
                timeout=10,
                workdir=workdir,
            )
        finally:
            await gate.close()
        return outcome, gate

    return asyncio.run(run())


# -- downloading ----------------------------------------------------------------------------


def test_download_through_the_gate_keeps_the_served_bytes(
    video_web: VideoWeb, tmp_path: Path
) -> None:
    outcome, gate = _download(video_web, [VIDEO], tmp_path, allow_private=True)
    assert isinstance(outcome, VideoDownload), outcome
    assert _sha256(outcome.data) == _sha256(video_web.clip)
    assert outcome.media_type == "video/mp4"
    assert (outcome.tried_url, outcome.media_url) == (VIDEO, VIDEO)
    assert outcome.extractor and outcome.format_id
    # Every connection went through the gate, which resolved the name itself.
    assert gate.connections and all(
        (c.host, c.address) == (HOST, "127.0.0.1") for c in gate.connections
    )


def test_a_host_the_rules_refuse_is_never_reached(video_web: VideoWeb, tmp_path: Path) -> None:
    before = video_web.requests_for(HOST, "/media/clip.mp4")
    outcome, gate = _download(video_web, [POST, VIDEO], tmp_path, allow_private=False)
    assert isinstance(outcome, DownloadFailed) and not outcome.too_large
    assert "not allowed" in outcome.reason
    assert len(gate.connections) == 2 and all(c.blocked for c in gate.connections)
    assert all("non-public address" in (c.blocked or "") for c in gate.connections)
    assert video_web.requests_for(HOST, "/media/clip.mp4") == before


def test_addresses_that_are_not_http_are_not_tried(tmp_path: Path) -> None:
    outcome = download_video(
        ["blob:https://x.com/5d2c", "data:video/mp4;base64,AAAA"],
        proxy_url="socks5://127.0.0.1:9",
        max_bytes=1000,
        insecure=False,
        timeout=1,
        workdir=tmp_path,
    )
    assert isinstance(outcome, DownloadFailed)
    assert outcome.reason.count("not a downloadable address") == 2


# -- keyframes ------------------------------------------------------------------------------


def _distance(a: Keyframe, b: Keyframe) -> int:
    assert a.phash and b.phash
    return int(imagehash.hex_to_hash(a.phash) - imagehash.hex_to_hash(b.phash))


def test_keyframes_are_the_iframes_with_their_times_and_hashes(video_web: VideoWeb) -> None:
    frames = video_keyframes(video_web.clip_path)
    assert [f.t for f in frames] == [0.0, 1.0, 2.0]  # one I-frame every 10 frames at 10 fps
    assert all(len(f.phash or "") == 16 and len(f.dhash or "") == 16 for f in frames)
    assert len({f.phash for f in frames}) == 3  # the test pattern moves: three pictures
    assert video_keyframes(video_web.clip_path) == frames  # stable


def test_keyframes_survive_a_reencoding(video_web: VideoWeb, tmp_path: Path) -> None:
    smaller = tmp_path / "smaller.mp4"
    _ffmpeg(
        "-i", str(video_web.clip_path), "-vf", "scale=240:180", "-crf", "38",
        "-pix_fmt", "yuv420p", "-g", "10", str(smaller),
    )  # fmt: skip
    assert _sha256(smaller.read_bytes()) != _sha256(video_web.clip)
    original, copy = video_keyframes(video_web.clip_path), video_keyframes(smaller)
    assert [f.t for f in copy] == [f.t for f in original]
    assert all(_distance(a, b) <= 6 for a, b in zip(original, copy, strict=True))


def test_a_video_with_one_iframe_is_sampled_evenly(tmp_path: Path) -> None:
    one_iframe = _test_video(tmp_path / "long-gop.mp4", gop=1000)
    frames = video_keyframes(one_iframe, max_frames=5)
    assert len(frames) == 5
    times = [f.t for f in frames]
    assert times == sorted(times) and times[-1] - times[0] >= 2.0


def test_without_ffmpeg_there_are_no_keyframes_and_a_reason(
    video_web: VideoWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine where ffmpeg is not installed
    frames, reason = keyframes_or_reason(video_web.clip_path)
    assert frames == [] and reason is not None and "ffmpeg is not installed" in reason


def test_a_file_that_is_no_video_gives_a_reason(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200)
    frames, reason = keyframes_or_reason(broken)
    assert frames == [] and reason is not None and "ffmpeg" in reason


# -- in a capture ---------------------------------------------------------------------------


def _capture(video_web: VideoWeb, urls: list[str], **options: object) -> list[CaptureResult]:
    settings = CaptureOptions(
        **{
            "timeout": 30.0,
            "concurrency": 1,
            "insecure": True,
            "host_map": parse_host_map(video_web.web.host_map()),
            **options,
        }  # type: ignore[arg-type]
    )

    async def run() -> list[CaptureResult]:
        async with Capturer(settings) as capturer:
            return [await capturer.capture(url) for url in urls]

    return asyncio.run(run())


def _video_artifacts(result: CaptureResult) -> list[str | None]:
    return [
        a.source_url
        for a in result.artifacts
        if a.kind is ArtifactKind.MEDIA and a.media_type.startswith("video/")
    ]


@pytest.mark.browser
def test_a_capture_keeps_the_post_video_and_its_keyframes(video_web: VideoWeb) -> None:
    [result] = _capture(video_web, [POST], allow_private=True)
    assert result.status is Status.OK, result.reason
    assert result.post is not None and [m.kind for m in result.post.media] == ["video"]
    [video] = [a for a in result.artifacts if a.kind is ArtifactKind.MEDIA]
    assert (video.source_url, video.media_type) == (VIDEO, "video/mp4")
    assert video.sha256 == _sha256(video_web.clip)
    [keyframes] = [a for a in result.artifacts if a.kind is ArtifactKind.VIDEO_KEYFRAMES]
    [entry] = json.loads(keyframes.data)["videos"]
    assert (entry["source_url"], entry["sha256"]) == (VIDEO, video.sha256)
    assert entry["tried_url"] == POST  # the post's page first, where extractors look
    assert entry["extractor"] and entry["format_id"]
    assert [k["t"] for k in entry["keyframes"]] == [0.0, 1.0, 2.0]
    expected = [f.to_json() for f in video_keyframes(video_web.clip_path)]
    assert entry["keyframes"] == expected
    provenance = json.loads(
        next(a for a in result.artifacts if a.kind is ArtifactKind.PROVENANCE).data
    )
    assert provenance["media"] == {VIDEO: video.sha256}
    assert provenance["artifacts"]["video_keyframes"] == keyframes.sha256


@pytest.mark.browser
def test_a_capture_enforces_the_video_budget_and_the_safety_rules(video_web: VideoWeb) -> None:
    before = video_web.requests_for(CDN, "/media/clip.mp4")
    too_big, refused = _capture(
        video_web,
        [POST, POST_ON_CDN],
        allow_private_hosts=frozenset({HOST}),  # the page's host only: the CDN stays refused
        max_video_bytes=1000,
    )
    assert too_big.status is Status.OK, too_big.reason
    assert _video_artifacts(too_big) == []
    assert not any(a.kind is ArtifactKind.VIDEO_KEYFRAMES for a in too_big.artifacts)
    assert f"the video {VIDEO} is larger than the 0.001 MB budget; not kept" in (
        too_big.provenance.notes
    )

    assert refused.status is Status.OK, refused.reason
    assert _video_artifacts(refused) == []
    notes = "\n".join(refused.provenance.notes)
    assert f"no video could be downloaded: {CDN}: {CDN} resolves to the non-public" in notes
    assert f"blocked a connection to {CDN}:443" in notes
    assert video_web.requests_for(CDN, "/media/clip.mp4") == before


@pytest.mark.browser
def test_a_download_cut_short_leaves_no_scratch_folder(
    video_web: VideoWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the capture's time for the video is up, its downloader is stopped and its folder
    goes: nothing keeps running or writing behind the capture."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    [result] = _capture(video_web, [POST_SLOW], allow_private=True, timeout=19.0)
    assert result.status is Status.OK, result.reason
    assert _video_artifacts(result) == []
    assert any("did not finish within" in note for note in result.provenance.notes), (
        result.provenance.notes
    )
    assert [p.name for p in scratch.iterdir() if p.name.startswith("postproof-video-")] == []
    assert _downloaders() == []


def _downloaders() -> list[int]:
    """This process's video downloaders still running (children started by the capture)."""
    mine = os.getpid()
    return [
        pid
        for pid, parent in parents().items()
        if parent == mine and b"archiver._video" in command_line(pid)
    ]
