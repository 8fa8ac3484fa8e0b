"""The article pages: the list, one article's claims in order with their evidence and quote
checks, suggestions accepted or rejected with one click, manual links to captures, unlinking,
the report and the WACZ of its evidence. Each does what the matching command does (``article
show``, ``link``, ``link --suggest``, ``unlink``, ``report``, ``export --article``), through the
same calls; rejecting is the app's own (kept in the archive, so ``link --suggest`` honours it)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

import postproof
import storage
from archiver.errors import UsageError
from postproof.runs import Run, seal_log
from postproof.settings import CaptureFlags
from postproof.views import (
    article_json,
    capture_json,
    link_json,
    rejected_json,
    suggestion_json,
)
from postproof.web._app import WebState, page, state
from postproof.web._jobs import article_work
from postproof.web._security import caller, require

REPORT_FORMATS = {
    "html": "text/html",
    "md": "text/markdown",
    "json": "application/json",
    "pdf": "application/pdf",
}
RELATIONS = ("supports", "contradicts", "context")


def _article(request: Request) -> storage.ArticleRecord:
    try:
        return state(request).archive.articles.get(request.path_params["article"])
    except UsageError as exc:
        raise HTTPException(404, exc.message) from exc


def article_list(request: Request) -> Response:
    archive = state(request).archive
    found = archive.articles.all(include_retracted=True)
    return page(request, "articles.html", {"articles": [article_json(a) for a in found]})


def _evidence(archive: storage.Archive, shown: dict[str, Any]) -> dict[str, Any]:
    """The captures the article's links name, as ``list`` shows them, by id."""
    ids = {link["capture_id"] for claim in shown["claims"] for link in claim["links"]}
    return {
        capture_id: capture_json(archive.get_capture(capture_id), artifacts=False)
        for capture_id in sorted(ids)
    }


def _shown_article(request: Request) -> tuple[Any, dict[str, Any]]:
    """The article the path names, and its JSON as ``article show --json`` gives it."""
    record = _article(request)
    book = state(request).archive.articles
    shown = article_json(
        record, book.claims(record.id), book.links(record.id), book.references(record.id)
    )
    return record, shown


def article_page(request: Request) -> Response:
    import claims

    archive = state(request).archive
    record, shown = _shown_article(request)
    suggestions: dict[str, list[dict[str, Any]]] = {}
    if record.retracted is None:
        for claim, suggestion in claims.suggest_links(archive, record.id):
            suggestions.setdefault(claim.ref, []).append(suggestion_json(claim, suggestion))
    find = request.query_params.get("find", "").strip()
    context = {
        "article": shown,
        "evidence": _evidence(archive, shown),
        "suggestions": suggestions,
        "relations": RELATIONS,
        "formats": tuple(REPORT_FORMATS),
        "find": find,
        "found": _found(archive, find) if find else [],
    }
    return page(request, "article.html", context)


def _found(archive: storage.Archive, words: str) -> list[dict[str, Any]]:
    """Captures whose post matches ``words``, to link a claim to one of them."""
    from storage import SearchFilters

    hits = archive.search_index.search(words, SearchFilters(kinds=("capture",)), limit=10)
    return [capture_json(archive.get_capture(hit.ref), artifacts=False) for hit in hits]


def _back(record: storage.ArticleRecord, claim_ref: str) -> Response:
    anchor = "#claim-" + claim_ref.rsplit("#", 1)[-1]
    return RedirectResponse(f"/articles/{record.id}{anchor}", status_code=303)


async def _given(request: Request) -> dict[str, str]:
    """What a change was asked with: the page's form, or the API's JSON object."""
    if request.url.path.startswith("/api/"):
        try:
            body = await request.json()
        except ValueError as exc:
            raise UsageError("the body is not a JSON object") from exc
        if not isinstance(body, dict):
            raise UsageError("the body is not a JSON object")
        return {str(k): "" if v is None else str(v) for k, v in body.items()}
    form = await request.form()
    return {k: str(v) for k, v in form.items()}


def _own_claim(record: storage.ArticleRecord, claim_ref: str) -> str:
    if not claim_ref.startswith(f"{record.id}#"):
        raise UsageError(f"{claim_ref!r} is not a claim of article {record.id}")
    return claim_ref


def _suggested(web: WebState, record: storage.ArticleRecord, claim_ref: str, capture: str) -> Any:
    """The claim and the suggestion of ``capture`` for it, as the article's page shows them."""
    import claims

    for claim, suggestion in claims.suggest_links(web.archive, record.id):
        if (claim.ref, suggestion.capture_id) == (claim_ref, capture):
            return claim, suggestion
    raise UsageError(
        f"{capture} is not suggested for {claim_ref}",
        hint="the claim may be linked already, or the suggestion rejected: reload the article",
    )


def _accept(
    web: WebState, record: storage.ArticleRecord, claim_ref: str, capture: str, by: str
) -> Any:
    import claims

    claim, suggestion = _suggested(web, record, claim_ref, capture)
    return claims.accept_suggestion(web.archive, claim, suggestion, made_by=by)


async def accept(request: Request) -> Response:
    """Link a claim to the capture suggested for it (``link --suggest --accept``, one claim)."""
    who = require(request, storage.Role.EDITOR)
    given = await _given(request)
    record = _article(request)
    claim_ref = given.get("claim", "")
    made = await run_in_threadpool(
        _accept, state(request), record, claim_ref, given.get("capture_id", ""), who.user.name
    )
    if request.url.path.startswith("/api/"):
        return JSONResponse({"ok": True, "link": link_json(made)}, status_code=201)
    return _back(record, claim_ref)


def _reject(web: WebState, record: storage.ArticleRecord, given: dict[str, str], by: str) -> Any:
    capture = given.get("capture_id", "")
    claim, _suggestion = _suggested(web, record, given.get("claim", ""), capture)
    return rejected_json(claim, capture, by, web.archive.articles.reject(claim, capture, by))


async def reject(request: Request) -> Response:
    """Reject the capture suggested for a claim: it is not its evidence, and its post is not
    suggested for that claim again (the rejection is kept, with who made it)."""
    who = require(request, storage.Role.EDITOR)
    given = await _given(request)
    record = _article(request)
    made = await run_in_threadpool(_reject, state(request), record, given, who.user.name)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"ok": True, "rejected": made}, status_code=201)
    return _back(record, given.get("claim", ""))


def _link(web: WebState, record: storage.ArticleRecord, given: dict[str, str], by: str) -> Any:
    from claims.models import Relation

    claim_ref = _own_claim(record, given.get("claim", ""))
    chosen = given.get("relation") or "supports"
    if chosen not in RELATIONS:
        raise UsageError(f"Unknown relation {chosen!r}.", hint="supports, contradicts or context")
    # An id only: capturing a URL belongs to the paste box, whose jobs show progress.
    capture_id = web.archive.resolve_capture_id(given.get("capture_id", "").strip())
    options = web.settings.capture_options(CaptureFlags())
    with Run.open(web.settings, options, user=by) as run:
        return run.link(
            claim_ref,
            capture_id,
            quote=given.get("quote", "").strip() or None,
            relation=Relation(chosen),
            note=given.get("note", "").strip() or None,
        )


async def link(request: Request) -> Response:
    """Link a claim to a capture by its id (``link CLAIM CAPTURE``), its quote checked."""
    who = require(request, storage.Role.EDITOR)
    given = await _given(request)
    record = _article(request)
    made = await run_in_threadpool(_link, state(request), record, given, who.user.name)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"ok": True, "link": link_json(made)}, status_code=201)
    return _back(record, given.get("claim", ""))


def _unlink(web: WebState, record: storage.ArticleRecord, given: dict[str, str]) -> int:
    archive = web.archive
    claim = archive.articles.claim(_own_claim(record, given.get("claim", "")))
    capture = given.get("capture_id") or ""
    return archive.articles.unlink(claim, archive.resolve_capture_id(capture) if capture else None)


async def unlink(request: Request) -> Response:
    """Stamp a claim's links (to one capture, or all) as removed (``unlink CLAIM [CAPTURE]``)."""
    require(request, storage.Role.EDITOR)
    given = await _given(request)
    record = _article(request)
    removed = await run_in_threadpool(_unlink, state(request), record, given)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"ok": True, "removed": removed})
    return _back(record, given.get("claim", ""))


MAX_DRAFT_CHARS = 500_000


def _article_job(request: Request, given: dict[str, str]) -> Any:
    """A job adding the article ``given`` names: its ``url``, or its ``text`` (a draft, with an
    optional ``title``)."""
    from archiver import parse_url

    who = require(request, storage.Role.EDITOR)
    url, text = given.get("url", "").strip(), given.get("text", "").strip()
    title = given.get("title", "").strip() or None
    if bool(url) == bool(text):
        raise UsageError(
            "give the article's address or its text, one of the two",
            hint="paste the text of a draft that is not published yet",
        )
    if len(text) > MAX_DRAFT_CHARS:
        raise UsageError(f"the text is {len(text)} characters; the limit is {MAX_DRAFT_CHARS}")
    web = state(request)
    checked = parse_url(url) if url else None
    asked = [checked or title or "a draft"]
    work = article_work(web.settings, checked, text or None, title)
    return web.jobs.submit("article", asked, who.user.name, work)


async def add_article(request: Request) -> Response:
    """Add an article from its URL or its text, as ``article add`` does: its claims, the posts
    it cites captured, claims linked, quotes checked. 202 with the job."""
    job = _article_job(request, await _given(request))
    if request.url.path.startswith("/api/"):
        answer = JSONResponse({"ok": True, "job": job.to_json()}, status_code=202)
        answer.headers["location"] = f"/api/jobs/{job.id}"
        return answer
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def article_api(request: Request) -> Response:
    """As ``article show --json``."""
    _, shown = _shown_article(request)
    return JSONResponse({"ok": True, "article": shown})


def suggestions_api(request: Request) -> Response:
    """As ``link --suggest ARTICLE --json`` (nothing accepted)."""
    import claims

    record = _article(request)
    found = claims.suggest_links(state(request).archive, record.id)
    rows = [suggestion_json(claim, suggestion) for claim, suggestion in found]
    return JSONResponse({"ok": True, "suggestions": rows, "accepted": []})


def _download(path: Path, media_type: str, name: str) -> FileResponse:
    def clean() -> None:
        path.unlink(missing_ok=True)
        path.parent.rmdir()

    response = FileResponse(
        path, media_type=media_type, filename=name, background=BackgroundTask(clean)
    )
    # A report holds captured text: downloaded, never rendered in the app's origin.
    response.headers["content-security-policy"] = "default-src 'none'; sandbox"
    return response


def report(request: Request) -> Response:
    """The article's report (``report ARTICLE --format F``), as a download."""
    from claims import write_report

    fmt = request.path_params["format"]
    if fmt not in REPORT_FORMATS:
        raise HTTPException(404, f"No report format {fmt!r}: html, md, json or pdf.")
    record = _article(request)
    name = f"postproof-report-{record.id}.{fmt}"
    out = Path(tempfile.mkdtemp(prefix="postproof-report-")) / name
    write_report(state(request).archive, record.id, fmt, out)
    return _download(out, REPORT_FORMATS[fmt], name)


def article_wacz(request: Request) -> Response:
    """The article's evidence as one WACZ (``export --article``), sealed first."""
    import claims

    web = state(request)
    record = _article(request)
    ids = claims.article_capture_ids(web.archive, record.id)
    if not ids:
        raise UsageError(f"article {record.id} has no captured evidence to export")
    seal_log(web.archive, web.settings)
    name = f"postproof-article-{record.id}.wacz"
    out = Path(tempfile.mkdtemp(prefix="postproof-wacz-")) / name
    web.archive.export(
        ids,
        out,
        title=f"Evidence for: {record.title or record.id}",
        software=f"postproof {postproof.version()}",
        made_by=caller(request).user.name,
    )
    return _download(out, "application/wacz", name)


ROUTES = [
    Route("/api/articles", add_article, methods=["POST"]),
    Route("/articles", add_article, methods=["POST"]),
    Route("/api/articles/{article}", article_api, methods=["GET"]),
    Route("/api/articles/{article}/suggestions", suggestions_api, methods=["GET"]),
    Route("/api/articles/{article}/accept", accept, methods=["POST"]),
    Route("/api/articles/{article}/reject", reject, methods=["POST"]),
    Route("/api/articles/{article}/links", link, methods=["POST"]),
    Route("/api/articles/{article}/unlink", unlink, methods=["POST"]),
    Route("/articles", article_list, methods=["GET"]),
    Route("/articles/{article}", article_page, methods=["GET"]),
    Route("/articles/{article}/accept", accept, methods=["POST"]),
    Route("/articles/{article}/reject", reject, methods=["POST"]),
    Route("/articles/{article}/link", link, methods=["POST"]),
    Route("/articles/{article}/unlink", unlink, methods=["POST"]),
    Route("/articles/{article}/report.{format}", report, methods=["GET"]),
    Route("/articles/{article}/wacz", article_wacz, methods=["GET"]),
]
