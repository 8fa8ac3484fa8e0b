"""RFC 3161 timestamps against a local ``openssl ts -reply`` TSA on 127.0.0.1."""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder

from archiver.errors import PostproofError, UsageError
from proof._tsa import (
    ENV_TSA_URLS,
    TimestampError,
    TimestampToken,
    TimestampUntrusted,
    TsaUnreachable,
    openssl_verify_command,
    request_timestamp,
    tsa_roots_from_env,
    tsa_urls_from_env,
    verify_timestamp,
)
from tests.proof.localtsa import POLICY, LocalTsa, TestPki

pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None, reason="the local test TSA needs the openssl command"
)

DATA = b"capture manifest bytes\n"


@pytest.fixture(scope="module")
def module_tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTsa]:
    with LocalTsa.create(tmp_path_factory.mktemp("tsa")) as tsa:
        yield tsa


@pytest.fixture
def tsa(module_tsa: LocalTsa) -> Iterator[LocalTsa]:
    module_tsa.mode = "ok"
    yield module_tsa
    module_tsa.mode = "ok"


@pytest.fixture(scope="module")
def token(module_tsa: LocalTsa) -> TimestampToken:
    return request_timestamp(DATA, module_tsa.url)


@pytest.fixture(scope="module")
def roots(module_tsa: LocalTsa) -> list[bytes]:
    return [module_tsa.pki.root.read_bytes()]


@pytest.fixture(scope="module")
def other_pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return TestPki.create(tmp_path_factory.mktemp("other-pki"), name="Other")


def test_round_trip(token: TimestampToken, module_tsa: LocalTsa, roots: list[bytes]) -> None:
    now = datetime.now(UTC)
    assert token.gen_time.tzinfo is not None
    assert token.gen_time.utcoffset() == timedelta(0)
    assert abs(token.gen_time - now) < timedelta(minutes=1)
    assert token.tsa_url == module_tsa.url
    assert token.message_imprint == hashlib.sha256(DATA).digest()
    assert token.policy == POLICY
    assert token.serial > 0
    assert verify_timestamp(token, DATA, roots=roots) == token.gen_time
    # the stored bytes alone are enough, and so is a DER root
    der_root = module_tsa.pki.root.read_bytes()
    assert verify_timestamp(token.der, DATA, roots=[der_root]) == token.gen_time
    assert TimestampToken.from_der(token.der, tsa_url=token.tsa_url) == token


def test_root_as_der(token: TimestampToken, module_tsa: LocalTsa) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    root = x509.load_pem_x509_certificate(module_tsa.pki.root.read_bytes())
    assert verify_timestamp(token, DATA, roots=[root.public_bytes(Encoding.DER)])


def test_other_data_fails(token: TimestampToken, roots: list[bytes]) -> None:
    with pytest.raises(TimestampError, match="the data's SHA-256 is"):
        verify_timestamp(token, DATA + b"!", roots=roots)


def test_other_ca_fails_although_the_token_carries_its_root(
    token: TimestampToken, other_pki: TestPki
) -> None:
    # Intact but issued under a root that was not given: untrusted, never called tampered.
    with pytest.raises(TimestampUntrusted, match="intact") as info:
        verify_timestamp(token, DATA, roots=[other_pki.root.read_bytes()])
    assert info.value.exit_code == 4
    assert info.value.hint and "--tsa-ca" in info.value.hint
    assert "ErrorStack" not in info.value.message


def test_the_system_bundle_does_not_vouch_for_a_private_tsa(token: TimestampToken) -> None:
    """The README's case: a TSA whose root is not in the machine's CA bundle."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        roots = tsa_roots_from_env(system=True)
        with pytest.raises(TimestampUntrusted):
            verify_timestamp(token, DATA, roots=roots)
    assert not [w for w in caught if "Cryptography" in w.category.__name__]


@pytest.mark.parametrize("tamper", ["signature", "gen_time"])
def test_a_tampered_token_is_invalid_whatever_the_roots(
    token: TimestampToken, roots: list[bytes], other_pki: TestPki, tamper: str
) -> None:
    der = (
        _flip_last_byte(token.der)
        if tamper == "signature"
        else _backdate(token.der, token.gen_time)
    )
    for given in (roots, [other_pki.root.read_bytes()]):
        with pytest.raises(TimestampError) as info:
            verify_timestamp(der, DATA, roots=given)
        assert not isinstance(info.value, TimestampUntrusted)
        assert "ErrorStack" not in info.value.message


def _flip_last_byte(der: bytes) -> bytes:
    return der[:-1] + bytes([der[-1] ^ 0x01])  # the end of the SignerInfo's signature


def _backdate(der: bytes, gen_time: datetime) -> bytes:
    """The token with genTime an hour earlier (still within the TSA certificate's validity)."""
    stamp = gen_time.strftime("%Y%m%d%H%M%S").encode()
    assert der.count(stamp) == 1
    earlier = (gen_time - timedelta(hours=1)).strftime("%Y%m%d%H%M%S").encode()
    return der.replace(stamp, earlier)


@pytest.mark.parametrize("tamper", ["signature", "gen_time", "truncated"])
def test_tampered_token_fails(token: TimestampToken, roots: list[bytes], tamper: str) -> None:
    if tamper == "signature":
        der = _flip_last_byte(token.der)
    elif tamper == "gen_time":
        der = _backdate(token.der, token.gen_time)
    else:
        der = token.der[:-10]
    with pytest.raises(TimestampError):
        verify_timestamp(der, DATA, roots=roots)


def test_record_changed_after_stamp_fails(token: TimestampToken, roots: list[bytes]) -> None:
    from dataclasses import replace

    edited = replace(token, gen_time=token.gen_time - timedelta(days=1))
    with pytest.raises(TimestampError, match="recorded time"):
        verify_timestamp(edited, DATA, roots=roots)


def test_bad_roots(token: TimestampToken) -> None:
    with pytest.raises(TimestampError, match="no root certificate"):
        verify_timestamp(token, DATA, roots=[])
    with pytest.raises(TimestampError, match="neither a PEM nor a DER"):
        verify_timestamp(token, DATA, roots=[b"not a certificate"])


def test_unreachable_tsa() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TsaUnreachable, match="could not be reached"):
        request_timestamp(DATA, f"http://127.0.0.1:{port}/tsa", timeout=2)


def test_server_error_is_try_later(tsa: LocalTsa) -> None:
    tsa.mode = "error"
    with pytest.raises(TsaUnreachable, match="HTTP 500"):
        request_timestamp(DATA, tsa.url)


def test_hanging_tsa_times_out(tmp_path: Path) -> None:
    with LocalTsa.create(tmp_path) as tsa:
        tsa.mode = "hang"
        with pytest.raises(TsaUnreachable, match="ReadTimeout"):
            request_timestamp(DATA, tsa.url, timeout=0.5)


def test_rejection(tsa: LocalTsa) -> None:
    tsa.mode = "rejected"
    with pytest.raises(TimestampError, match=r"did not grant.*rejection") as info:
        request_timestamp(DATA, tsa.url)
    assert not isinstance(info.value, TsaUnreachable)


def test_garbage_reply(tsa: LocalTsa) -> None:
    tsa.mode = "garbage"
    with pytest.raises(TimestampError, match="not a DER RFC 3161 TimeStampResp"):
        request_timestamp(DATA, tsa.url)


def _client(handler: httpx.MockTransport) -> httpx.Client:
    return httpx.Client(transport=handler)


def test_wrong_content_type_and_http_4xx(tsa: LocalTsa) -> None:
    def html(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, html="<p>hello</p>")

    def not_found(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="no")

    expected = "text/html, not application/timestamp-reply"
    client = _client(httpx.MockTransport(html))
    with client, pytest.raises(TimestampError, match=expected):
        request_timestamp(DATA, "http://tsa.test/", client=client)
    with _client(httpx.MockTransport(not_found)) as client:
        with pytest.raises(TimestampError, match="HTTP 404") as info:
            request_timestamp(DATA, "http://tsa.test/", client=client)
        assert not isinstance(info.value, TsaUnreachable)


def _reply(tsa: LocalTsa, query: bytes) -> httpx.Response:
    headers = {"Content-Type": "application/timestamp-reply"}
    return httpx.Response(200, content=tsa.reply(query), headers=headers)


def test_nonce_mismatch(tsa: LocalTsa) -> None:
    def replay(request: httpx.Request) -> httpx.Response:
        fresh = TimestampRequestBuilder().data(DATA).hash_algorithm(HashAlgorithm.SHA256).build()
        return _reply(tsa, fresh.as_bytes())  # same data, another nonce

    client = _client(httpx.MockTransport(replay))
    with client, pytest.raises(TimestampError, match="nonce"):
        request_timestamp(DATA, "http://tsa.test/", client=client)


def test_imprint_mismatch(tsa: LocalTsa) -> None:
    def other_data(request: httpx.Request) -> httpx.Response:
        query = request.content
        digest = hashlib.sha256(DATA).digest()
        assert query.count(digest) == 1
        return _reply(tsa, query.replace(digest, hashlib.sha256(b"other").digest()))

    client = _client(httpx.MockTransport(other_data))
    with client, pytest.raises(TimestampError, match="not the SHA-256"):
        request_timestamp(DATA, "http://tsa.test/", client=client)


def test_empty_data_and_bad_url() -> None:
    with pytest.raises(TimestampError, match="empty"):
        request_timestamp(b"", "http://127.0.0.1:9/")
    with pytest.raises(TimestampError, match="not a usable TSA URL"):
        request_timestamp(DATA, "ftp://tsa.example/")


def test_tsa_urls_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_TSA_URLS, raising=False)
    assert tsa_urls_from_env() == ()
    monkeypatch.setenv(ENV_TSA_URLS, " https://a.example/tsr , ,http://b.example/ ")
    assert tsa_urls_from_env() == ("https://a.example/tsr", "http://b.example/")
    monkeypatch.setenv(ENV_TSA_URLS, "a.example")
    with pytest.raises(UsageError, match="not an http"):
        tsa_urls_from_env()


def test_error_tree() -> None:
    assert issubclass(TsaUnreachable, TimestampError)
    assert issubclass(TimestampError, PostproofError)
    assert TimestampError.exit_code == TsaUnreachable.exit_code == 4


# --- the third party's check: plain openssl, no postproof ---------------------------------------


def _openssl(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)


@pytest.fixture
def files(token: TimestampToken, tmp_path: Path) -> tuple[Path, Path]:
    token_path, data_path = tmp_path / "capture.tsr", tmp_path / "capture.bin"
    token_path.write_bytes(token.der)
    data_path.write_bytes(DATA)
    return token_path, data_path


def test_openssl_accepts_the_stored_token(
    files: tuple[Path, Path], module_tsa: LocalTsa, token: TimestampToken
) -> None:
    token_path, data_path = files
    command = openssl_verify_command(token_path, data_path, module_tsa.pki.root)
    assert command[:3] == ["openssl", "ts", "-verify"]
    result = _openssl(command)
    assert result.returncode == 0, result.stderr
    assert "Verification: OK" in result.stdout
    at = openssl_verify_command(
        token_path,
        data_path,
        module_tsa.pki.root,
        untrusted=module_tsa.pki.intermediate,
        at=token.gen_time,
    )
    assert "-attime" in at and "-untrusted" in at
    assert _openssl(at).returncode == 0


def test_openssl_rejects_other_data_and_other_ca(
    files: tuple[Path, Path], module_tsa: LocalTsa, other_pki: TestPki, tmp_path: Path
) -> None:
    token_path, _ = files
    other = tmp_path / "other.bin"
    other.write_bytes(DATA + b"!")
    result = _openssl(openssl_verify_command(token_path, other, module_tsa.pki.root))
    assert result.returncode != 0
    assert "Verification: FAILED" in result.stdout
    data_path = files[1]
    assert _openssl(openssl_verify_command(token_path, data_path, other_pki.root)).returncode != 0
