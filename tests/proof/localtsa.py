"""A local RFC 3161 Time-Stamp Authority for tests: ``openssl ts -reply`` behind a loopback server.

The PKI is a self-signed root, an intermediate CA and a TSA certificate (extendedKeyUsage critical
``timeStamping``), like a commercial TSA. The TSA includes the intermediate *and the root* in each
token (``-chain``), as many real TSAs do, so a verifier that trusted the token's own certificates
would accept any token; the tests pin that it does not.

Usage::

    with LocalTsa.create(tmp_path) as tsa:
        token = request_timestamp(b"data", tsa.url)
        tsa.mode = "error"  # or "hang", "garbage", "rejected"
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal, Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

Mode = Literal["ok", "error", "hang", "garbage", "rejected"]
POLICY = "1.2.3.4.1"
# How long a "hang" response holds the request; stop() releases it at once.
HANG_SECONDS = 30.0


@dataclass(frozen=True)
class TestPki:
    """Paths of one PKI written to a directory (PEM files)."""

    __test__ = False  # not a pytest test class

    root: Path
    intermediate: Path
    tsa_cert: Path
    tsa_key: Path
    chain: Path  # intermediate + root, included in every token

    @classmethod
    def create(cls, directory: Path, name: str = "Postproof Test") -> TestPki:
        directory.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        root_key = ec.generate_private_key(ec.SECP256R1())
        root = _cert(f"{name} Root CA", root_key, None, root_key, now, ca=True)
        inter_key = ec.generate_private_key(ec.SECP256R1())
        inter = _cert(f"{name} Intermediate CA", inter_key, root, root_key, now, ca=True)
        tsa_key = ec.generate_private_key(ec.SECP256R1())
        tsa = _cert(f"{name} TSA", tsa_key, inter, inter_key, now, ca=False)
        pki = cls(
            root=directory / "root.pem",
            intermediate=directory / "intermediate.pem",
            tsa_cert=directory / "tsa.pem",
            tsa_key=directory / "tsa.key",
            chain=directory / "chain.pem",
        )
        pki.root.write_bytes(root.public_bytes(Encoding.PEM))
        pki.intermediate.write_bytes(inter.public_bytes(Encoding.PEM))
        pki.tsa_cert.write_bytes(tsa.public_bytes(Encoding.PEM))
        pki.tsa_key.write_bytes(
            tsa_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        )
        pki.chain.write_bytes(pki.intermediate.read_bytes() + pki.root.read_bytes())
        return pki


def _cert(
    common_name: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    now: datetime,
    *,
    ca: bool,
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    if ca:
        usage = x509.KeyUsage(
            digital_signature=False,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=True,
            crl_sign=True,
            encipher_only=False,
            decipher_only=False,
        )
    else:
        usage = x509.KeyUsage(
            digital_signature=True,
            content_commitment=True,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        )
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    builder = builder.add_extension(usage, critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _openssl_config(pki: TestPki, directory: Path) -> Path:
    serial = directory / "serial"
    serial.write_text("01\n")
    config = directory / "tsa.cnf"
    config.write_text(
        "[tsa]\n"
        "default_tsa = tsa_config\n"
        "\n"
        "[tsa_config]\n"
        f"serial = {serial}\n"
        "crypto_device = builtin\n"
        f"signer_cert = {pki.tsa_cert}\n"
        f"certs = {pki.chain}\n"
        f"signer_key = {pki.tsa_key}\n"
        "signer_digest = sha256\n"
        f"default_policy = {POLICY}\n"
        "digests = sha256, sha512\n"
        "accuracy = secs:1, millisecs:500, microsecs:100\n"
        "clock_precision_digits = 0\n"
        "ordering = no\n"
        "tsa_name = yes\n"
        "ess_cert_id_chain = no\n"
        "ess_cert_id_alg = sha256\n"
    )
    return config


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that timed out closed the socket; the tests assert on the client side


@dataclass
class LocalTsa:
    """An HTTP TSA on 127.0.0.1 (port 0); set :attr:`mode` to make it misbehave."""

    pki: TestPki
    config: Path
    workdir: Path
    mode: Mode = "ok"
    requests: int = 0
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, directory: Path) -> LocalTsa:
        pki = TestPki.create(directory / "pki")
        return cls(pki=pki, config=_openssl_config(pki, directory), workdir=directory)

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the TSA first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/tsa"

    def start(self) -> None:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, content_type, reply = tsa._answer(body, self.headers.get("Content-Type"))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._release.clear()
        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, query: bytes, content_type: str | None) -> tuple[int, str, bytes]:
        self.requests += 1
        if self.mode == "hang":
            self._release.wait(HANG_SECONDS)
            return 503, "text/plain", b"released\n"
        if self.mode == "error":
            return 500, "text/plain", b"internal error\n"
        if self.mode == "garbage":
            return 200, "application/timestamp-reply", b"\x30\x03not a response"
        if content_type != "application/timestamp-query":
            return 415, "text/plain", b"expected application/timestamp-query\n"
        if self.mode == "rejected":
            query = b"\x30\x00"  # openssl answers an unparsable request with status rejection
        return 200, "application/timestamp-reply", self.reply(query)

    def reply(self, query: bytes) -> bytes:
        """The DER TimeStampResp that ``openssl ts -reply`` gives for the DER ``query``."""
        with self._lock, tempfile.TemporaryDirectory(dir=self.workdir) as tmp:
            request, response = Path(tmp) / "request.tsq", Path(tmp) / "response.tsr"
            request.write_bytes(query)
            subprocess.run(
                [
                    *("openssl", "ts", "-reply", "-config", str(self.config)),
                    *("-queryfile", str(request), "-chain", str(self.pki.chain)),
                    *("-out", str(response)),
                ],
                check=True,
                capture_output=True,
                timeout=10,
            )
            return response.read_bytes()
