"""Search and watching: full-text search over the archive with its filters, and the watched
posts with their last and next checks and pending confirmations, watched and unwatched from the
browser (``watch --list``, ``watch``, ``unwatch``)."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

import storage
from archiver.errors import UsageError
from postproof.views import capture_json, search_hit_json, watched_json
from postproof.web._app import page, state
from postproof.web._pages import record_of
from postproof.web._security import require

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
SEARCH_LIMIT = 50


def _date(text: str | None, end_of_day: bool = False) -> str | None:
    if not text:
        return None
    if not _DATE.fullmatch(text):
        raise UsageError(f"{text!r} is not a date", hint="write it YYYY-MM-DD")
    return text + ("T23:59:59.999999Z" if end_of_day else "")


def _filters(request: Request) -> storage.SearchFilters:
    from storage import SearchFilters
    from storage._search import KINDS

    query = request.query_params
    kind = query.get("kind") or ""
    watched = None
    if query.get("watched") in ("1", "true", "on"):
        watched = {post.id for post in state(request).archive.watchlist.watched()}
    return SearchFilters(
        kinds=(kind,) if kind in KINDS else KINDS,
        platform=query.get("platform") or None,
        status=query.get("status") or None,
        since=_date(query.get("since")),
        until=_date(query.get("until"), end_of_day=True),
        watched_posts=watched,
    )


def _results(request: Request) -> list[storage.SearchHit]:
    text = request.query_params.get("q", "").strip()
    if not text:
        return []
    return state(request).archive.search_index.search(text, _filters(request), limit=SEARCH_LIMIT)


def _snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """The snippet as (text, matched) pieces: the template escapes each, marks the matched."""
    from storage._search import MARK_END, MARK_START

    parts: list[tuple[str, bool]] = []
    for piece in snippet.split(MARK_START):
        matched, _, rest = piece.partition(MARK_END) if MARK_END in piece else ("", "", piece)
        if matched:
            parts.append((matched, True))
        if rest:
            parts.append((rest, False))
    return parts


def search_page(request: Request) -> Response:
    archive = state(request).archive
    results = _results(request)
    captures = {
        record.id: capture_json(record, artifacts=False)
        for record in archive.get_captures([h.ref for h in results if h.kind == "capture"])
    }
    hits = [
        {"hit": hit, "parts": _snippet_parts(hit.snippet), "capture": captures.get(hit.ref)}
        for hit in results
        if hit.kind != "capture" or hit.ref in captures
    ]
    from archiver import platforms

    context = {
        "q": request.query_params.get("q", ""),
        "params": dict(request.query_params),
        "hits": hits,
        "platforms": platforms.PLATFORMS,
        "limit": SEARCH_LIMIT,
    }
    return page(request, "search.html", context)


def search_api(request: Request) -> Response:
    """``GET /api/search?q=...&kind=&platform=&status=&since=&until=&watched=1``."""
    if not request.query_params.get("q", "").strip():
        raise UsageError("q is empty", hint="give the words to search for: ?q=WORDS")
    results = [search_hit_json(hit) for hit in _results(request)]
    return JSONResponse({"ok": True, "results": results})


def _watched(request: Request) -> list[dict[str, Any]]:
    import watch

    web = state(request)
    options = web.settings.recheck_options(None, None)
    return [watched_json(w) for w in watch.watched_posts(web.archive, options)]


def watching_page(request: Request) -> Response:
    archive = state(request).archive
    rows = []
    for row in _watched(request):
        newest = archive.list_captures(url=row["url"], limit=1)
        rows.append(row | {"capture_id": newest[0].id if newest else None})
    return page(request, "watching.html", {"watched": rows})


def watching_api(request: Request) -> Response:
    """As ``watch --list --json``."""
    return JSONResponse({"ok": True, "watched": _watched(request)})


async def set_watch(request: Request) -> Response:
    """Watch or unwatch the post of a capture (``watch`` / ``unwatch``)."""
    from starlette.concurrency import run_in_threadpool

    require(request, storage.Role.EDITOR)
    form = await request.form()
    watched = form.get("watch") == "1"
    record = await run_in_threadpool(record_of, request)
    archive = state(request).archive
    await run_in_threadpool(archive.watchlist.set_watched, [record.post_id], watched)
    back = str(form.get("back") or "")
    target = "/watching" if back == "watching" else f"/captures/{record.id}"
    return RedirectResponse(target, status_code=303)


async def set_watch_api(request: Request) -> Response:
    """``{"watched": true|false}``: as ``watch ID --json`` / ``unwatch ID --json``."""
    from starlette.concurrency import run_in_threadpool

    require(request, storage.Role.EDITOR)
    try:
        body = await request.json()
    except ValueError as exc:
        raise UsageError("the body is not JSON", hint='send {"watched": true}') from exc
    watched = body.get("watched") if isinstance(body, dict) else None
    if not isinstance(watched, bool):
        raise UsageError("watched must be true or false", hint='send {"watched": true}')
    record = await run_in_threadpool(record_of, request)
    archive = state(request).archive
    changed = await run_in_threadpool(archive.watchlist.set_watched, [record.post_id], watched)
    return JSONResponse({"ok": True, "posts": changed, "watched": watched})


ROUTES = [
    Route("/api/captures/{capture}/watch", set_watch_api, methods=["POST"]),
    Route("/search", search_page, methods=["GET"]),
    Route("/api/search", search_api, methods=["GET"]),
    Route("/watching", watching_page, methods=["GET"]),
    Route("/api/watching", watching_api, methods=["GET"]),
    Route("/captures/{capture}/watch", set_watch, methods=["POST"]),
]
