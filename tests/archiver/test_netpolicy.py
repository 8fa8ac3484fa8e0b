import asyncio

import pytest

from archiver.errors import UsageError
from archiver.netpolicy import NetPolicy, is_public, parse_host_map


def test_parse_host_map_accepts_ipv4_and_ipv6() -> None:
    mapping = parse_host_map(["X.com=127.0.0.1:8443", "bsky.app=[::1]:9000"])
    assert str(mapping["x.com"]) == "127.0.0.1:8443"
    assert str(mapping["bsky.app"]) == "[::1]:9000"


@pytest.mark.parametrize(
    "entry", ["x.com", "x.com=", "x.com=localhost:80", "x.com=1.2.3.4:0", "=1.2.3.4:5"]
)
def test_parse_host_map_rejects_malformed_entries(entry: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_host_map([entry])
    assert "--host-map" in caught.value.message


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.0.0.8", False),
        ("192.168.1.1", False),
        ("172.16.5.4", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert is_public(address) is public


def test_mapped_host_counts_as_its_mapped_address() -> None:
    policy = NetPolicy(host_map=parse_host_map(["x.com=127.0.0.1:9"]))
    verdict = asyncio.run(policy.check_host("x.com"))
    assert not verdict.allowed
    assert (
        verdict.reason is not None
        and "127.0.0.1" in verdict.reason
        and "--allow-private" in verdict.reason
    )
    allowed = asyncio.run(
        NetPolicy(host_map=policy.host_map, allow_private=True).check_host("x.com")
    )
    assert allowed.allowed


def test_ip_literals_are_checked_without_dns() -> None:
    verdict = asyncio.run(NetPolicy().check_host("169.254.169.254"))
    assert not verdict.allowed
