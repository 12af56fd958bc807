"""A loopback HTTP server that counts requests and remembers their Idempotency-Key headers."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CountingServer:
    def __init__(self, delay_first: float = 0.0):
        self.calls: list[str | None] = []
        self.delay_first = delay_first
        self.first_seen = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                outer.calls.append(self.headers.get("Idempotency-Key"))
                if len(outer.calls) == 1 and outer.delay_first:
                    outer.first_seen.set()
                    time.sleep(outer.delay_first)
                body = json.dumps({"ok": True, "n": len(outer.calls)}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/charge"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
