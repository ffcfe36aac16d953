"""A fake group-bot webhook: real HTTP on 127.0.0.1, records every request, and
can be told to fail a number of times before it recovers.

Told its `provider`, it refuses what the provider refuses, with the provider's
kind of answer (HTTP 200 and an error code in the body): a WeCom text over 2048
bytes, a DingTalk text over 20000 bytes, a Feishu request body over 20 KB.
Slack truncates past 40,000 characters instead of refusing; the fake records.
"""

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
    # "wecom", "dingtalk" or "feishu": enforce that provider's size limit.
    provider: str = ""


def over_limit(provider: str, raw: bytes, body: dict) -> dict | None:
    """The provider's refusal of a message too large, or None."""
    if provider == "wecom" and len(body["text"]["content"].encode()) > 2048:
        return {"errcode": 40058, "errmsg": "content exceed max length 2048"}
    if provider == "dingtalk" and len(body["text"]["content"].encode()) > 20000:
        return {"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"}
    if provider == "feishu" and len(raw) > 20 * 1024:
        return {"code": 9499, "msg": "request body exceeds 20KB"}
    return None


class _Handler(BaseHTTPRequestHandler):
    fake: FakeChat

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) or b"{}"
        body = json.loads(raw)
        parts = urlsplit(self.path)
        self.fake.received.append(Received(parts.path, parse_qs(parts.query), body))
        refusal = over_limit(self.fake.provider, raw, body)
        if refusal is not None:
            self._answer(200, refusal)
        elif self.fake.failures > 0:
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
