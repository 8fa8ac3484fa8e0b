"""Capture: a real browser, platform adapters, hashes. Never imports ``storage``."""

from archiver.capture import (
    CaptureOptions,
    Capturer,
    ContextCapture,
    capture_many,
    default_concurrency,
    tool_version,
)
from archiver.errors import (
    BrowserCrashed,
    BrowserNotFound,
    CaptureIncomplete,
    IntegrityError,
    PostproofError,
    StorageError,
    UsageError,
)
from archiver.models import (
    Artifact,
    ArtifactKind,
    CaptureResult,
    CaptureSink,
    Media,
    PostFields,
    Provenance,
    Status,
    isoformat_z,
    utcnow,
)
from archiver.netpolicy import HostTarget, parse_host_map
from archiver.platforms import ADAPTERS, adapter_for
from archiver.urls import parse_url

__all__ = [
    "ADAPTERS",
    "Artifact",
    "ArtifactKind",
    "BrowserCrashed",
    "BrowserNotFound",
    "CaptureIncomplete",
    "CaptureOptions",
    "CaptureResult",
    "CaptureSink",
    "Capturer",
    "ContextCapture",
    "HostTarget",
    "IntegrityError",
    "Media",
    "PostFields",
    "PostproofError",
    "Provenance",
    "Status",
    "StorageError",
    "UsageError",
    "adapter_for",
    "capture_many",
    "default_concurrency",
    "isoformat_z",
    "parse_host_map",
    "parse_url",
    "tool_version",
    "utcnow",
]
