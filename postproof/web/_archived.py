"""The archive origin: the captured page (its HTML as the browser rendered it) served from
another port than the app's, so that it is another origin, and only inside a sandbox.

The page is answered with ``Content-Security-Policy: sandbox`` and ``default-src 'none'``: no
script runs, no form submits, nothing is fetched from anywhere (the page's images and styles
from the web are not loaded: the screenshots show the page as it looked), and its origin is
opaque, so it can read no cookie. It may only be framed by the app page that asked for it. The
address is signed by the app (:class:`FrameSigner`): this origin has no session of its own.
"""

from __future__ import annotations

import re

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

import storage
from archiver.errors import UsageError
from postproof.web._blobfiles import blob_response
from postproof.web._security import FrameSigner

_ORIGIN = re.compile(
    r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?|https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?"
)
FRAME_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors {app_origin}"
)
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "cross-origin-resource-policy": "same-site",
    "x-dns-prefetch-control": "off",
}


def archived_app(archive: storage.Archive, signer: FrameSigner) -> Starlette:
    def captured_page(request: Request) -> Response:
        capture_id = request.path_params["capture"]
        query = request.query_params
        app_origin = query.get("a", "")
        signed = signer.check(capture_id, app_origin, query.get("e", ""), query.get("s", ""))
        if not signed or not _ORIGIN.fullmatch(app_origin):
            return PlainTextResponse("This address is not signed, or has expired.", 403, HEADERS)
        try:
            record = archive.get_capture(capture_id)
        except UsageError:
            return PlainTextResponse("No such capture.", 404, HEADERS)
        html = next((a for a in record.artifacts if a.kind == "html"), None)
        if record.id != capture_id or html is None:
            return PlainTextResponse("No page was kept for this capture.", 404, HEADERS)
        headers = HEADERS | {"content-security-policy": FRAME_CSP.format(app_origin=app_origin)}
        return blob_response(html, media_type="text/html; charset=utf-8", headers=headers)

    def nothing(request: Request) -> Response:
        return PlainTextResponse("Not found.", 404, HEADERS)

    return Starlette(
        routes=[
            Route("/captures/{capture}", captured_page, methods=["GET"]),
            Route("/{rest:path}", nothing),
        ]
    )
