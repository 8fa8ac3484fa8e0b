"""The network gate: a SOCKS5 proxy on loopback through which one capture's browser context
reaches the web.

Why a proxy rather than request interception: Playwright's request routing does not see the
hops of a redirect, so a page could bounce the browser onto a private address unseen. Every
connection the browser opens, for any frame, worker, redirect hop or websocket, comes through
here as "connect to HOST:PORT": the gate applies the host map, resolves the name once, refuses
non-public addresses (unless allowed), connects to exactly the address it checked (no DNS
rebinding), counts bytes against the capture's budget, and logs each connection for the record.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import struct
from dataclasses import dataclass, field

from archiver.netpolicy import NetPolicy

log = logging.getLogger("postproof.gate")

SOCKS_VERSION = 5
REPLY_OK, REPLY_FAILURE, REPLY_NOT_ALLOWED = 0x00, 0x01, 0x02
REPLY_NET_UNREACHABLE, REPLY_HOST_UNREACHABLE, REPLY_REFUSED = 0x03, 0x04, 0x05
REPLY_BAD_COMMAND, REPLY_BAD_ADDRESS = 0x07, 0x08
CHUNK = 64 * 1024


@dataclass
class Connection:
    """One connection the browser asked for, and what became of it."""

    host: str
    port: int
    address: str | None = None
    blocked: str | None = None
    error: str | None = None
    bytes_in: int = 0
    bytes_out: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "host": self.host,
            "port": self.port,
            "address": self.address,
            "blocked": self.blocked,
            "error": self.error,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
        }


@dataclass
class Gate:
    policy: NetPolicy
    max_bytes: int
    connect_timeout: float = 15.0
    connections: list[Connection] = field(default_factory=list)
    bytes_in: int = 0
    over_budget: bool = False
    spent: asyncio.Event = field(default_factory=asyncio.Event)  # set with over_budget
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def proxy_url(self) -> str:
        assert self._server is not None, "start the gate first"
        port = self._server.sockets[0].getsockname()[1]
        return f"socks5://127.0.0.1:{port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(OSError):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    def address_of(self, host: str) -> str | None:
        """The address the gate connected to for ``host`` (the first successful connection)."""
        host = host.lower()
        return next((c.address for c in self.connections if c.host == host and c.address), None)

    def refusal_for(self, host: str) -> str | None:
        host = host.lower()
        return next((c.blocked for c in self.connections if c.host == host and c.blocked), None)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            await self._serve(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError, OSError) as exc:
            log.debug("gate connection ended: %s", exc)
        except asyncio.CancelledError:
            # Only close() cancels a connection handler; asyncio's stream server would log a
            # cancelled handler as an error, so the handler ends normally instead.
            log.debug("gate connection to be closed")
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        if version != SOCKS_VERSION or 0 not in methods:
            writer.write(bytes((SOCKS_VERSION, 0xFF)))
            return
        writer.write(bytes((SOCKS_VERSION, 0)))
        version, command, _, kind = await reader.readexactly(4)
        host = await self._read_address(reader, kind)
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        if host is None:
            await self._reply(writer, REPLY_BAD_ADDRESS)
            return
        if command != 1:  # only CONNECT: no BIND, no UDP
            await self._reply(writer, REPLY_BAD_COMMAND)
            return
        record = Connection(host=host.lower(), port=port)
        self.connections.append(record)
        upstream = await self._open(record)
        if upstream is None:
            code = REPLY_NOT_ALLOWED if record.blocked else REPLY_HOST_UNREACHABLE
            await self._reply(writer, code)
            return
        up_reader, up_writer = upstream
        self._writers.add(up_writer)
        try:
            await self._reply(writer, REPLY_OK)
            await asyncio.gather(
                self._pipe(reader, up_writer, record, inbound=False),
                self._pipe(up_reader, writer, record, inbound=True),
            )
        finally:
            self._writers.discard(up_writer)
            up_writer.close()

    async def _open(
        self, record: Connection
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        if self.over_budget:
            record.blocked = "the capture's byte budget is spent"
            return None
        verdict = await self.policy.check_host(record.host)
        if not verdict.allowed:
            record.blocked = verdict.reason
            return None
        if not verdict.addresses:
            record.error = "the host name could not be resolved (DNS)"
            return None
        target = self.policy.host_map.get(record.host)
        port = target.port if target else record.port
        last_error: OSError | TimeoutError | None = None
        for address in verdict.addresses:
            try:
                opened = await asyncio.wait_for(
                    asyncio.open_connection(address, port), self.connect_timeout
                )
            except (OSError, TimeoutError) as exc:
                last_error = exc
                continue
            sock = opened[1].get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            record.address = address
            return opened
        record.error = f"could not connect: {last_error}"
        return None

    async def _pipe(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        record: Connection,
        *,
        inbound: bool,
    ) -> None:
        try:
            while chunk := await source.read(CHUNK):
                if inbound:
                    record.bytes_in += len(chunk)
                    self.bytes_in += len(chunk)
                    if self.bytes_in > self.max_bytes:
                        self.spend_budget()
                        return
                else:
                    record.bytes_out += len(chunk)
                sink.write(chunk)
                await sink.drain()
        except (ConnectionError, OSError) as exc:
            log.debug("gate pipe for %s ended: %s", record.host, exc)
        finally:
            if sink.can_write_eof():
                with contextlib.suppress(OSError):
                    sink.write_eof()

    def spend_budget(self) -> None:
        """Cut every open connection: the page has had all the bytes it may have."""
        self.over_budget = True
        self.spent.set()
        for writer in list(self._writers):
            writer.close()

    @staticmethod
    async def _read_address(reader: asyncio.StreamReader, kind: int) -> str | None:
        if kind == 1:
            return str(ipaddress.IPv4Address(await reader.readexactly(4)))
        if kind == 4:
            return str(ipaddress.IPv6Address(await reader.readexactly(16)))
        if kind == 3:
            (length,) = await reader.readexactly(1)
            raw = await reader.readexactly(length)
            try:
                return raw.decode("ascii").rstrip(".")
            except UnicodeDecodeError:
                return None
        return None

    @staticmethod
    async def _reply(writer: asyncio.StreamWriter, code: int) -> None:
        writer.write(bytes((SOCKS_VERSION, code, 0, 1, 0, 0, 0, 0, 0, 0)))
        await writer.drain()
