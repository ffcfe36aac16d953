"""A fake GitHub (Enterprise-style) OAuth server on 127.0.0.1.

Serves what allauth's GitHub provider calls: /login/oauth/authorize (redirects
back with a code and the state), /login/oauth/access_token, and /api/v3/user.
The test decides which GitHub account "signs in" by setting `account`.
"""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse


class FakeGitHubOAuth:
    def __init__(self) -> None:
        self.account: dict = {"id": 1, "login": "octocat", "name": "Octo Cat"}
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.client_id = "fake-client-id"
        self.client_secret = "fake-client-secret"
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeGitHubOAuth:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _json(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                fake.requests.append(f"GET {url.path}")
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/login/oauth/authorize":
                    if query.get("client_id") != fake.client_id:
                        return self._json(404, {"error": "unknown client"})
                    code = secrets.token_hex(8)
                    fake.codes[code] = dict(fake.account)
                    target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.end_headers()
                    return None
                if url.path == "/api/v3/user":
                    token = self.headers.get("Authorization", "").split()[-1]
                    account = fake.tokens.get(token)
                    if account is None:
                        return self._json(401, {"message": "Bad credentials"})
                    return self._json(200, account)
                return self._json(404, {"message": "Not Found"})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                fake.requests.append(f"POST {url.path}")
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if url.path == "/login/oauth/access_token":
                    if form.get("client_secret") != fake.client_secret:
                        return self._json(401, {"error": "incorrect_client_credentials"})
                    account = fake.codes.pop(form.get("code", ""), None)
                    if account is None:
                        return self._json(400, {"error": "bad_verification_code"})
                    token = secrets.token_hex(12)
                    fake.tokens[token] = account
                    return self._json(
                        200, {"access_token": token, "token_type": "bearer", "scope": "read:user"}
                    )
                return self._json(404, {"message": "Not Found"})

        return Handler
