"""``/api/openapi.json``: the API described (OpenAPI 3.1), made from the app's own routes and
their docstrings, each answer with the JSON Schema of its shape (``postproof.shapes``, the shapes
``postproof.views`` makes)."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from postproof.shapes import BOOL, INT, OBJECT, SCHEMAS, STR, Schema, arr, envelope, obj, ref

_JOB = envelope("a job, started", job=ref("Job"))
_LINK = envelope("the link made", link=ref("Link"))
_SIMILAR = envelope("as similar --json", queries=arr(ref("SimilarQuery")))
_CITATIONS = envelope(
    "as cite --json",
    format=STR,
    citations=arr({"anyOf": [STR, OBJECT]}),  # CSL-JSON items are objects
    evidence=arr(obj("a capture cited", {"capture_id": STR, "logged_in": BOOL})),
)

# Each operation's answer when it succeeds: its status and the schema of its body.
ANSWERS: dict[tuple[str, str], tuple[int, Schema]] = {
    ("get", "/api/openapi.json"): (200, {"type": "object", "description": "this document"}),
    ("get", "/api/me"): (200, envelope("the caller", user=ref("User"))),
    ("get", "/api/captures"): (
        200,
        envelope("as list --json", captures=arr(ref("Capture")), retracted_left_out=INT),
    ),
    ("post", "/api/captures"): (202, _JOB),
    ("get", "/api/captures/{capture}"): (
        200,
        envelope("as show --json", capture=ref("CaptureShown")),
    ),
    ("get", "/api/captures/{capture}/citations"): (200, _CITATIONS),
    ("post", "/api/captures/{capture}/verify"): (200, ref("Verify")),
    ("post", "/api/captures/{capture}/watch"): (
        200,
        envelope("as watch --json", posts=INT, watched=BOOL),
    ),
    ("get", "/api/captures/{capture}/diff/{other}"): (200, ref("Diff")),
    ("get", "/api/captures/{capture}/similar"): (200, _SIMILAR),
    ("post", "/api/similar"): (200, _SIMILAR),
    ("get", "/api/jobs/{job}"): (200, envelope("the job", job=ref("Job"))),
    ("get", "/api/search"): (200, envelope("what matched", results=arr(ref("SearchHit")))),
    ("get", "/api/watching"): (
        200,
        envelope("as watch --list --json", watched=arr(ref("Watched"))),
    ),
    ("get", "/api/articles"): (
        200,
        envelope("as article list --json", articles=arr(ref("Article")), retracted_left_out=INT),
    ),
    ("post", "/api/articles"): (202, _JOB),
    ("get", "/api/articles/{article}"): (
        200,
        envelope("as article show --json", article=ref("Article")),
    ),
    ("get", "/api/articles/{article}/suggestions"): (
        200,
        envelope(
            "as link --suggest --json",
            suggestions=arr(ref("Suggestion")),
            accepted=arr(ref("Link")),
        ),
    ),
    ("post", "/api/articles/{article}/accept"): (201, _LINK),
    ("post", "/api/articles/{article}/reject"): (
        201,
        envelope("the rejection", rejected=ref("Rejected")),
    ),
    ("post", "/api/articles/{article}/links"): (201, _LINK),
    ("post", "/api/articles/{article}/unlink"): (200, envelope("as unlink --json", removed=INT)),
    ("post", "/api/retractions"): (
        201,
        envelope("as retract --json", retraction=ref("Retraction")),
    ),
    ("get", "/api/users"): (200, envelope("as user list --json", users=arr(ref("User")))),
}
STREAMS = {("get", "/api/jobs/{job}/events")}  # text/event-stream, not JSON
_ERROR = {"content": {"application/json": {"schema": ref("Error")}}}


def _success(method: str, path: str) -> dict[str, Any]:
    if (method, path) in STREAMS:
        events = {"text/event-stream": {"schema": {"type": "string"}}}
        return {"200": {"description": "server-sent events", "content": events}}
    status, schema = ANSWERS[(method, path)]
    body = {"application/json": {"schema": schema}}
    return {str(status): {"description": schema.get("description", "success"), "content": body}}


def operation(endpoint: Any, method: str, path: str) -> dict[str, Any]:
    """One operation: its summary from the endpoint's docstring, its path parameters, and its
    answers."""
    doc = (endpoint.__doc__ or endpoint.__name__.replace("_", " ")).strip()
    summary, _, description = doc.partition("\n\n")
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", path)
    ]
    responses = _success(method, path) | {
        "400": {"description": "what was wrong, and what to do", **_ERROR},
        "401": {"description": "no session and no valid token", **_ERROR},
        "403": {"description": "the user's role does not allow it", **_ERROR},
    }
    if parameters:
        responses["404"] = {"description": "no such " + parameters[0]["name"], **_ERROR}
    found: dict[str, Any] = {
        "summary": " ".join(summary.split()),
        "parameters": parameters,
        "responses": responses,
    }
    if description:
        found["description"] = " ".join(description.split())
    return found


def openapi(request: Request) -> Response:
    """This description of the API (OpenAPI 3.1), made from the app's own routes."""
    import postproof

    paths: dict[str, dict[str, Any]] = {}
    for route in request.app.routes:
        if isinstance(route, Route) and route.path.startswith("/api/"):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                verb = method.lower()
                paths.setdefault(route.path, {})[verb] = operation(route.endpoint, verb, route.path)
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "postproof",
            "version": postproof.version(),
            "description": "The JSON API of postproof serve: the shapes of the command line's "
            "--json. Send a token made by `postproof user token NAME`.",
        },
        "security": [{"token": []}],
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": paths,
    }
    return JSONResponse(document)


ROUTES = [Route("/api/openapi.json", openapi, methods=["GET"])]
