"""Capture: a real browser, platform adapters, hashes. Never imports ``storage``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archiver._lazy import lazy_exports

if TYPE_CHECKING:
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
    from archiver.platforms import ADAPTERS, adapter_for, canonical_url
    from archiver.printing import PrintedPdf, print_pdf
    from archiver.urls import parse_url

# What each name is imported from, on first use (PEP 562): importing the package costs
# nothing until a name is asked for.
_EXPORTS = {
    "CaptureOptions": "archiver._options",
    "Capturer": "archiver.capture",
    "ContextCapture": "archiver.capture",
    "capture_many": "archiver.capture",
    "default_concurrency": "archiver._options",
    "tool_version": "archiver.capture",
    "BrowserCrashed": "archiver.errors",
    "BrowserNotFound": "archiver.errors",
    "CaptureIncomplete": "archiver.errors",
    "IntegrityError": "archiver.errors",
    "PostproofError": "archiver.errors",
    "StorageError": "archiver.errors",
    "UsageError": "archiver.errors",
    "Artifact": "archiver.models",
    "ArtifactKind": "archiver.models",
    "CaptureResult": "archiver.models",
    "CaptureSink": "archiver.models",
    "Media": "archiver.models",
    "PostFields": "archiver.models",
    "Provenance": "archiver.models",
    "Status": "archiver.models",
    "isoformat_z": "archiver.models",
    "utcnow": "archiver.models",
    "HostTarget": "archiver.netpolicy",
    "parse_host_map": "archiver.netpolicy",
    "ADAPTERS": "archiver.platforms",
    "adapter_for": "archiver.platforms",
    "canonical_url": "archiver.platforms",
    "PrintedPdf": "archiver.printing",
    "print_pdf": "archiver.printing",
    "parse_url": "archiver.urls",
}

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
    "PrintedPdf",
    "Provenance",
    "Status",
    "StorageError",
    "UsageError",
    "adapter_for",
    "canonical_url",
    "capture_many",
    "default_concurrency",
    "isoformat_z",
    "parse_host_map",
    "parse_url",
    "print_pdf",
    "tool_version",
    "utcnow",
]


__getattr__ = lazy_exports(__name__, _EXPORTS)


def __dir__() -> list[str]:
    return sorted(__all__)
