"""The JSON API under ``/api/``: the shapes of the command line's ``--json`` (one envelope,
``ok`` and, when it failed, ``error`` and ``hint``), from ``postproof.views``.

Scripts authenticate with ``Authorization: Bearer TOKEN`` (``postproof user token NAME``); a
signed-in browser may use it too (its writes carry the ``X-CSRF-Token`` header).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import storage
from archiver.errors import UsageError
from postproof.views import article_json, capture_json, capture_show_json, user_json
from postproof.web._app import requested_job, state
from postproof.web._jobs import capture_work
from postproof.web._pages import CITE_FORMATS, parse_pasted, record_of
from postproof.web._security import caller, require
from postproof.web._stream import job_events


def _ok(data: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse({"ok": True, **data}, status_code=status)


def me(request: Request) -> Response:
    """The user the token (or the session) belongs to."""
    return _ok({"user": user_json(caller(request).user)})


def _limit(request: Request) -> int:
    text = request.query_params.get("limit", "100")
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"limit must be 1 or more, not {text!r}")
    return int(text)


def captures(request: Request) -> Response:
    """As ``list --json``: ``url``, ``platform``, ``status``, ``limit``, ``include_retracted``."""
    archive = state(request).archive
    query = request.query_params
    include = query.get("include_retracted") in ("1", "true")
    matching = {"url": query.get("url"), "platform": query.get("platform")}
    records = archive.list_captures(
        **matching, status=query.get("status"), limit=_limit(request), include_retracted=include
    )
    left_out = 0 if include else archive.count_retracted_captures(**matching)
    return _ok(
        {
            "captures": [capture_json(r, artifacts=False) for r in records],
            "retracted_left_out": left_out,
        }
    )


def capture_one(request: Request) -> Response:
    """As ``show --json``."""
    archive = state(request).archive
    return _ok({"capture": capture_show_json(archive, record_of(request))})


def citations(request: Request) -> Response:
    """As ``cite CAPTURE --format F --json``."""
    import claims

    fmt = request.query_params.get("format", "markdown")
    if fmt not in CITE_FORMATS:
        raise UsageError(f"Unknown format {fmt!r}.", hint="Use one of: " + ", ".join(CITE_FORMATS))
    sources = claims.citation_sources(state(request).archive, record_of(request).id)
    rendered = [claims.render_citation(source, fmt) for source in sources]
    listed: list[Any] = (
        [item for c in rendered for item in json.loads(c)] if fmt == "csl-json" else rendered
    )
    evidence = [{"capture_id": s.capture_id, "logged_in": s.logged_in} for s in sources]
    return _ok({"format": fmt, "citations": listed, "evidence": evidence})


async def start_capture(request: Request) -> Response:
    """``{"urls": [...]}``: captured by a job, as the paste box does; 202 with the job."""
    who = require(request, storage.Role.EDITOR)
    try:
        body = await request.json()
    except ValueError as exc:
        raise UsageError("the body is not JSON", hint='send {"urls": ["https://..."]}') from exc
    urls = body.get("urls") if isinstance(body, dict) else None
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise UsageError("urls must be a list of strings", hint='send {"urls": ["https://..."]}')
    asked = parse_pasted("\n".join(urls))
    web = state(request)
    job = web.jobs.submit("capture", asked, who.user.name, capture_work(web.settings, asked))
    answer = _ok({"job": job.to_json()}, status=202)
    answer.headers["location"] = f"/api/jobs/{job.id}"
    return answer


def job(request: Request) -> Response:
    """A job (capturing URLs, adding an article): what was asked, its state, the captures it
    stored so far and, when done, the page of what it made."""
    return _ok({"job": requested_job(request).to_json()})


async def job_stream(request: Request) -> Response:
    """A job's progress as server-sent events (queued, started, step, stored, then done or
    failed)."""
    return job_events(request, requested_job(request))


def articles(request: Request) -> Response:
    """As ``article list --json``."""
    archive = state(request).archive
    include = request.query_params.get("include_retracted") in ("1", "true")
    found = archive.articles.all(include_retracted=include)
    left_out = 0 if include else archive.articles.count_retracted()
    return _ok({"articles": [article_json(a) for a in found], "retracted_left_out": left_out})


ROUTES = [
    Route("/api/me", me, methods=["GET"]),
    Route("/api/captures", captures, methods=["GET"]),
    Route("/api/captures", start_capture, methods=["POST"]),
    Route("/api/captures/{capture}", capture_one, methods=["GET"]),
    Route("/api/captures/{capture}/citations", citations, methods=["GET"]),
    Route("/api/jobs/{job}", job, methods=["GET"]),
    Route("/api/jobs/{job}/events", job_stream, methods=["GET"]),
    Route("/api/articles", articles, methods=["GET"]),
]
