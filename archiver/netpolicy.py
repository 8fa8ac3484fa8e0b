"""Where the browser may go: host mapping (like curl's ``--connect-to``) and the rule that
refuses private, loopback and link-local addresses unless explicitly allowed."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from archiver.errors import UsageError

ALLOWED_SCHEMES = frozenset({"http", "https", "data", "blob", "about", "ws", "wss"})


@dataclass(frozen=True)
class HostTarget:
    address: str
    port: int

    def __str__(self) -> str:
        shown = f"[{self.address}]" if ":" in self.address else self.address
        return f"{shown}:{self.port}"


def parse_host_map(entries: Iterable[str]) -> dict[str, HostTarget]:
    """Parse ``HOST=ADDRESS:PORT`` entries (IPv6 as ``[::1]:8080``)."""
    mapping: dict[str, HostTarget] = {}
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        host, sep, target = entry.partition("=")
        host = host.strip().lower().rstrip(".")
        if not sep or not host or not target:
            raise UsageError(
                f"--host-map expects HOST=ADDRESS:PORT, got {entry!r}.",
                hint="For example: --host-map x.com=127.0.0.1:8443",
            )
        address, _, port_text = target.strip().rpartition(":")
        address = address.strip("[]")
        try:
            ipaddress.ip_address(address)
            port = int(port_text)
        except ValueError as exc:
            raise UsageError(
                f"--host-map target {target!r} for {host} is not ADDRESS:PORT with an IP address.",
                hint="For example: --host-map x.com=127.0.0.1:8443",
            ) from exc
        if not 0 < port < 65536:
            raise UsageError(f"--host-map port {port} for {host} is out of range.")
        mapping[host] = HostTarget(address, port)
    return mapping


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    addresses: tuple[str, ...]
    reason: str | None = None


@dataclass
class NetPolicy:
    """Decides, per host, whether the browser may connect. Decisions are cached for a run."""

    host_map: Mapping[str, HostTarget] = field(default_factory=dict)
    allow_private: bool = False
    # Hosts a user vouches for (an intranet mirror): allowed on private addresses, alone.
    allow_private_hosts: frozenset[str] = frozenset()
    dns_timeout: float = 10.0
    _cache: dict[str, Verdict] = field(default_factory=dict, repr=False)

    async def check_host(self, host: str) -> Verdict:
        host = host.lower().rstrip(".")
        cached = self._cache.get(host)
        if cached is not None:
            return cached
        verdict = await self._decide(host)
        # A DNS failure is not cached: the next capture may succeed.
        if verdict.allowed or verdict.addresses:
            self._cache[host] = verdict
        return verdict

    async def _decide(self, host: str) -> Verdict:
        addresses = await self.resolve(host)
        if not addresses:
            return Verdict(True, ())  # let the browser report the DNS failure itself
        if self.allow_private or host in self.allow_private_hosts:
            return Verdict(True, addresses)
        private = [a for a in addresses if not is_public(a)]
        if private:
            mapped = " (through --host-map)" if host in self.host_map else ""
            return Verdict(
                False,
                addresses,
                f"{host} resolves to the non-public address {private[0]}{mapped}; postproof "
                "refuses private, loopback and link-local addresses unless --allow-private "
                "(or POSTPROOF_ALLOW_PRIVATE=1) is given",
            )
        return Verdict(True, addresses)

    async def resolve(self, host: str) -> tuple[str, ...]:
        target = self.host_map.get(host)
        if target is not None:
            return (target.address,)
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            pass
        else:
            return (host.strip("[]"),)
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), self.dns_timeout
            )
        except (OSError, TimeoutError, UnicodeError):
            return ()
        return tuple(dict.fromkeys(str(info[4][0]) for info in infos))
