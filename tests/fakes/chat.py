"""A fake group-bot webhook: real HTTP on 127.0.0.1, records every request, and
can be told to fail a number of times before it recovers."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    body: dict


@dataclass
class FakeChat:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    # Answer `failure_status` (with `failure_body`) to this many requests before answering success.
    failures: int = 0
    failure_status: int = 503
    failure_body: dict = field(default_factory=lambda: {"error": "unavailable"})
    # What a successful request gets back (each provider has its own shape).
    success: dict = field(default_factory=lambda: {"code": 0, "msg": "success"})


class _Handler(BaseHTTPRequestHandler):
    fake: FakeChat

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        parts = urlsplit(self.path)
        self.fake.received.append(Received(parts.path, parse_qs(parts.query), body))
        if self.fake.failures > 0:
            self.fake.failures -= 1
            self._answer(self.fake.failure_status, self.fake.failure_body)
        else:
            self._answer(200, self.fake.success)

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args) -> None:
        pass


def serve():
    """Context manager: a running fake chat server."""
    fake = FakeChat()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return _Running(server, thread, fake)


class _Running:
    def __init__(self, server, thread, fake):
        self.server, self.thread, self.fake = server, thread, fake

    def __enter__(self) -> FakeChat:
        return self.fake

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
