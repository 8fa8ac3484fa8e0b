"""Logged-in capture: cookies imported for one domain reach that domain only, the capture says
it ran logged in, and no cookie value is ever stored, in the WARC or anywhere else."""

from __future__ import annotations

import io
import json
import stat
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest

from demo import FakeWeb, Request, Response
from demo.messages import html, redirect
from tests.conftest import run_cli

pytestmark = pytest.mark.browser

SECRET = "s3cret-session-value"
REFRESH = "r3fresh-token-value"


def members(request: Request) -> Response:
    if f"session={SECRET}" not in request.header("cookie"):
        return redirect("/login")
    page = (
        "<!doctype html><html><head><title>Members post</title>"
        '<meta property="og:title" content="Members post">'
        '<meta property="og:description" content="Only members can read this statement.">'
        "</head><body><article><h1>Members post</h1>"
        "<p>Only members can read this statement.</p></article></body></html>"
    )
    done = html(page)
    return Response(
        done.status, done.body, done.content_type, (("Set-Cookie", f"refresh={REFRESH}; Path=/"),)
    )


def login(request: Request) -> Response:
    return html("<html><head><title>Log in</title></head><body>Log in to continue</body></html>")


def echo(request: Request) -> Response:
    got = request.header("cookie") or "none"
    return html(f"<html><head><title>Echo</title></head><body><p>cookies: {got}</p></body></html>")


# Secret values that look like real session tokens: characters that URL, JSON and HTML encode.
SESSION = "Zx9+vault/key=Q1w2&e3<r4>"
PREFS = "pr3fs+visible/value=="


def echoing(request: Request) -> Response:
    """A members' page that echoes the session everywhere it can: text, attributes, a form
    field, a comment, a link, the title, a JSON answer, a header, document.cookie."""
    if quote(SESSION, safe="") not in request.header("cookie"):
        return redirect("/login")
    escaped = SESSION.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    page = (
        f"<!doctype html><html><head><title>Hello {escaped}</title>"
        f'<meta property="og:description" content="Signed in as {escaped}."></head><body>'
        f"<article><h1>Members post</h1><p>Only members can read this statement.</p>"
        f"<p id='server'>session: {escaped}</p><!-- {escaped} -->"
        f"<a href='/next?token={quote(SESSION, safe='')}'>next</a>"
        f"<input id='field' value='{escaped}'><p id='script'></p><p id='api'></p></article>"
        "<script>document.getElementById('script').textContent = 'seen: ' + "
        "decodeURIComponent(document.cookie);"
        "fetch('/api/me').then((r) => r.json()).then((j) => {"
        "document.getElementById('api').textContent = 'api: ' + j.session; });</script>"
        "</body></html>"
    )
    return html(page)


def me(request: Request) -> Response:
    body = json.dumps({"session": SESSION, "next": "/next?token=" + quote(SESSION, safe="")})
    return Response(200, body.encode(), "application/json", (("X-Echo", quote(SESSION)),))


@pytest.fixture
def env(web: FakeWeb, cli_env: dict[str, str]) -> dict[str, str]:
    web.add_route("members.example", "/post/2", echoing)
    web.add_route("members.example", "/api/me", me)
    web.add_route("members.example", "/post/1", members)
    web.add_route("members.example", "/login", login)
    web.add_route("elsewhere.example", "/echo", echo)
    return cli_env | {"POSTPROOF_HOST_MAP": ",".join(web.host_map())}


def _cookies_txt(tmp_path: Path) -> Path:
    path = tmp_path / "cookies.txt"
    path.write_text(
        "# Netscape HTTP Cookie File\n"
        f"#HttpOnly_.members.example\tTRUE\t/\tTRUE\t0\tsession\t{SECRET}\n"
        "other.example\tFALSE\t/\tFALSE\t0\tforeign\tnot-kept\n",
        "utf-8",
    )
    return path


def test_capture_runs_logged_in_for_that_domain_only(
    env: dict[str, str], home: Path, tmp_path: Path
) -> None:
    walled = run_cli("capture", "https://members.example/post/1", "--json", env=env)
    assert json.loads(walled.stdout)["captures"][0]["status"] == "login_wall"

    done = run_cli(
        "auth", "import", "members.example", str(_cookies_txt(tmp_path)), "--json", env=env
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)["auth"]
    assert (record["cookies"], record["cookie_names"], record["dropped"]) == (1, ["session"], 1)
    stored = Path(record["path"])
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    listed = run_cli("auth", "list", env=env)
    assert "members.example: 1 cookie(s)" in listed.stdout and SECRET not in listed.stdout

    inside = run_cli("capture", "https://members.example/post/1", "--json", env=env)
    capture = json.loads(inside.stdout)["captures"][0]
    assert capture["status"] == "ok", capture
    outside = run_cli("capture", "https://elsewhere.example/echo", "--json", env=env)
    other = json.loads(outside.stdout)["captures"][0]

    shown = json.loads(run_cli("show", capture["id"], "--json", env=env).stdout)["capture"]
    provenance = json.loads(
        Path(next(a for a in shown["artifacts"] if a["kind"] == "provenance")["path"]).read_bytes()
    )
    assert any("captured logged in" in note for note in provenance["notes"])
    # No stored byte of either capture holds a cookie value (the WARC included).
    for capture_id in (capture["id"], other["id"]):
        record = json.loads(run_cli("show", capture_id, "--json", env=env).stdout)["capture"]
        kinds = {a["kind"] for a in record["artifacts"]}
        assert "warc" in kinds
        for artifact in record["artifacts"]:
            data = Path(artifact["path"]).read_bytes()
            assert SECRET.encode() not in data and REFRESH.encode() not in data, artifact["kind"]
    text = Path(next(a for a in shown["artifacts"] if a["kind"] == "text")["path"]).read_text()
    assert "Only members can read this statement." in text
    echoed = json.loads(run_cli("show", other["id"], "--json", env=env).stdout)["capture"]
    echo_text = Path(
        next(a for a in echoed["artifacts"] if a["kind"] == "text")["path"]
    ).read_text()
    assert "cookies: none" in echo_text  # the other site got nothing

    # Every citation of the logged-in capture says so; the other capture's never does.
    for fmt in ("text", "markdown", "html", "csl-json", "bibtex"):
        cited = run_cli("cite", capture["id"], "--format", fmt, env=env)
        assert cited.returncode == 0, cited.stderr
        assert "captured while logged in" in cited.stdout, fmt
        assert "logged in" not in run_cli("cite", other["id"], "--format", fmt, env=env).stdout
    as_json = json.loads(run_cli("cite", capture["id"], "--json", env=env).stdout)
    assert as_json["evidence"] == [{"capture_id": capture["id"], "logged_in": True}]
    as_json = json.loads(run_cli("cite", other["id"], "-F", "csl-json", "--json", env=env).stdout)
    assert as_json["evidence"] == [{"capture_id": other["id"], "logged_in": False}]
    assert as_json["citations"][0]["custom"]["logged_in"] is False

    removed = run_cli("auth", "remove", "members.example", env=env)
    assert removed.returncode == 0 and not stored.exists()


def _every_byte(path: Path) -> bytes:
    """A file's bytes, with what its gzip streams and zip members hold once unpacked."""
    data = path.read_bytes()
    return data + b"".join(_unpacked(data))


def _unpacked(data: bytes) -> list[bytes]:
    if data[:2] == b"\x1f\x8b":  # gzip, maybe many members (WARC records)
        out, rest = [], data
        while rest[:2] == b"\x1f\x8b":
            stream = zlib.decompressobj(wbits=31)
            out.append(stream.decompress(rest))
            rest = stream.unused_data
        return out
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            members = [bundle.read(name) for name in bundle.namelist()]
        return members + [b for m in members for b in _unpacked(m)]
    return []


def _forms(value: str) -> list[bytes]:
    return [
        form.encode()
        for form in {
            value,
            quote(value, safe=""),
            quote(value),
            json.dumps(value)[1:-1],
            value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
        }
    ]


def test_no_stored_or_exported_byte_holds_a_cookie_the_page_echoed(
    env: dict[str, str], home: Path, tmp_path: Path
) -> None:
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(
        "# Netscape HTTP Cookie File\n"
        f"#HttpOnly_.members.example\tTRUE\t/\tTRUE\t0\tsession\t{quote(SESSION, safe='')}\n"
        f".members.example\tTRUE\t/\tTRUE\t0\tprefs\t{quote(PREFS, safe='')}\n",
        "utf-8",
    )
    assert run_cli("auth", "import", "members.example", str(cookies), env=env).returncode == 0
    done = run_cli("capture", "https://members.example/post/2", "--json", env=env)
    capture = json.loads(done.stdout)["captures"][0]
    assert capture["status"] == "ok", capture
    bundle = tmp_path / "bundle.wacz"
    exported = run_cli("export", capture["id"], "-o", str(bundle), env=env)
    assert exported.returncode == 0, exported.stderr
    shown = run_cli("show", capture["id"], "--json", env=env)
    record = json.loads(shown.stdout)["capture"]

    # The page did echo them, and what it echoed was replaced before anything was kept.
    text = Path(next(a for a in record["artifacts"] if a["kind"] == "text")["path"]).read_text()
    assert "session: [secret removed by postproof]" in text
    assert "seen: " in text and "[secret removed by postproof]" in text.split("seen: ")[1]
    assert "api: [secret removed by postproof]" in text
    provenance = json.loads(
        Path(next(a for a in record["artifacts"] if a["kind"] == "provenance")["path"]).read_bytes()
    )
    assert any("secret values" in note and "replaced" in note for note in provenance["notes"])

    # Not one stored or exported byte holds either value, in any usual encoding: the blobs
    # (WARC records unpacked), the database and its journal, the bundle (members unpacked),
    # and what the commands printed.
    files = [p for p in home.rglob("*") if p.is_file() and p.parent.name != "auth"]
    assert any(p.name.startswith("postproof.sqlite3") for p in files)
    haystacks = {str(p): _every_byte(p) for p in [*files, bundle]}
    haystacks |= {"capture output": done.stdout.encode(), "show output": shown.stdout.encode()}
    for value in (SESSION, PREFS):
        for form in _forms(value):
            leaks = [name for name, data in haystacks.items() if form in data]
            assert leaks == [], (form, leaks)
    assert run_cli("verify", capture["id"], env=env).returncode == 0


def test_bad_cookie_files_are_refused_clearly(env: dict[str, str], tmp_path: Path) -> None:
    wrong_site = run_cli("auth", "import", "x.com", str(_cookies_txt(tmp_path)), env=env)
    assert wrong_site.returncode == 2
    assert "holds no cookie for x.com" in _flat(wrong_site.stderr)
    garbage = tmp_path / "junk.txt"
    garbage.write_text("this is not a cookie file\n", "utf-8")
    bad = run_cli("auth", "import", "x.com", str(garbage), env=env)
    assert bad.returncode == 2 and "7 tab-separated fields" in _flat(bad.stderr)
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"cookies": [{"name": "sid", "value": "v", "domain": ".x.com"}]}))
    good = run_cli("auth", "import", "https://x.com/", str(state), "--json", env=env)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["auth"]["domain"] == "x.com"
    not_a_domain = run_cli("auth", "import", "localhost", str(state), env=env)
    assert not_a_domain.returncode == 2 and "is not a domain name" in _flat(not_a_domain.stderr)


def _flat(text: str) -> str:
    """Error messages are wrapped to the terminal width: compare them as one line."""
    return " ".join(text.split())
