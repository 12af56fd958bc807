"""The outbound HTTP guard: which addresses are refused, what the settings allow, body size caps."""

from types import SimpleNamespace

import httpx
import pytest

from wayvo_app.core.errors import StepError
from wayvo_app.engine.http_guard import (
    check_addresses,
    check_host,
    make_http_client,
    pinned_request,
    read_limited,
    refused_reason,
)

STRICT = SimpleNamespace(http_allow_private=False, http_allowed_hosts=())


def settings(allow_private=False, hosts=()):
    return SimpleNamespace(http_allow_private=allow_private, http_allowed_hosts=tuple(hosts))


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.251", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
        ("::ffff:127.0.0.1", "loopback"),
        ("64:ff9b::a00:1", "private"),
        ("93.184.216.34", None),
        ("2606:2800:220:1::1", None),
        ("64:ff9b::5db8:d822", None),
    ],
)
def test_refused_reason(address, reason):
    assert refused_reason(address) == reason


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", None),
        ("10.0.0.5", "10.0.0.5"),
        ("169.254.169.254", "169.254.169.254"),
        ("[::1]", "::1"),
    ],
)
async def test_private_hosts_are_refused(host, address):
    with pytest.raises(StepError) as caught:
        await check_host(host, STRICT, 80)
    message = caught.value.message
    assert caught.value.retryable is False
    assert f'"{host}"' in message and "WAYVO_HTTP_ALLOW_PRIVATE" in message
    if address:
        assert f"resolves to {address}," in message


async def test_settings_allow_private_hosts():
    assert await check_host("127.0.0.1", settings(allow_private=True)) == []
    assert await check_host("LocalHost.", settings(hosts=["localhost"])) == []
    assert await check_host("10.0.0.5", settings(hosts=["10.0.0.0/8"])) == ["10.0.0.5"]
    with pytest.raises(StepError):
        await check_host("10.0.0.5", settings(hosts=["other.example"]))


async def test_a_public_address_passes():
    assert await check_host("93.184.216.34", STRICT) == ["93.184.216.34"]


def test_every_address_of_a_host_is_checked():
    with pytest.raises(StepError, match='"api.example.com": it resolves to 10.0.0.7, a private address'):
        check_addresses("api.example.com", ["93.184.216.34", "10.0.0.7"], STRICT)


async def test_the_client_refuses_before_connecting():
    async with make_http_client(STRICT) as client:
        with pytest.raises(StepError, match="169.254.169.254"):
            await client.get("http://169.254.169.254/latest/meta-data/")
        with pytest.raises(StepError, match="Unsupported URL"):
            await client.get("ftp://93.184.216.34/file")


def test_pinned_request_keeps_host_header_and_tls_name():
    request = httpx.Request("POST", "https://api.example.com:8443/x?y=1", content=b"{}")
    pinned = pinned_request(request, "93.184.216.34")
    assert str(pinned.url) == "https://93.184.216.34:8443/x?y=1"
    assert pinned.headers["host"] == "api.example.com:8443"
    assert pinned.extensions["sni_hostname"] == "api.example.com"
    assert pinned_request(httpx.Request("GET", "http://93.184.216.34/"), "93.184.216.34").url.host == "93.184.216.34"


async def test_read_limited_caps_the_body():
    request = httpx.Request("GET", "http://93.184.216.34/")
    small = httpx.Response(200, content=b"x" * 10, request=request)
    assert await read_limited(small, 10) == b"x" * 10
    declared = httpx.Response(200, content=b"x" * 11, request=request)
    with pytest.raises(StepError, match="larger than 10 bytes"):
        await read_limited(declared, 10)

    async def chunks():
        for _ in range(5):
            yield b"y" * 4

    streamed = httpx.Response(200, content=chunks(), request=request)  # no Content-Length
    with pytest.raises(StepError, match='from "93.184.216.34" is larger than 10 bytes'):
        await read_limited(streamed, 10)
