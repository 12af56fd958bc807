"""A lean HTTP/1.1 client for the load generators: keep-alive connections over asyncio streams, the
request written as one buffer, the response read by Content-Length (or chunks). The load test's
generator shares the 2 cores with the servers it measures; httpx costs ~2.5-3 ms of CPU a request
there (its pool, models and URL handling), this ~0.3 ms, so the servers keep the CPU they would
have against real clients. It speaks only what the API answers (no redirects, no compression,
no TLS) and raises httpx's exception types, so callers handle errors as they would with httpx.

    async with LeanClient("127.0.0.1", port, headers={"Authorization": "Bearer ..."}, timeout=10) as client:
        r = await client.post("/api/...", json={...}, headers={"Idempotency-Key": "k"})
        r.status_code, r.json()
"""

from __future__ import annotations

import asyncio
import json as jsonlib
from typing import Any

import httpx


class LeanResponse:
    __slots__ = ("status_code", "content")

    def __init__(self, status_code: int, content: bytes):
        self.status_code, self.content = status_code, content

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class _Connection:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        self.writer.close()


class LeanClient:
    """One connection per request in flight (callers bound their concurrency): an idle one is
    reused (last in, first out), a new one opened when none is idle."""

    def __init__(self, host: str, port: int, *, headers: dict[str, str] | None = None, timeout: float = 10.0):
        self.host, self.port, self.timeout = host, port, timeout
        self._headers = {k.lower(): v for k, v in {"Host": f"{host}:{port}", **(headers or {})}.items()}
        self._common = self._lines(self._headers)
        self._idle: list[_Connection] = []

    async def __aenter__(self) -> LeanClient:
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        while self._idle:
            self._idle.pop().close()

    async def get(self, path: str, headers: dict[str, str] | None = None) -> LeanResponse:
        return await self.request("GET", path, b"", headers)

    async def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None) -> LeanResponse:
        body = b"" if json is None else jsonlib.dumps(json).encode()
        extra = {"Content-Type": "application/json", **(headers or {})} if json is not None else headers
        return await self.request("POST", path, body, extra)

    async def request(self, method: str, path: str, body: bytes, headers: dict[str, str] | None) -> LeanResponse:
        lines = self._lines({**self._headers, **{k.lower(): v for k, v in headers.items()}}) if headers else self._common
        head = f"{method} {path} HTTP/1.1\r\n{lines}"
        data = (head + f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1") + body
        try:
            async with asyncio.timeout(self.timeout):
                conn = await self._connection()
                try:
                    conn.writer.write(data)
                    response, keep = await self._read(conn.reader)
                except BaseException:
                    self._discard(conn)
                    raise
        except TimeoutError:
            raise httpx.ReadTimeout(f"no response in {self.timeout:g} s") from None
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            raise httpx.ReadError(f"{type(exc).__name__}: {exc}") from exc
        if keep:
            self._idle.append(conn)
        else:
            self._discard(conn)
        return response

    @staticmethod
    def _lines(headers: dict[str, str]) -> str:
        """Header lines; a request's own headers replace the client's of the same name (as httpx)."""
        return "".join(f"{k}: {v}\r\n" for k, v in headers.items())

    async def _connection(self) -> _Connection:
        if self._idle:
            return self._idle.pop()
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise httpx.ConnectError(str(exc)) from exc
        return _Connection(reader, writer)

    @staticmethod
    def _discard(conn: _Connection) -> None:
        conn.close()

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> tuple[LeanResponse, bool]:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, chunked, keep = None, False, True
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value.lower()
            elif name == "connection":
                keep = "close" not in value.lower()
        if chunked:
            parts = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")  # no trailers expected
                    break
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            return LeanResponse(status, b"".join(parts)), keep
        if length is None:  # read to the end of the connection
            return LeanResponse(status, await reader.read()), False
        return LeanResponse(status, await reader.readexactly(length)), keep
