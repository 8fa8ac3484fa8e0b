"""A post's videos: downloaded at the best single-file quality through the capture's network
rules, and fingerprinted by their keyframes.

The download uses yt-dlp's site extractors (they find the best format a platform offers) and
only ever reaches the web through a SOCKS5 gate on loopback. Nothing that could open its own
connections is allowed to run: yt-dlp's external downloaders are off, it cannot find an ffmpeg
(which would ignore a SOCKS proxy), and only formats yt-dlp fetches itself over HTTP(S) or
native HLS are eligible. Keyframes are read from the downloaded file with the system ffmpeg.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from archiver.imaging import perceptual_hashes

log = logging.getLogger("postproof.video")

# A single file with sound and picture, mp4 first; fetched by yt-dlp itself, never by a helper.
FORMAT = "/".join(
    f"best{ext}[protocol{proto}]"
    for ext in ("[ext=mp4]", "")
    for proto in ("^=http", "=m3u8_native")
)
MAX_REASON_CHARS = 300
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_TOO_LARGE = "larger than max-filesize"
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)  # holds the archiver package


@dataclass(frozen=True)
class VideoDownload:
    """One downloaded video and what yt-dlp said about it."""

    data: bytes = field(repr=False)
    path: Path  # the file in the caller's work directory (for reading keyframes)
    media_type: str
    tried_url: str  # the URL handed to yt-dlp: the post's page or the video's own address
    media_url: str | None  # the address the bytes came from, as yt-dlp reports it
    extractor: str | None
    format_id: str | None
    width: int | None = None
    height: int | None = None
    duration: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "tried_url": self.tried_url,
            "media_url": self.media_url,
            "extractor": self.extractor,
            "format_id": self.format_id,
            "media_type": self.media_type,
            "width": self.width,
            "height": self.height,
            "duration": self.duration,
        }


@dataclass(frozen=True)
class DownloadFailed:
    """Why no video was kept; ``too_large`` when the only obstacle was the byte budget."""

    reason: str
    too_large: bool = False


@dataclass(frozen=True)
class Keyframe:
    t: float  # seconds from the start of the video
    phash: str | None
    dhash: str | None

    def to_json(self) -> dict[str, Any]:
        return {"t": self.t, "phash": self.phash, "dhash": self.dhash}


class _Messages:
    """yt-dlp's logger: keeps what it says, so that a failure can be explained."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def debug(self, message: str) -> None:
        self.lines.append(message)

    info = debug

    def warning(self, message: str) -> None:
        self.lines.append(message)
        log.debug("yt-dlp: %s", message)

    def error(self, message: str) -> None:
        self.lines.append(message)

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)


def remote_dns_proxy(proxy_url: str) -> str:
    """The gate's ``socks5://`` URL as ``socks5h://``: yt-dlp then sends host names to the gate
    (which applies the host map and the safety rules) instead of resolving them itself."""
    parts = urlsplit(proxy_url)
    if parts.scheme not in ("socks5", "socks5h"):
        raise ValueError(f"expected a SOCKS5 proxy URL, got {proxy_url!r}")
    return urlunsplit(parts._replace(scheme="socks5h"))


def download_video(
    urls: Sequence[str],
    *,
    proxy_url: str,
    max_bytes: int,
    insecure: bool,
    timeout: float,
    workdir: Path,
) -> VideoDownload | DownloadFailed:
    """Download the first of ``urls`` that yields a video of at most ``max_bytes``, through the
    SOCKS5 proxy at ``proxy_url``. Blocking; never raises for a failed download."""
    reasons: list[str] = []
    too_large = False
    for number, url in enumerate(urls):
        if urlsplit(url).scheme not in ("http", "https"):
            reasons.append(f"{url[:80]}: not a downloadable address")
            continue
        target = workdir / f"try{number}"
        target.mkdir(parents=True, exist_ok=True)
        outcome = _download_one(
            url,
            proxy=remote_dns_proxy(proxy_url),
            max_bytes=max_bytes,
            insecure=insecure,
            timeout=timeout,
            workdir=target,
        )
        if isinstance(outcome, VideoDownload):
            return outcome
        too_large = too_large or outcome.too_large
        reasons.append(outcome.reason)
    if not reasons:
        return DownloadFailed("no address to download the video from")
    return DownloadFailed("; ".join(reasons)[:MAX_REASON_CHARS], too_large=too_large)


async def download_in_child(
    urls: Sequence[str],
    *,
    proxy_url: str,
    max_bytes: int,
    insecure: bool,
    timeout: float,
    seconds: float,
    workdir: Path,
) -> VideoDownload | DownloadFailed:
    """:func:`download_video` in a process of its own, killed once ``seconds`` have passed: a
    download cut short leaves nothing running behind the capture (a thread could not be
    stopped, and would go on writing into ``workdir`` and holding connections), and yt-dlp's
    work never competes with the capture's event loop for the interpreter."""
    request = {
        "urls": list(urls),
        "proxy_url": proxy_url,
        "max_bytes": max_bytes,
        "insecure": insecure,
        "timeout": timeout,
        "workdir": str(workdir),
    }
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, env.get("PYTHONPATH")]))
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "archiver._video",
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=env, start_new_session=True,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(child.communicate(json.dumps(request).encode()), seconds)
    except TimeoutError:
        return DownloadFailed(f"the download did not finish within {seconds:.0f} s")
    finally:
        if child.returncode is None:
            with suppress(ProcessLookupError):
                child.kill()
            await child.wait()
    return _child_answer(out, err, child.returncode, workdir, max_bytes)


def _child_answer(
    out: bytes, err: bytes, code: int | None, workdir: Path, max_bytes: int
) -> VideoDownload | DownloadFailed:
    try:
        answer = json.loads(out)
    except ValueError:
        last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit code {code}"]
        return DownloadFailed(f"the video downloader stopped: {last[0][:200]}")
    if not answer.get("ok"):
        return DownloadFailed(str(answer.get("reason")), too_large=bool(answer.get("too_large")))
    path = Path(answer["path"])
    if not path.resolve().is_relative_to(workdir.resolve()) or not path.is_file():
        return DownloadFailed("the video downloader named no file of its own")
    if path.stat().st_size > max_bytes:
        return DownloadFailed(f"the video is larger than {max_bytes} bytes", too_large=True)
    data = path.read_bytes()
    return VideoDownload(
        data=data,
        path=path,
        media_type=answer["media_type"],
        tried_url=answer["tried_url"],
        media_url=answer["media_url"],
        extractor=answer["extractor"],
        format_id=answer["format_id"],
        width=answer["width"],
        height=answer["height"],
        duration=answer["duration"],
    )


def _child_main() -> int:
    """The downloader process: a request as JSON on stdin, the outcome as JSON on stdout (the
    video stays in the request's work directory)."""
    request = json.load(sys.stdin)
    outcome = download_video(
        request["urls"],
        proxy_url=request["proxy_url"],
        max_bytes=request["max_bytes"],
        insecure=request["insecure"],
        timeout=request["timeout"],
        workdir=Path(request["workdir"]),
    )
    if isinstance(outcome, VideoDownload):
        answer = {"ok": True, "path": str(outcome.path)} | outcome.to_json()
    else:
        answer = {"ok": False, "reason": outcome.reason, "too_large": outcome.too_large}
    json.dump(answer, sys.stdout)
    return 0


def _options(
    *, proxy: str, max_bytes: int, insecure: bool, timeout: float, workdir: Path
) -> dict[str, Any]:
    from yt_dlp.utils import match_filter_func

    no_ffmpeg = workdir / "no-ffmpeg"  # an empty directory: yt-dlp finds no ffmpeg to run
    no_ffmpeg.mkdir(exist_ok=True)
    return {
        "proxy": proxy,
        "format": FORMAT,
        "max_filesize": max_bytes,
        "nocheckcertificate": insecure,
        "socket_timeout": timeout,
        "quiet": True,
        "no_warnings": False,
        "noprogress": True,
        "no_color": True,
        "cachedir": False,
        "noplaylist": True,
        "playlistend": 1,
        "match_filter": match_filter_func("!is_live"),
        "external_downloader": {"default": "native"},
        "ffmpeg_location": str(no_ffmpeg),
        "geo_bypass": False,
        "retries": 1,
        "fragment_retries": 1,
        "extractor_retries": 1,
        "updatetime": False,
        "writethumbnail": False,
        "outtmpl": {"default": str(workdir / "video.%(ext)s")},
        "overwrites": True,
    }


def _download_one(
    url: str, *, proxy: str, max_bytes: int, insecure: bool, timeout: float, workdir: Path
) -> VideoDownload | DownloadFailed:
    # Imported here: yt-dlp loads its extractors on import, which every command would pay for.
    import yt_dlp
    from yt_dlp.utils import YoutubeDLError

    messages = _Messages()
    params = _options(
        proxy=proxy, max_bytes=max_bytes, insecure=insecure, timeout=timeout, workdir=workdir
    )
    params["logger"] = messages
    try:
        with yt_dlp.YoutubeDL(params) as ydl:
            info = ydl.extract_info(url, download=True)
    except (YoutubeDLError, OSError) as exc:
        return DownloadFailed(_short(url, str(exc)), too_large=messages.said(_TOO_LARGE))
    except Exception as exc:
        # Extractors scrape live sites and break when the sites change; a broken one must cost
        # the video, never the capture.
        log.warning("yt-dlp failed on %s", url, exc_info=True)
        return DownloadFailed(_short(url, f"{type(exc).__name__}: {exc}"))
    if messages.said(_TOO_LARGE):
        return DownloadFailed(_short(url, f"the video is larger than {max_bytes} bytes"), True)
    info = _single(info)
    path = _downloaded_file(info, workdir)
    if info is None or path is None:
        return DownloadFailed(_short(url, "yt-dlp found no video it could download"))
    data = path.read_bytes()
    if len(data) > max_bytes:
        return DownloadFailed(_short(url, f"the video is larger than {max_bytes} bytes"), True)
    return VideoDownload(
        data=data,
        path=path,
        media_type=sniff_media_type(data, path),
        tried_url=url,
        media_url=_text(info.get("url")),
        extractor=_text(info.get("extractor_key") or info.get("extractor")),
        format_id=_text(info.get("format_id")),
        width=_int(info.get("width")),
        height=_int(info.get("height")),
        duration=_float(info.get("duration")),
    )


def _single(info: Any) -> dict[str, Any] | None:
    """The one video's info: a playlist answer (several videos on a page) gives its first."""
    if not isinstance(info, dict):
        return None
    entries = info.get("entries")
    if entries is not None:
        first = next((e for e in entries if isinstance(e, dict)), None)
        return first
    return info


def _downloaded_file(info: dict[str, Any] | None, workdir: Path) -> Path | None:
    for item in (info or {}).get("requested_downloads") or ():
        path = Path(str(item.get("filepath") or ""))
        if path.is_file():
            return path
    found = sorted(p for p in workdir.glob("video.*") if p.is_file() and p.suffix != ".part")
    return found[0] if found else None


def _short(url: str, message: str) -> str:
    first = _ANSI.sub("", message).strip().splitlines()[0] if message.strip() else "failed"
    first = first.removeprefix("ERROR: ")
    return f"{url[:120]}: {first}"[:MAX_REASON_CHARS]


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def sniff_media_type(data: bytes, path: Path) -> str:
    """The media type the file's own bytes announce; the file name only as a last resort."""
    head = data[:64]
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:12] == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head else "video/x-matroska"
    if head.startswith(b"FLV"):
        return "video/x-flv"
    if len(data) > 376 and data[0] == data[188] == data[376] == 0x47:
        return "video/mp2t"
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


# -- keyframes ------------------------------------------------------------------------------


def video_keyframes(path: Path, *, max_frames: int = 16, timeout: float = 60.0) -> list[Keyframe]:
    """The video's keyframes (I-frames; evenly spaced frames when it has fewer than two), at most
    ``max_frames`` spread over its length, each with its time and perceptual hashes. An empty
    list when ffmpeg is missing or cannot read the file."""
    return keyframes_or_reason(path, max_frames=max_frames, timeout=timeout)[0]


def keyframes_or_reason(
    path: Path, *, max_frames: int = 16, timeout: float = 60.0
) -> tuple[list[Keyframe], str | None]:
    """Like :func:`video_keyframes`, with the reason when there are none."""
    ffmpeg, ffprobe = shutil.which("ffmpeg"), shutil.which("ffprobe")
    if ffmpeg is None or ffprobe is None:
        return [], "ffmpeg is not installed, so no keyframes were read"
    with tempfile.TemporaryDirectory(prefix="postproof-frames-") as scratch:
        frames_dir = Path(scratch)
        try:
            frames = _extract(ffmpeg, path, frames_dir, timeout, keyframes_only=True)
            if len(frames) < 2:
                for old in frames_dir.glob("*.png"):
                    old.unlink()
                duration = _duration(ffprobe, path, timeout)
                if duration is None or duration <= 0:
                    return [], "ffmpeg could not tell the video's length"
                rate = max_frames / duration
                frames = _extract(ffmpeg, path, frames_dir, timeout, rate=rate)
        except subprocess.TimeoutExpired:
            return [], f"ffmpeg did not finish reading the keyframes within {timeout:g} s"
        except _FfmpegFailed as exc:
            return [], f"ffmpeg could not read the video: {exc}"
        chosen = _spread(frames, max_frames)
        keyframes = []
        for t, png in chosen:
            phash, dhash = perceptual_hashes(png.read_bytes())
            keyframes.append(Keyframe(round(t, 3), phash, dhash))
    if not keyframes:
        return [], "ffmpeg found no frames in the video"
    return keyframes, None


class _FfmpegFailed(Exception):
    pass


_PTS_TIME = re.compile(r"\bpts_time:\s*(-?[\d.]+)")


def _extract(
    ffmpeg: str,
    path: Path,
    frames_dir: Path,
    timeout: float,
    *,
    keyframes_only: bool = False,
    rate: float | None = None,
) -> list[tuple[float, Path]]:
    """Write the I-frames (or frames at ``rate`` per second) as PNGs at most 640 px wide (the
    hashes look at 32 px), with their times read from ffmpeg's ``showinfo`` log."""
    # With keyframes only, the decoder skips every other frame: fast even on long videos.
    skip = ["-skip_frame", "nokey"] if keyframes_only else []
    select = "select='eq(pict_type,I)'" if keyframes_only else f"fps={rate or 1:.6f}"
    command = [
        ffmpeg,
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "info",
        *skip,
        "-i",
        str(path),
        "-an",
        "-vf",
        f"{select},scale='min(640,iw)':-2,showinfo",
        "-vsync",
        "vfr",
        "-f",
        "image2",
        str(frames_dir / "%06d.png"),
    ]
    done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0:
        lines = [line for line in stderr.splitlines() if line.strip()]
        raise _FfmpegFailed(lines[-1][:200] if lines else f"exit status {done.returncode}")
    times = [
        float(found.group(1))
        for line in stderr.splitlines()
        if "Parsed_showinfo" in line and (found := _PTS_TIME.search(line))
    ]
    files = sorted(frames_dir.glob("*.png"))
    return list(zip(times, files, strict=False))


def _duration(ffprobe: str, path: Path, timeout: float) -> float | None:
    command = [
        ffprobe,
        "-v",
        "error",
        "-show_entries",
        "format=duration",
        "-of",
        "default=noprint_wrappers=1:nokey=1",
        str(path),
    ]
    done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    try:
        return float(done.stdout.decode("ascii", "replace").strip())
    except ValueError:
        return None


def _spread(frames: list[tuple[float, Path]], count: int) -> list[tuple[float, Path]]:
    """At most ``count`` of ``frames``, evenly spaced, first and last included."""
    if len(frames) <= count:
        return frames
    if count <= 1:
        return frames[:count]
    step = (len(frames) - 1) / (count - 1)
    return [frames[round(i * step)] for i in range(count)]


if __name__ == "__main__":
    sys.exit(_child_main())
