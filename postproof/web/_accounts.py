"""Managing the users of the app from the browser (admins only): the same calls as ``user
add``, ``user list``, ``user remove`` and ``user token``."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

import storage
from archiver.errors import UsageError
from postproof.views import user_json
from postproof.web._app import page, state
from postproof.web._security import require


def users_page(request: Request, *, made: dict[str, str] | None = None) -> Response:
    require(request, storage.Role.ADMIN)
    users = [user_json(u) for u in state(request).archive.users.all()]
    context = {"users": users, "roles": [r.value for r in storage.Role], "made": made}
    return page(request, "users.html", context)


def users_api(request: Request) -> Response:
    """Every user, their role and how many API tokens each has (admins only), as ``user list
    --json``."""
    require(request, storage.Role.ADMIN)
    users = [user_json(u) for u in state(request).archive.users.all()]
    return JSONResponse({"ok": True, "users": users})


async def add_user(request: Request) -> Response:
    require(request, storage.Role.ADMIN)
    form = await request.form()
    role = storage.parse_role(str(form.get("role") or "viewer"))
    name, password = str(form.get("name") or "").strip(), str(form.get("password") or "")
    await run_in_threadpool(state(request).archive.users.add, name, role, password)
    return RedirectResponse("/users", status_code=303)


async def remove_user(request: Request) -> Response:
    who = require(request, storage.Role.ADMIN)
    name = request.path_params["name"]
    if name == who.user.name:
        raise UsageError("you cannot remove yourself", hint="another admin can")
    removed = await run_in_threadpool(state(request).archive.users.remove, name)
    if not removed:
        raise UsageError(f"no user named {name!r}")
    return RedirectResponse("/users", status_code=303)


async def new_token(request: Request) -> Response:
    require(request, storage.Role.ADMIN)
    form = await request.form()
    name = request.path_params["name"]
    label = str(form.get("label") or "").strip() or None
    token = await run_in_threadpool(state(request).archive.users.new_token, name, label)
    # Shown once, on this answer only (never stored, never in an address).
    return await run_in_threadpool(lambda: users_page(request, made={"user": name, "token": token}))


ROUTES = [
    Route("/users", users_page, methods=["GET"]),
    Route("/users", add_user, methods=["POST"]),
    Route("/users/{name}/remove", remove_user, methods=["POST"]),
    Route("/users/{name}/token", new_token, methods=["POST"]),
    Route("/api/users", users_api, methods=["GET"]),
]
