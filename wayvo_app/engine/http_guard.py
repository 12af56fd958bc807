"""The HTTP client of workflow steps: refuses loopback, private, link-local and metadata addresses
(contract §4) on every request and redirect, pins the checked address, and caps response sizes.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpx

from wayvo_app.core.errors import StepError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_ALLOW_HINT = "set WAYVO_HTTP_ALLOW_PRIVATE=true or list the host in WAYVO_HTTP_ALLOWED_HOSTS to allow it"


def refused_reason(address: str | IPAddress) -> str | None:
    """Why an address may not be contacted ("loopback", "private", ...), or None if it is public."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    for embedded in _embedded_ipv4(ip):
        reason = refused_reason(embedded)
        if reason:
            return reason
    if isinstance(ip, ipaddress.IPv6Address) and ip in _NAT64:
        return None  # judged by the IPv4 address it embeds, above
    checks = (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("non-public", not ip.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def _embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found = [ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None]
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [address for address in found if address is not None]


def host_allowed(host: str, settings: Any) -> bool:
    """True when the settings let this host through without an address check."""
    if getattr(settings, "http_allow_private", False):
        return True
    name = _normal_host(host)
    return any(_normal_host(entry) == name for entry in getattr(settings, "http_allowed_hosts", ()) or ())


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def check_addresses(host: str, addresses: Iterable[str], settings: Any) -> list[str]:
    """The addresses, if every one is allowed; else a non-retryable StepError naming host and address."""
    checked = list(dict.fromkeys(addresses))
    if host_allowed(host, settings):
        return checked
    allowed_networks = _allowed_networks(settings)
    for address in checked:
        ip = ipaddress.ip_address(address)
        reason = refused_reason(ip)
        if reason and not any(ip in network for network in allowed_networks):
            raise StepError(
                f'Refusing to connect to "{host}": it resolves to {address}, a {reason} address '
                f"({_ALLOW_HINT})",
                retryable=False,
            )
    return checked


def _allowed_networks(settings: Any) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Entries of the allowed-host list written as addresses or networks (10.0.0.0/8)."""
    networks = []
    for entry in getattr(settings, "http_allowed_hosts", ()) or ():
        try:
            networks.append(ipaddress.ip_network(_normal_host(entry), strict=False))
        except ValueError:
            continue
    return networks


async def resolve(host: str, port: int) -> list[str]:
    """Every address of `host` (a literal address is returned as it is); resolved off the event loop."""
    name = _normal_host(host)
    try:
        return [str(ipaddress.ip_address(name))]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise StepError(f'Could not resolve host "{host}": {exc}', retryable=True) from exc
    addresses = [info[4][0].split("%", 1)[0] for info in infos]  # drop IPv6 zone ids
    if not addresses:
        raise StepError(f'Could not resolve host "{host}": no addresses', retryable=True)
    return addresses


async def check_host(host: str, settings: Any, port: int = 443) -> list[str]:
    """The host's addresses after checking them all ([] when the settings skip the check)."""
    if host_allowed(host, settings):
        return []
    return check_addresses(host, await resolve(host, port), settings)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """Checks each request's host (redirects included), connects to the checked address, caps bodies."""

    def __init__(self, settings: Any, *, max_bytes: int = DEFAULT_MAX_BYTES, **kwargs: Any):
        super().__init__(**kwargs)
        self.settings = settings
        self.max_bytes = max_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https") or not url.host:
            raise StepError(f"Unsupported URL {url}: expected http:// or https://", retryable=False)
        port = url.port or (443 if url.scheme == "https" else 80)
        addresses = await check_host(url.raw_host.decode("ascii"), self.settings, port)
        if addresses:
            request = pinned_request(request, addresses[0])
        response = await super().handle_async_request(request)
        limited = LimitedStream(response.stream, self.max_bytes, url.host)
        return httpx.Response(response.status_code, headers=response.headers, stream=limited,
                              extensions=response.extensions)


def pinned_request(request: httpx.Request, address: str) -> httpx.Request:
    """The request sent to the checked address, so a second DNS answer cannot swap it (rebinding);
    the Host header and TLS server name stay the original host."""
    if _normal_host(request.url.host) == address:
        return request
    extensions = dict(request.extensions)
    if request.url.scheme == "https":
        extensions.setdefault("sni_hostname", request.url.raw_host.decode("ascii"))
    return httpx.Request(request.method, request.url.copy_with(host=address), headers=request.headers,
                         stream=request.stream, extensions=extensions)


class LimitedStream(httpx.AsyncByteStream):
    """A response stream that fails once more than `max_bytes` arrived."""

    def __init__(self, inner: Any, max_bytes: int, host: str):
        self.inner, self.max_bytes, self.host = inner, max_bytes, host

    async def __aiter__(self) -> AsyncIterator[bytes]:
        received = 0
        async for chunk in self.inner:
            received += len(chunk)
            if received > self.max_bytes:
                raise too_large(self.host, self.max_bytes)
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


def too_large(host: str, max_bytes: int) -> StepError:
    return StepError(f'The response from "{host}" is larger than {max_bytes} bytes', retryable=False)


async def read_limited(response: httpx.Response, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The decoded body of a streamed response, failing once it passes `max_bytes`; closes it."""
    host = _host_of(response)
    try:
        length = int(response.headers.get("content-length", "0"))
    except ValueError:
        length = 0
    if length > max_bytes and _method_of(response) != "HEAD":
        await response.aclose()
        raise too_large(host, max_bytes)
    chunks, received = [], 0
    try:
        async for chunk in response.aiter_bytes():
            received += len(chunk)
            if received > max_bytes:
                raise too_large(host, max_bytes)
            chunks.append(chunk)
    finally:
        await response.aclose()
    return b"".join(chunks)


def _host_of(response: httpx.Response) -> str:
    try:
        return response.request.url.host
    except RuntimeError:  # a response built without a request
        return "the server"


def _method_of(response: httpx.Response) -> str:
    try:
        return response.request.method
    except RuntimeError:
        return "GET"


def make_http_client(settings: Any, *, timeout: float = 30.0,
                     max_bytes: int = DEFAULT_MAX_BYTES) -> httpx.AsyncClient:
    """An AsyncClient whose every request (and redirect) passes the address check."""
    return httpx.AsyncClient(
        transport=GuardedTransport(settings, max_bytes=max_bytes),
        timeout=httpx.Timeout(timeout),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        trust_env=False,
    )
