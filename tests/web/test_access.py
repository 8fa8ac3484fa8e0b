"""Who may use the web app: sign in and out, every request refused without a session or a
token, CSRF checks, rate-limited sign-in, roles, and a host beyond loopback only with an admin."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from tests.conftest import run_cli
from tests.web.conftest import PASSWORDS, Served, SignedIn

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def _session(served: Served, name: str) -> tuple[httpx.Client, str]:
    """An HTTP client signed in through the login form, and the CSRF token of its pages."""
    client = httpx.Client(base_url=served.url, timeout=30)
    form = client.get("/login")
    token = CSRF_FIELD.search(form.text)
    assert token is not None
    answer = client.post(
        "/login",
        data={"csrf": token[1], "name": name, "password": PASSWORDS[name], "next": "/"},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    home = client.get("/")
    found = CSRF_FIELD.search(home.text)
    assert home.status_code == 200 and found is not None
    return client, found[1]


def test_every_request_without_a_session_or_token_is_refused(served: Served) -> None:
    with httpx.Client(base_url=served.url, timeout=30) as anonymous:
        for path in ("/", "/captures/abcd1234", "/jobs/1234", "/captures/abcd1234/wacz"):
            answer = anonymous.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/login?next=")
        for path in ("/api/captures", "/api/me", "/api/articles", "/api/jobs/1234"):
            answer = anonymous.get(path)
            assert answer.status_code == 401 and answer.json()["ok"] is False, path
        assert (
            anonymous.post("/capture", data={"urls": "https://x.com/a/status/1"}).status_code == 401
        )
        wrong = {"authorization": "Bearer pp_not-a-token"}
        assert anonymous.get("/api/captures", headers=wrong).status_code == 401
        # Only the login page and the static files are open.
        assert anonymous.get("/login").status_code == 200
        assert anonymous.get("/static/app.css").status_code == 200
    with served.api("vic") as api:
        me = api.get("/api/me").json()
    assert me == {"ok": True, "user": me["user"]} and me["user"]["role"] == "viewer"


def test_sign_in_and_out_in_the_browser(browser: Browser, served: Served) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(served.url + "/")
    assert page.url.startswith(served.url + "/login?next=")
    page.fill("#name", "alice")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    assert "Wrong name or password" in page.inner_text("[role=alert]")
    page.fill("#name", "alice")
    page.fill("#password", PASSWORDS["alice"])
    page.click("button[type=submit]")
    page.wait_for_url(served.url + "/")
    assert "alice" in page.inner_text("header") and page.is_visible("#capture-form")
    cookie = next(c for c in context.cookies() if c["name"] == "postproof_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""  # no script of the app's origin can read it

    page.click("text=Sign out")
    page.wait_for_url(served.url + "/login")
    page.goto(served.url + "/")
    assert page.url.startswith(served.url + "/login")
    # The session ended on the server: the old cookie opens nothing.
    with httpx.Client(base_url=served.url, cookies={cookie["name"]: cookie["value"]}) as old:
        assert old.get("/").status_code == 303
    context.close()


def test_forms_without_the_csrf_token_are_refused(served: Served) -> None:
    client, csrf = _session(served, "ed")
    try:
        form = {"urls": "https://x.com/someone/status/1"}
        assert client.post("/capture", data=form).status_code == 403
        assert client.post("/capture", data=form | {"csrf": "forged"}).status_code == 403
        from_elsewhere = {"origin": "http://evil.example"}
        answer = client.post("/capture", data=form | {"csrf": csrf}, headers=from_elsewhere)
        assert answer.status_code == 403
        assert client.post("/logout", data={}).status_code == 403
        assert client.get("/").status_code == 200  # still signed in
        assert client.post("/logout", data={"csrf": csrf}).status_code == 303
        assert client.get("/").status_code == 303
    finally:
        client.close()
    # A login form posted without the cookie its page set is refused too (login CSRF).
    with httpx.Client(base_url=served.url) as fresh:
        login = {"csrf": "made-up", "name": "ed", "password": PASSWORDS["ed"]}
        assert fresh.post("/login", data=login).status_code == 403


def test_sign_in_is_rate_limited(served: Served) -> None:
    with httpx.Client(base_url=served.url, timeout=30) as client:
        token = CSRF_FIELD.search(client.get("/login").text)
        assert token is not None
        form = {"csrf": token[1], "name": "mallory", "password": "guess number n"}
        codes = [client.post("/login", data=form).status_code for _ in range(6)]
        assert codes == [401] * 5 + [429]
        refused = client.post("/login", data=form)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    # Another name from the same address still signs in.
    client, _csrf = _session(served, "alice")
    client.close()


def test_a_viewer_is_refused_an_edit(signed: SignedIn, served: Served) -> None:
    context = signed["vic"]
    page = context.new_page()
    page.goto(served.url + "/")
    assert not page.is_visible("#capture-form")
    csrf = page.get_attribute("input[name=csrf]", "value")
    answer = context.request.post(
        served.url + "/capture", form={"csrf": csrf or "", "urls": "https://x.com/a/status/1"}
    )
    assert answer.status == 403 and "editor" in answer.text()
    page.close()
    with served.api("vic") as api:
        refused = api.post("/api/captures", json={"urls": ["https://x.com/a/status/1"]})
    assert refused.status_code == 403 and refused.json()["ok"] is False


def test_a_host_beyond_loopback_needs_an_admin(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTPROOF_")}
    env["POSTPROOF_HOME"] = str(tmp_path / "home")
    done = run_cli("serve", "--host", "0.0.0.0", "--port", "0", env=env)
    assert done.returncode == 2
    assert "no admin user" in done.stderr and "postproof user add" in done.stderr


def test_user_commands(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTPROOF_")}
    env["POSTPROOF_HOME"] = str(tmp_path / "home")
    added = run_cli("user", "add", "zoe", "--role", "editor", "--json", env=env)
    assert added.returncode == 2 and "--password-stdin" in added.stdout  # nobody to ask
    done = run_cli(
        *("user", "add", "zoe", "--role", "editor", "--password-stdin", "--json"),
        stdin="zoe's long passphrase\n",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["user"]["role"] == "editor"
    token = run_cli("user", "token", "zoe", "--json", env=env)
    assert json.loads(token.stdout)["token"].startswith("pp_")
    listed = json.loads(run_cli("user", "list", "--json", env=env).stdout)
    assert [(u["name"], u["role"], u["tokens"]) for u in listed["users"]] == [("zoe", "editor", 1)]
    assert json.loads(run_cli("user", "remove", "zoe", "--json", env=env).stdout)["removed"]
    gone = run_cli("user", "remove", "zoe", env=env)
    assert gone.returncode == 2 and "no user named" in gone.stderr


def test_the_help_of_serve_and_user_loads_no_web_library() -> None:
    import subprocess
    import sys

    heavy = ("starlette", "uvicorn", "argon2", "jinja2", "sqlalchemy", "playwright")
    for args in (("serve", "--help"), ("user", "add", "--help")):
        code = (
            "import sys; sys.argv = ['postproof', *sys.argv[1:]]; import cli\n"
            "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
            f"print([m for m in {heavy!r} if m in sys.modules], file=sys.stderr)"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
        )
        assert done.stderr.strip().splitlines()[-1] == "[]", (args, done.stderr)


def test_the_api_describes_itself(served: Served) -> None:
    with served.api("vic") as api:
        document = api.get("/api/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    paths = document["paths"]
    assert {"get", "post"} <= set(paths["/api/captures"])
    assert paths["/api/captures/{capture}"]["get"]["parameters"][0]["name"] == "capture"
    operations = [op for methods in paths.values() for op in methods.values()]
    assert len(operations) >= 19 and all(op["summary"] for op in operations)
    with httpx.Client(base_url=served.url) as anonymous:
        assert anonymous.get("/api/openapi.json").status_code == 401


def test_the_api_describes_the_shape_of_every_answer(served: Served) -> None:
    """Every operation names the schema of its answers; every answer the tests' API clients
    receive is checked against it (``tests/web/openapi_check.py``), these ones here."""
    from jsonschema import Draft202012Validator

    checker = served.checker()
    document = checker.document
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            success = [status for status in op["responses"] if status.startswith("2")]
            assert len(success) == 1, (method, path)
            assert op["responses"][success[0]]["content"], (method, path)
    for name, schema in document["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
        assert schema["description"], name
    with served.api("alice") as api:
        me = api.get("/api/me").json()
        api.get("/api/users")
        api.get("/api/captures", params={"limit": 2})
        api.get("/api/articles")
        missing = api.get("/api/captures/zzzzzzzz")
    assert me["user"]["name"] == "alice" and missing.status_code == 404
    assert {("get", "/api/me", 200), ("get", "/api/users", 200)} <= checker.checked
    assert ("get", "/api/captures/{capture}", 404) in checker.checked
    # A field a view adds without its schema, or a wrong type, is caught.
    with pytest.raises(AssertionError, match="does not match"):
        checker.check("get", "/api/me", 200, me | {"user": me["user"] | {"secret": "x"}})
    with pytest.raises(AssertionError, match="does not match"):
        checker.check("get", "/api/me", 200, {"ok": True, "user": me["user"] | {"tokens": "1"}})


def test_an_admin_manages_users_in_the_browser(signed: SignedIn, served: Served) -> None:
    context = signed["alice"]
    page = context.new_page()
    page.goto(served.url + "/")
    page.click("text=Users")
    page.wait_for_url(served.url + "/users")
    page.fill("#new-name", "zed")
    page.select_option("#new-role", "editor")
    page.fill("#new-password", "zed's long passphrase")
    page.click("#add-user button")
    page.wait_for_url(served.url + "/users")
    row = page.locator("tr[data-user=zed]")
    assert "editor" in row.inner_text()
    row.locator("input[name=label]").fill("a script")
    row.locator("button", has_text="New token").click()
    token = page.inner_text("#new-token").strip()
    with httpx.Client(base_url=served.url, headers={"authorization": f"Bearer {token}"}) as zed:
        assert zed.get("/api/me").json()["user"]["role"] == "editor"
        page.goto(served.url + "/users")
        page.locator("tr[data-user=zed] button", has_text="Remove").click()
        page.wait_for_url(served.url + "/users")
        assert page.locator("tr[data-user=zed]").count() == 0
        assert zed.get("/api/me").status_code == 401  # its tokens went with it
    page.close()
    with served.api("ed") as api:
        assert api.get("/api/users").status_code == 403
    with served.api("alice") as api:
        names = [u["name"] for u in api.get("/api/users").json()["users"]]
    assert names == ["alice", "ed", "vic"]


def test_a_body_too_large_is_refused(served: Served) -> None:
    with served.api("ed") as api:
        answer = api.post("/api/captures", content=b"{" + b" " * (2 << 20) + b"}")
    assert answer.status_code == 413
