"""The web app: its shared state, its routes put together, and how errors are answered.

Pages are rendered by Jinja2 with autoescaping on: whatever a captured post holds is shown as
text. Links to what a post names are kept only when they are http(s) (:func:`safe_url`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

import storage
from archiver.errors import PostproofError, UsageError
from postproof.settings import Settings
from postproof.web._jobs import Job, Jobs
from postproof.web._queued import QueuedJobs
from postproof.web._security import Caller, FrameSigner, Guard, LoginLimiter

log = logging.getLogger("postproof.web")
HERE = Path(__file__).parent
MAX_BODY_BYTES = 1 << 20  # forms and JSON hold URLs and short texts: nothing near this


@dataclass
class WebState:
    """What every route shares: the settings, one open archive, the capture jobs, the login
    limiter, the signer of archived pages' addresses and where the archive origin listens."""

    settings: Settings
    archive: storage.Archive
    jobs: Jobs | QueuedJobs  # on the shared archive, its task queue (run by workers)
    limiter: LoginLimiter
    signer: FrameSigner
    archive_port: int
    templates: Jinja2Templates

    def archive_origin(self, request: Request) -> str:
        """The archive origin as the browser reaches it: the app's host name, the other port."""
        host = request.url.hostname or "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        return f"{request.url.scheme}://{host}:{self.archive_port}"


def state(request: Request) -> WebState:
    found: WebState = request.app.state.web
    return found


def requested_job(request: Request) -> Job:
    """The job the path names (``{job}``); 404 when there is none."""
    job = state(request).jobs.get(request.path_params["job"])
    if job is None:
        kept = "until the server stops" if isinstance(state(request).jobs, Jobs) else "on the queue"
        raise HTTPException(404, f"No such job (jobs are kept {kept}).")
    return job


def safe_url(value: object) -> str:
    """``value`` when it is an http(s) URL (safe in an ``href``), else the empty string: a post
    may name a ``javascript:`` or ``data:`` URL, and a click must never run it."""
    text = str(value or "")
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return ""
    return text if scheme in ("http", "https") else ""


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.autoescape = True  # every template, whatever its name
    env.filters["safe_url"] = safe_url
    env.globals["Role"] = storage.Role
    return templates


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """A page from template ``name``, with the caller (and the CSRF token of their forms)."""
    who: Caller | None = request.scope.get("postproof.caller")
    context = {"who": who, "csrf": who.csrf if who else "", **context}
    response = state(request).templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["cache-control"] = "no-store"
    return response


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _is_api(request):
        return JSONResponse({"ok": False, "error": exc.detail}, status_code=exc.status_code)
    return page(request, "error.html", {"message": exc.detail}, status=exc.status_code)


async def postproof_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PostproofError)
    status = 400 if isinstance(exc, UsageError) else 500
    if _is_api(request):
        body = {"ok": False, "error": exc.message, "hint": exc.hint}
        return JSONResponse(body, status_code=status)
    context = {"message": exc.message, "hint": exc.hint}
    return page(request, "error.html", context, status=status)


def create_app(settings: Settings, archive: storage.Archive, archive_port: int) -> Starlette:
    """The app over ``archive``; archived pages are framed from ``archive_port``."""
    from postproof.web import (
        _accounts,
        _api,
        _articles,
        _browse,
        _checks,
        _images,
        _openapi,
        _pages,
    )

    web = WebState(
        settings=settings,
        archive=archive,
        jobs=QueuedJobs(archive) if archive.jobs.has_queue else Jobs(),
        limiter=LoginLimiter(),
        signer=FrameSigner(),
        archive_port=archive_port,
        templates=make_templates(),
    )
    routes: list[BaseRoute] = [
        *_pages.ROUTES,
        *_articles.ROUTES,
        *_browse.ROUTES,
        *_images.ROUTES,
        *_checks.ROUTES,
        *_accounts.ROUTES,
        *_api.ROUTES,
        *_openapi.ROUTES,
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        web.jobs.stop()

    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error, PostproofError: postproof_error},
        lifespan=lifespan,
        max_body_size=MAX_BODY_BYTES,
    )
    app.state.web = web
    origin = f"http://*:{archive_port} https://*:{archive_port}"
    app.add_middleware(Guard, users=lambda: archive.users, archive_origin=origin)
    return app
