"""The app's pages: sign in and out, home, capture jobs, a capture, its archived page, its
artifacts and its WACZ. Each page reads the archive through the same library calls and JSON
shapes (``postproof.views``) as the command line and the API."""

from __future__ import annotations

import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

import postproof
import storage
from archiver.errors import UsageError
from postproof.views import (
    article_json,
    capture_json,
    capture_show_json,
    event_json,
)
from postproof.web._app import page, requested_job, state
from postproof.web._blobfiles import blob_response
from postproof.web._jobs import MAX_URLS, capture_work
from postproof.web._security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    caller,
    client_of,
    require,
)
from postproof.web._stream import job_events

CITE_FORMATS = ("markdown", "html", "text", "csl-json", "bibtex")
# Images a capture page shows inline; anything else is only ever downloaded.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"})
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _cookie_flags(request: Request) -> dict[str, Any]:
    return {
        "httponly": True,
        "samesite": "strict",
        "secure": request.url.scheme == "https",
        "path": "/",
    }


def _next_path(text: str | None) -> str:
    """Where to go after signing in: a path of this app only (never another site)."""
    if text and text.startswith("/") and not text.startswith(("//", "/\\")):
        return text
    return "/"


# -- signing in and out --------------------------------------------------------------------


def _login_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    # One token per browser: a second login page (another tab, a redirected favicon request)
    # must not void the form of the first.
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not re.fullmatch(r"[A-Za-z0-9_-]{43}", token):
        token = secrets.token_urlsafe(32)
    context = {
        "login_csrf": token,
        "next": _next_path(request.query_params.get("next")),
        "error": error,
        "no_users": not state(request).archive.users.all(),
    }
    response = page(request, "login.html", context, status=status)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, **_cookie_flags(request))
    return response


def login_form(request: Request) -> Response:
    if request.scope.get("postproof.caller") is not None:
        return RedirectResponse(_next_path(request.query_params.get("next")), status_code=303)
    return _login_page(request)


async def login(request: Request) -> Response:
    form = await request.form()
    name = str(form.get("name") or "").strip().lower()
    password = str(form.get("password") or "")
    web = state(request)
    client = client_of(request.scope)
    wait = web.limiter.wait(name, client)
    if wait > 0:
        message = f"Too many failed sign-ins: try again in {int(wait) + 1} seconds."
        response = await run_in_threadpool(_login_page, request, message, 429)
        response.headers["retry-after"] = str(int(wait) + 1)
        return response
    user = await run_in_threadpool(web.archive.users.authenticate, name, password)
    if user is None:
        web.limiter.failed(name, client)
        return await run_in_threadpool(_login_page, request, "Wrong name or password.", 401)
    web.limiter.succeeded(name)
    cookie, _session = await run_in_threadpool(web.archive.users.start_session, user)
    response = RedirectResponse(_next_path(str(form.get("next") or "")), status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, max_age=12 * 3600, **_cookie_flags(request))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


def logout(request: Request) -> Response:
    who = caller(request)
    if who.cookie:
        state(request).archive.users.end_session(who.cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- home and capture jobs -----------------------------------------------------------------


def home(request: Request) -> Response:
    archive = state(request).archive
    captures = archive.list_captures(limit=20, include_retracted=False)
    events = archive.watchlist.events(newest=15)[::-1]  # newest first
    articles = archive.articles.all(include_retracted=False)[:20]
    context = {
        "captures": [capture_json(r, artifacts=False) for r in captures],
        "retracted_left_out": archive.count_retracted_captures(),
        "events": [event_json(archive, e) for e in events],
        "watched": archive.watchlist.count_watched(),
        "articles": [article_json(a) for a in articles],
    }
    return page(request, "home.html", context)


def parse_pasted(text: str) -> list[str]:
    """The URLs of a paste: one or many, separated by lines, spaces or commas, checked as the
    ``capture`` command checks them, duplicates dropped."""
    from archiver import parse_url

    urls = [parse_url(part) for part in re.split(r"[\s,]+", text) if part.strip()]
    if not urls:
        raise UsageError("No URL to capture.", hint="Paste one or more post addresses.")
    if len(urls) > MAX_URLS:
        raise UsageError(
            f"{len(urls)} URLs at once; the limit is {MAX_URLS}.",
            hint="Paste them in several batches, or use `postproof capture --file`.",
        )
    return list(dict.fromkeys(urls))


async def capture(request: Request) -> Response:
    who = require(request, storage.Role.EDITOR)
    form = await request.form()
    urls = parse_pasted(str(form.get("urls") or ""))
    web = state(request)
    job = web.jobs.submit("capture", urls, who.user.name, capture_work(web.settings, urls))
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def job_page(request: Request) -> Response:
    job = requested_job(request)
    return page(request, "job.html", {"job": job.to_json(), "events": list(job.events)})


async def job_stream(request: Request) -> Response:
    return job_events(request, requested_job(request))


# -- one capture ---------------------------------------------------------------------------


def record_of(request: Request) -> storage.CaptureRecord:
    """The capture the path names (an id or a unique prefix); 404 when there is none."""
    try:
        return state(request).archive.get_capture(request.path_params["capture"])
    except UsageError as exc:
        raise HTTPException(404, exc.message) from exc


def _log_place(archive: storage.Archive, capture_id: str) -> dict[str, Any] | None:
    place = archive.ledger.places([capture_id]).get(capture_id)
    if place is None:
        return None
    checkpoint = place.checkpoint
    return {
        "index": place.index,
        "key": place.key,
        "leaf_hash": place.leaf_hash.hex(),
        "checkpoint": None
        if checkpoint is None
        else {
            "size": checkpoint.size,
            "root_hash": checkpoint.root_hash.hex(),
            "created_at": checkpoint.created_at,
        },
        "timestamps": [{"tsa_url": t.tsa_url, "gen_time": t.gen_time} for t in place.timestamps],
    }


def _citations(archive: storage.Archive, capture_id: str) -> list[dict[str, str]]:
    import claims

    sources = claims.citation_sources(archive, capture_id)
    return [
        {"format": fmt, "text": "\n\n".join(claims.render_citation(s, fmt) for s in sources)}
        for fmt in CITE_FORMATS
    ]


def _timeline(archive: storage.Archive, record: storage.CaptureRecord) -> list[dict[str, Any]]:
    """Every capture of the post and every change re-checks found, oldest first."""
    items: list[dict[str, Any]] = [
        {"when": c.started_at, "capture": capture_json(c, artifacts=False)}
        for c in archive.history(record.post_id)
    ]
    for event in archive.watchlist.events(record.post_id):
        items.append({"when": event.detected_at, "event": event_json(archive, event)})
    items.sort(key=lambda item: item["when"])
    previous = None  # each capture is compared with the one before it
    for item in items:
        if "capture" in item:
            item["previous"], previous = previous, item["capture"]["id"]
    return items


def capture_page(request: Request) -> Response:
    archive = state(request).archive
    record = record_of(request)
    shown = capture_show_json(archive, record)
    context = {
        "capture": shown,
        "artifacts": [
            {**a, "inline": a["media_type"].split(";")[0] in INLINE_TYPES}
            for a in shown["artifacts"]
        ],
        "log": _log_place(archive, record.id),
        "citations": _citations(archive, record.id),
        "timeline": _timeline(archive, record),
        "has_dom": any(a.kind == "html" for a in record.artifacts),
        "has_post_image": any(
            a.phash and a.kind in ("media", "post_screenshot") for a in record.artifacts
        ),
    }
    return page(request, "capture.html", context)


def archived_page(request: Request) -> Response:
    web = state(request)
    record = record_of(request)
    if not any(a.kind == "html" for a in record.artifacts):
        raise HTTPException(404, "This capture kept no page (its HTML): see its screenshots.")
    app_origin = f"{request.url.scheme}://{request.url.netloc}"
    query = web.signer.query(record.id, app_origin)
    frame = f"{web.archive_origin(request)}/captures/{record.id}?{query}"
    context = {"capture": capture_json(record, artifacts=False), "frame": frame}
    return page(request, "archived.html", context)


def artifact(request: Request) -> Response:
    record = record_of(request)
    sha256 = request.path_params["sha256"]
    found = next((a for a in record.artifacts if a.sha256 == sha256), None)
    if not _SHA256.fullmatch(sha256) or found is None:
        raise HTTPException(404, "This capture has no such artifact.")
    media_type = found.media_type.split(";")[0].strip().lower()
    inline = request.query_params.get("inline") == "1" and media_type in INLINE_TYPES
    name = f"{record.id}-{found.kind}-{sha256[:12]}"
    response = blob_response(
        found,
        media_type=media_type if inline else "application/octet-stream",
        filename=None if inline else name,
        content_disposition_type="inline" if inline else "attachment",
    )
    # Whatever the file holds, it never runs here: no script, no plugin, no frame.
    response.headers["content-security-policy"] = "default-src 'none'; sandbox"
    response.headers["cache-control"] = "private, max-age=3600"
    response.headers["x-content-sha256"] = sha256
    return response


def wacz(request: Request) -> Response:
    from postproof.runs import seal_log

    web = state(request)
    record = record_of(request)
    folder = Path(tempfile.mkdtemp(prefix="postproof-wacz-"))
    out = folder / f"postproof-{record.id}.wacz"
    seal_log(web.archive, web.settings)  # as `export` does: the bundle proves by a checkpoint
    web.archive.export(
        [record.id],
        out,
        title=f"postproof evidence: capture {record.id}",
        software=f"postproof {postproof.version()}",
        made_by=caller(request).user.name,
    )

    def clean() -> None:
        out.unlink(missing_ok=True)
        folder.rmdir()

    return FileResponse(
        out,
        media_type="application/wacz",
        filename=out.name,
        background=BackgroundTask(clean),
    )


def favicon(request: Request) -> Response:
    return Response(status_code=204, headers={"cache-control": "max-age=86400"})


ROUTES = [
    Route("/favicon.ico", favicon, methods=["GET"]),
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/", home, methods=["GET"]),
    Route("/capture", capture, methods=["POST"]),
    Route("/jobs/{job}", job_page, methods=["GET"]),
    Route("/jobs/{job}/events", job_stream, methods=["GET"]),
    Route("/captures/{capture}", capture_page, methods=["GET"]),
    Route("/captures/{capture}/archived", archived_page, methods=["GET"]),
    Route("/captures/{capture}/artifacts/{sha256}", artifact, methods=["GET"]),
    Route("/captures/{capture}/wacz", wacz, methods=["GET"]),
]
