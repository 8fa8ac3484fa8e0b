"""An artifact's bytes as a response, wherever the archive keeps its blobs: the blob's own file
from a local store (with ranges, for seeking in a video), streamed from a remote one."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from starlette.responses import FileResponse, Response, StreamingResponse

import storage

_CHUNK = 1 << 20


def blob_response(
    artifact: storage.ArtifactRecord,
    *,
    media_type: str,
    headers: Mapping[str, str] | None = None,
    filename: str | None = None,
    content_disposition_type: str = "attachment",
) -> Response:
    path = artifact.blobs.local_path(artifact.sha256)
    if path is not None:
        return FileResponse(
            path,
            media_type=media_type,
            headers=headers,
            filename=filename,
            content_disposition_type=content_disposition_type,
        )
    sent = dict(headers or {}) | {"content-length": str(artifact.size)}
    if filename is not None:
        sent["content-disposition"] = f'{content_disposition_type}; filename="{filename}"'
    return StreamingResponse(_chunks(artifact), media_type=media_type, headers=sent)


def _chunks(artifact: storage.ArtifactRecord) -> Iterator[bytes]:
    with artifact.open() as stream:
        while chunk := stream.read(_CHUNK):
            yield chunk
