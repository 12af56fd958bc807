"""The load generators' lean HTTP/1.1 client (benchmarks/lean_http.py) against a scripted loopback
server: keep-alive reuse, Content-Length and chunked bodies, a closed connection, header override,
httpx's error types."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from benchmarks.lean_http import LeanClient


async def _server(answers: list[bytes], seen: list[bytes]):
    """Answers the n-th request on any connection with answers[n] (then closes if it says so)."""
    count = iter(range(len(answers)))

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                seen.append(head + await reader.readexactly(length))
                answer = answers[next(count)]
                writer.write(answer)
                await writer.drain()
                if b"connection: close" in answer.lower():
                    break
        except (asyncio.IncompleteReadError, StopIteration):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_posts_json_reuses_the_connection_and_reads_both_body_forms():
    seen: list[bytes] = []
    server, port = await _server([
        b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"ok": true}',
        b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n: 1\r\n1\r\n}\r\n0\r\n\r\n",
    ], seen)
    async with server, LeanClient("127.0.0.1", port, headers={"Authorization": "Bearer a"}) as client:
        first = await client.post("/api/x", json={"i": 1}, headers={"Idempotency-Key": "k1"})
        second = await client.post("/api/y", json={"i": 2}, headers={"Authorization": "Bearer b"})
        assert len(client._idle) == 1  # one connection served both
    assert (first.status_code, first.json()) == (200, {"ok": True})
    assert (second.status_code, second.json()) == (404, {"a": 1})
    assert seen[0].startswith(b"POST /api/x HTTP/1.1\r\n") and seen[0].endswith(b'\r\n\r\n{"i": 1}')
    assert b"authorization: Bearer a\r\n" in seen[0] and b"idempotency-key: k1\r\n" in seen[0]
    assert b"authorization: Bearer b\r\n" in seen[1] and b"Bearer a" not in seen[1]  # replaced, not repeated


async def test_a_closed_connection_is_not_reused_and_errors_are_httpx_errors():
    seen: list[bytes] = []
    server, port = await _server([b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"], seen)
    async with server, LeanClient("127.0.0.1", port, timeout=2) as client:
        r = await client.get("/api/health")
        assert r.status_code == 200 and r.json() == {} and client._idle == []
        with pytest.raises(httpx.HTTPError):  # the server has no more answers: it closes at once
            await client.get("/api/health")
    with pytest.raises(httpx.ConnectError):
        await LeanClient("127.0.0.1", port, timeout=2).get("/api/health")
