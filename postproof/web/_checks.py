"""Checking the record from the browser: verify a capture now (``verify ID``: its hashes, and the
log's signatures, checkpoints and timestamps), compare two captures of one post side by side
(``diff A B``), and retract a capture or an article (``retract``, admins only)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

import storage
from archiver.errors import UsageError
from postproof.views import (
    capture_diff_json,
    capture_json,
    ledger_summary,
    retraction_record_json,
    verify_json,
)
from postproof.web._app import page, state
from postproof.web._pages import INLINE_TYPES
from postproof.web._security import caller, require


def _verify(request: Request) -> storage.VerifyReport:
    web = state(request)
    try:
        capture_id = web.archive.resolve_capture_id(request.path_params["capture"])
    except UsageError as exc:
        raise HTTPException(404, exc.message) from exc
    return web.archive.verify(capture_id, tsa_roots=web.settings.tsa().roots)


async def verify_page(request: Request) -> Response:
    report = await run_in_threadpool(_verify, request)
    shown = verify_json(report)
    context = {
        "capture_id": request.path_params["capture"],
        "report": shown,
        "summary": ledger_summary(shown["log"]),
    }
    return page(request, "verify.html", context, status=200)


async def verify_api(request: Request) -> Response:
    """As ``verify ID --json`` (``ok`` false, with every problem, when it fails)."""
    report = await run_in_threadpool(_verify, request)
    return JSONResponse(verify_json(report))


def _pair(request: Request) -> tuple[storage.CaptureRecord, storage.CaptureRecord]:
    archive = state(request).archive
    try:
        before = archive.get_capture(request.path_params["capture"])
        after = archive.get_capture(request.path_params["other"])
    except UsageError as exc:
        raise HTTPException(404, exc.message) from exc
    if before.post_id != after.post_id:
        # Two different posts differ by nature; calling that an edit would be a false claim.
        raise UsageError(
            f"{before.id} and {after.id} are captures of two different posts",
            hint="compare two captures of the same post (see the post's history)",
        )
    return before, after


def diff_page(request: Request) -> Response:
    before, after = _pair(request)

    def shot(record: storage.CaptureRecord) -> str | None:
        found = next((a for a in record.artifacts if a.kind == "post_screenshot"), None)
        if found is None or found.media_type.split(";")[0] not in INLINE_TYPES:
            return None
        return f"/captures/{record.id}/artifacts/{found.sha256}?inline=1"

    context = {
        "diff": capture_diff_json(before, after),
        "before": capture_json(before, artifacts=False),
        "after": capture_json(after, artifacts=False),
        "shots": (shot(before), shot(after)),
    }
    return page(request, "diff.html", context)


def diff_api(request: Request) -> Response:
    """As ``diff A B --json``, without its side-by-side image file."""
    before, after = _pair(request)
    return JSONResponse(capture_diff_json(before, after))


def _retract(request: Request, target: str, reason: str) -> storage.RetractionRecord:
    from postproof.runs import seal_log

    web = state(request)
    if not reason.strip():
        raise UsageError("say why it is retracted", hint="the reason is kept, signed and logged")
    retraction = web.archive.retract(target, reason.strip(), made_by=caller(request).user.name)
    # Like a capture run, it ends with the log sealed over what it added.
    seal_log(web.archive, web.settings)
    return retraction


async def retract_page(request: Request) -> Response:
    """Retract the capture or the article of the page (admins), as ``retract`` does."""
    require(request, storage.Role.ADMIN)
    form = await request.form()
    kind = "captures" if "capture" in request.path_params else "articles"
    target = request.path_params.get("capture") or request.path_params["article"]
    made = await run_in_threadpool(_retract, request, target, str(form.get("reason") or ""))
    return RedirectResponse(f"/{kind}/{made.target_id}", status_code=303)


async def retract_api(request: Request) -> Response:
    """``{"target": ID, "reason": WHY}`` (admins): as ``retract ID --reason WHY --json``,
    without ``log``."""
    require(request, storage.Role.ADMIN)
    try:
        body = await request.json()
    except ValueError as exc:
        raise UsageError(
            "the body is not JSON", hint='send {"target": ..., "reason": ...}'
        ) from exc
    if not isinstance(body, dict):
        raise UsageError("the body is not a JSON object")
    target, reason = str(body.get("target") or ""), str(body.get("reason") or "")
    made = await run_in_threadpool(_retract, request, target, reason)
    return JSONResponse({"ok": True, "retraction": retraction_record_json(made)}, status_code=201)


ROUTES = [
    Route("/captures/{capture}/retract", retract_page, methods=["POST"]),
    Route("/articles/{article}/retract", retract_page, methods=["POST"]),
    Route("/api/retractions", retract_api, methods=["POST"]),
    Route("/captures/{capture}/verify", verify_page, methods=["POST"]),
    Route("/api/captures/{capture}/verify", verify_api, methods=["POST"]),
    Route("/captures/{capture}/diff/{other}", diff_page, methods=["GET"]),
    Route("/api/captures/{capture}/diff/{other}", diff_api, methods=["GET"]),
]
