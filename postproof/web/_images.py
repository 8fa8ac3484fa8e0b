"""Find similar images: where else a picture or a screenshot appeared in the archive, and when
first, from an uploaded image or from a capture's post images — the searches of ``postproof
similar`` (``postproof.images``), shown as a page or answered as ``similar --json``."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from archiver.errors import UsageError
from postproof.images import ImageQuery, SimilarImages, find_similar_images
from postproof.views import similar_json
from postproof.web._app import page, state
from postproof.web._pages import INLINE_TYPES, record_of
from postproof.web._security import MAX_UPLOAD_BYTES

KINDS = ("media", "post_screenshot", "screenshot")


def _options(values: Any) -> dict[str, Any]:
    """``max_distance``, ``kind`` and ``limit`` from a form or a query string."""
    text = str(values.get("max_distance") or "10")
    if not text.isdigit() or int(text) > 64:
        raise UsageError(f"max_distance must be 0 to 64 bits, not {text!r}")
    limit = str(values.get("limit") or "50")
    if not limit.isdigit() or int(limit) < 1:
        raise UsageError(f"limit must be 1 or more, not {limit!r}")
    kind = str(values.get("kind") or "")
    if kind and kind not in KINDS:
        raise UsageError(f"Unknown kind {kind!r}.", hint="media, post_screenshot or screenshot")
    return {"max_distance": int(text), "kinds": [kind] if kind else None, "limit": int(limit)}


def _search(
    request: Request, queries: list[ImageQuery], exclude: str | None, values: Any
) -> list[SimilarImages]:
    archive = state(request).archive
    return find_similar_images(archive, queries, exclude_capture=exclude, **_options(values))


def _from_capture(request: Request) -> tuple[list[SimilarImages], str]:
    from postproof.images import capture_queries

    record = record_of(request)  # 404 when there is no such capture
    queries, capture_id = capture_queries(state(request).archive, record.id)
    return _search(request, queries, capture_id, request.query_params), capture_id


def _shown(results: list[SimilarImages]) -> list[dict[str, Any]]:
    """Each query with its matches as ``similar --json`` has them, the earliest marked and the
    images that may be shown inline given their address."""
    shown = []
    for result in results:
        first = min(result.matches, key=lambda m: m.captured_at, default=None)
        matches = [
            m.to_json()
            | {
                "first": m is first,
                "inline": m.media_type.split(";")[0] in INLINE_TYPES,
            }
            for m in result.matches
        ]
        shown.append({"image": result.query.label, "matches": matches})
    return shown


def _page(
    request: Request, results: list[SimilarImages] | None, values: Any, **context: Any
) -> Response:
    shown = {
        "results": None if results is None else _shown(results),
        "values": {k: str(v) for k, v in values.items() if isinstance(v, str)},
        "kinds": KINDS,
        "capture": None,
        "uploaded": None,
    }
    return page(request, "similar.html", shown | context)


def similar_form(request: Request) -> Response:
    return _page(request, None, request.query_params)


async def _upload(request: Request) -> tuple[bytes, str, Any]:
    """The uploaded image's bytes and name, and the form's options."""
    async with request.form(max_files=1, max_fields=10, max_part_size=MAX_UPLOAD_BYTES) as form:
        upload = form.get("image")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise UsageError("No image was sent.", hint="Choose an image file, then search.")
        data = await upload.read()
        return data, upload.filename, dict(form)


async def similar_upload(request: Request) -> Response:
    from postproof.images import bytes_query

    data, name, values = await _upload(request)
    query = bytes_query(data, name)
    results = await run_in_threadpool(_search, request, [query], None, values)
    return _page(request, results, values, uploaded=name)


async def similar_capture(request: Request) -> Response:
    results, capture_id = await run_in_threadpool(_from_capture, request)
    return _page(request, results, request.query_params, capture=capture_id)


async def similar_api(request: Request) -> Response:
    """The image is the body (PNG, JPEG, GIF, WebP); ``?max_distance=&kind=&limit=``: as
    ``similar FILE --json``."""
    from postproof.images import bytes_query

    data = await request.body()
    if not data:
        raise UsageError("the body is empty", hint="send the image's bytes as the body")
    query = bytes_query(data, request.query_params.get("name") or "the image sent")
    results = await run_in_threadpool(_search, request, [query], None, request.query_params)
    return JSONResponse({"ok": True, **similar_json(results)})


async def similar_capture_api(request: Request) -> Response:
    """As ``similar CAPTURE --json``: the post's images searched for, the capture left out."""
    results, _capture_id = await run_in_threadpool(_from_capture, request)
    return JSONResponse({"ok": True, **similar_json(results)})


ROUTES = [
    Route("/similar", similar_form, methods=["GET"]),
    Route("/similar", similar_upload, methods=["POST"], max_body_size=MAX_UPLOAD_BYTES),
    Route("/captures/{capture}/similar", similar_capture, methods=["GET"]),
    Route("/api/similar", similar_api, methods=["POST"], max_body_size=MAX_UPLOAD_BYTES),
    Route("/api/captures/{capture}/similar", similar_capture_api, methods=["GET"]),
]
