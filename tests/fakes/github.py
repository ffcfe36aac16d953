"""A fake GitHub REST API: a real HTTP server on 127.0.0.1 serving GitHub's JSON
shapes for issues, issue comments, pulls, pull files and contents.

It paginates with absolute `Link` URLs, answers `If-None-Match` with 304 (which,
as on GitHub, costs no rate-limit unit), sends rate-limit headers, and plays
scripted faults: a 502 on a given page, a secondary limit (403 + retry-after),
an exhausted primary limit (x-ratelimit-remaining: 0 + reset).

Where GitHub surprises clients, it does so here too (section "GitHub's real
behaviours" below): a 304 carries the `Link` header of the current list (the
ETag covers the body only, so a full page stays 304 when the list grows);
contents over 1 MB are a 403 `too_large` in JSON and fine as raw; a renamed or
transferred repository answers 301 (307 for writes) to `/repositories/<id>/...`,
a transferred issue 301 to its new place; `GET /user` names the token's
account; comments and pull requests may have `user: null` or the `ghost` user;
pull request files may be `removed` or `renamed` (with `previous_filename`);
issue search ANDs qualifiers separated by spaces, `repo:` included, and groups
them with `OR` and parentheses; GraphQL needs `first` or `last` on every
connection and charges points.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import itertools
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from tests.fakes import github_search
from tests.fakes.github_graphql import GraphQLEndpoint


def iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Fault:
    """Answer the next `times` matching requests with this status and headers; with
    `after_applying`, carry the request out first (GitHub creating an issue and
    still answering 502)."""

    method: str
    path_pattern: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict = field(default_factory=lambda: {"message": "fault"})
    times: int = 1
    query_contains: str = ""
    after_applying: bool = False


@dataclass
class Repo:
    full_name: str
    id: int = 0
    issues: dict[int, dict] = field(default_factory=dict)
    comments: dict[int, list[dict]] = field(default_factory=dict)
    pulls: dict[int, dict] = field(default_factory=dict)
    pull_files: dict[int, list[dict]] = field(default_factory=dict)
    contents: dict[tuple[str, str], bytes] = field(default_factory=dict)


class FakeGitHub:
    RATE_LIMIT = 5000
    SEARCH_LIMIT = 30

    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, int]] = []
        self.auth_headers: list[str] = []
        self.rate_remaining = self.RATE_LIMIT
        self.rate_reset = int(time.time()) + 3600
        self._ids = itertools.count(1001)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self.base_url = ""
        self.clock = datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)
        # Old full name -> repository id (renamed or transferred repositories).
        self.moved_repos: dict[str, int] = {}
        # (full name, number) -> (repository id, new number) of transferred issues.
        self.moved_issues: dict[tuple[str, int], tuple[int, int]] = {}
        # Token -> the login GET /user answers; any other token is DEFAULT_LOGIN.
        self.token_logins: dict[str, str] = {}
        self.user_requests = 0
        # The search API's own limit, per fixed window.
        self.search_limit = self.SEARCH_LIMIT
        self.search_window_seconds = 60.0
        self._search_window_start = time.time()
        self._search_used = 0
        self.search_limit_hits = 0
        self.reviews: dict[tuple[str, int], list[dict]] = {}
        # Repositories that exist but this token may not see: 404 on REST, not
        # searchable, NOT_FOUND in GraphQL (as private ones are to outsiders).
        self.invisible_repos: set[str] = set()
        # (part of a query, results kept): searches that time out.
        self.search_timeouts: list[tuple[str, int]] = []
        # POST /graphql, with its own points budget (tests/fakes/github_graphql.py).
        self.graphql = GraphQLEndpoint(self)
        # (repo, sha) -> commit statuses, oldest first.
        self.statuses: dict[tuple[str, str], list[dict]] = {}

    # ------------------------------------------------------------ lifecycle

    def start(self) -> FakeGitHub:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_PUT(self) -> None:
                fake._handle(self, "PUT")

            def do_PATCH(self) -> None:
                fake._handle(self, "PATCH")

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # ------------------------------------------------------------ data

    def _tick(self) -> datetime.datetime:
        self.clock += datetime.timedelta(minutes=1)
        return self.clock

    def repo(self, full_name: str) -> Repo:
        with self._lock:
            if full_name not in self.repos:
                self.repos[full_name] = Repo(full_name, id=500000 + len(self.repos))
            return self.repos[full_name]

    def _user(self, login: str | None, user_type: str = "User") -> dict | None:
        if login is None:  # GitHub sends `user: null` for some deleted accounts
            return None
        return {"login": login, "id": abs(hash(login)) % 10**8, "type": user_type}

    def add_issue(self, repo: str, title: str, *, login: str = "ta", body: str = "") -> dict:
        with self._lock:
            data = self.repo(repo)
            number = len(data.issues) + len(data.pulls) + 1
            at = iso(self._tick())
            issue = {
                "id": next(self._ids),
                "number": number,
                "title": title,
                "body": body,
                "state": "open",
                "user": self._user(login),
                "comments": 0,
                "created_at": at,
                "updated_at": at,
                "html_url": f"https://github.com/{repo}/issues/{number}",
                "url": f"{self.base_url}/repos/{repo}/issues/{number}",
                "repository_url": f"{self.base_url}/repos/{repo}",
            }
            data.issues[number] = issue
            data.comments[number] = []
            return issue

    def add_comment(
        self,
        repo: str,
        issue_number: int,
        login: str | None,
        body: str,
        *,
        at: datetime.datetime | None = None,
        user_type: str = "User",
    ) -> dict:
        with self._lock:
            data = self.repo(repo)
            comment_id = next(self._ids)
            stamp = iso(at or self._tick())
            comment = {
                "id": comment_id,
                "body": body,
                "user": self._user(login, user_type),
                "created_at": stamp,
                "updated_at": stamp,
                "html_url": f"https://github.com/{repo}/issues/{issue_number}#issuecomment-{comment_id}",
                "issue_url": f"{self.base_url}/repos/{repo}/issues/{issue_number}",
                "author_association": "CONTRIBUTOR",
            }
            # Pull requests are issues too: their conversation takes issue comments.
            data.comments.setdefault(issue_number, []).append(comment)
            if issue_number in data.issues:
                data.issues[issue_number]["comments"] += 1
                data.issues[issue_number]["updated_at"] = stamp
            return comment

    def _find_comment(self, comment_id: int) -> tuple[Repo, int, dict]:
        for data in self.repos.values():
            for number, comments in data.comments.items():
                for comment in comments:
                    if comment["id"] == comment_id:
                        return data, number, comment
        raise KeyError(comment_id)

    def edit_comment(self, comment_id: int, body: str) -> dict:
        with self._lock:
            _, _, comment = self._find_comment(comment_id)
            comment["body"] = body
            comment["updated_at"] = iso(self._tick())
            return comment

    def delete_comment(self, comment_id: int) -> dict:
        with self._lock:
            data, number, comment = self._find_comment(comment_id)
            data.comments[number].remove(comment)
            data.issues[number]["comments"] -= 1
            return comment

    def add_pull(
        self,
        repo: str,
        login: str | None,
        files: dict[str, str | bytes],
        *,
        merged: bool = True,
        fork: bool = True,
        created_at: datetime.datetime | None = None,
        removed: tuple[str, ...] = (),
        renamed: dict[str, str] | None = None,
    ) -> dict:
        """A pull request adding `files` (path -> text or bytes); merged ones land in
        `repo`. `removed` paths are deleted by it; `renamed` maps a new path (also
        in `files`) to its previous one."""
        with self._lock:
            data = self.repo(repo)
            number = len(data.issues) + len(data.pulls) + 1
            created = created_at or self._tick()
            head_repo = f"{login or 'ghost'}/{repo.split('/')[1]}" if fork else repo
            head_sha = hashlib.sha1(f"head{repo}{number}".encode()).hexdigest()
            merge_sha = hashlib.sha1(f"merge{repo}{number}".encode()).hexdigest()
            merged_at = iso(created + datetime.timedelta(days=2)) if merged else None
            pull = {
                "id": next(self._ids),
                "number": number,
                "state": "closed" if merged else "open",
                "title": f"report by {login}",
                "user": self._user(login),
                "created_at": iso(created),
                "updated_at": merged_at or iso(created),
                "merged_at": merged_at,
                "merge_commit_sha": merge_sha if merged else None,
                "html_url": f"https://github.com/{repo}/pull/{number}",
                "head": {"sha": head_sha, "repo": {"full_name": head_repo, "fork": fork}},
                "base": {"ref": "master", "repo": {"full_name": repo}},
            }
            data.pulls[number] = pull
            raw_files = {
                path: text if isinstance(text, bytes) else text.encode()
                for path, text in files.items()
            }
            renamed = renamed or {}
            data.pull_files[number] = [
                {
                    "sha": hashlib.sha1(raw).hexdigest(),
                    "filename": path,
                    "status": "renamed" if path in renamed else "added",
                    "additions": raw.count(b"\n") + 1,
                    **({"previous_filename": renamed[path]} if path in renamed else {}),
                }
                for path, raw in raw_files.items()
            ] + [
                {"sha": "0" * 40, "filename": path, "status": "removed", "deletions": 1}
                for path in removed
            ]
            for path, raw in raw_files.items():
                data.contents[(path, head_sha)] = raw
                if merged:
                    data.contents[(path, merge_sha)] = raw
            return pull

    def push_to_pull(self, repo: str, number: int, files: dict[str, str]) -> dict:
        """New commits on an open pull request (GitHub's `synchronize`): a new
        head commit with these files changed or added."""
        with self._lock:
            data = self.repo(repo)
            pull = data.pulls[number]
            old_sha = pull["head"]["sha"]
            new_sha = hashlib.sha1(f"{old_sha}{sorted(files.items())}".encode()).hexdigest()
            for (path, sha), raw in list(data.contents.items()):
                if sha == old_sha:
                    data.contents[(path, new_sha)] = raw
            known = {f["filename"] for f in data.pull_files[number]}
            for path, text in files.items():
                data.contents[(path, new_sha)] = text.encode()
                if path not in known:
                    data.pull_files[number].append(
                        {"sha": new_sha, "filename": path, "status": "added", "additions": 1}
                    )
            pull["head"]["sha"] = new_sha
            pull["updated_at"] = iso(self._tick())
            return pull

    def merge_pull(self, repo: str, number: int) -> dict:
        with self._lock:
            data = self.repo(repo)
            pull = data.pulls[number]
            merge_sha = hashlib.sha1(f"merge{repo}{number}".encode()).hexdigest()
            pull.update(
                state="closed",
                merged_at=iso(self._tick()),
                merge_commit_sha=merge_sha,
                updated_at=iso(self.clock),
            )
            for file in data.pull_files[number]:
                if file["status"] == "removed":
                    continue
                text = data.contents[(file["filename"], pull["head"]["sha"])]
                data.contents[(file["filename"], merge_sha)] = text
            return pull

    def fail(self, method: str, path_pattern: str, status: int, **kwargs) -> Fault:
        fault = Fault(method, path_pattern, status, **kwargs)
        with self._lock:
            self.faults.append(fault)
        return fault

    def count(self, status: int | None = None) -> int:
        return sum(1 for _, _, code in self.requests if status is None or code == status)

    def reset_log(self) -> None:
        self.requests.clear()

    # ------------------------------------------------------------ HTTP

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        path = unquote(parts.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        payload = json.loads(handler.rfile.read(length) or b"{}") if length else {}
        self.auth_headers.append(handler.headers.get("Authorization", ""))
        with self._lock:
            status, body, headers = self._route(method, path, query, payload, handler.headers)
            self.requests.append((method, handler.path, status))
            # Search and GraphQL have limits of their own; the core one is untouched.
            if status != 304 and not path.startswith("/search/") and path != "/graphql":
                self.rate_remaining = max(0, self.rate_remaining - 1)
        if isinstance(body, bytes):
            raw = body
        else:
            raw = b"" if body is None else json.dumps(body).encode()
        handler.send_response(status)
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        headers.setdefault("x-ratelimit-limit", str(self.RATE_LIMIT))
        headers.setdefault("x-ratelimit-remaining", str(self.rate_remaining))
        headers.setdefault("x-ratelimit-reset", str(self.rate_reset))
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(raw)))
        handler.end_headers()
        if raw:
            handler.wfile.write(raw)

    def _fault_for(self, method: str, path: str, raw_query: str) -> Fault | None:
        for fault in self.faults:
            if (
                fault.times > 0
                and fault.method == method
                and re.search(fault.path_pattern, path)
                and fault.query_contains in raw_query
            ):
                fault.times -= 1
                return fault
        return None

    def _route(self, method: str, path: str, query: dict, payload: dict, headers) -> tuple:
        raw_query = "&".join(f"{k}={v}" for k, v in sorted(query.items()))
        fault = self._fault_for(method, path, raw_query)
        if fault is not None and not fault.after_applying:
            return fault.status, fault.body, dict(fault.headers)
        answer = self._answer(method, path, query, payload, headers)
        if fault is not None:
            return fault.status, fault.body, dict(fault.headers)
        return answer

    def _answer(self, method: str, path: str, query: dict, payload: dict, headers) -> tuple:
        if method == "GET" and path == "/search/issues":  # see "search" below
            return self._search_issues(query)
        if method == "POST" and path == "/graphql":
            return self.graphql.answer(payload)
        if method == "GET" and (found := self._work_get(path)) is not None:
            return self._listing(path, query, found, headers)
        if path == "/user" and method == "GET":
            return self._authenticated_user(headers)
        if method == "GET" and (m := re.fullmatch(r"/repositories/(\d+)", path)):
            found = self._repo_by_id(int(m.group(1)))
            if found is None:
                return 404, {"message": "Not Found"}, {}
            return 200, {"id": found.id, "full_name": found.full_name}, {}
        match = re.fullmatch(r"/repos/([^/]+/[^/]+)(/.*)?", path) or re.fullmatch(
            r"/repositories/(\d+)(/.*)?", path
        )
        if not match:
            return 404, {"message": "Not Found"}, {}
        if path.startswith("/repositories/"):
            found = self._repo_by_id(int(match.group(1)))
        else:
            found = self.repos.get(match.group(1)) if self._visible(match.group(1)) else None
            if found is None and match.group(1) in self.moved_repos:
                return self._moved(
                    method,
                    f"/repositories/{self.moved_repos[match.group(1)]}",
                    match.group(2) or "",
                    query,
                )
        if found is None:
            return 404, {"message": "Not Found"}, {}
        data = found
        rest = match.group(2) or ""
        issue_moved = re.fullmatch(r"/issues/(\d+)(/.*)?", rest)
        if issue_moved and (data.full_name, int(issue_moved.group(1))) in self.moved_issues:
            repo_id, number = self.moved_issues[(data.full_name, int(issue_moved.group(1)))]
            tail = f"/issues/{number}{issue_moved.group(2) or ''}"
            return self._moved(method, f"/repositories/{repo_id}", tail, query)
        if (answer := self._write_back(method, data, rest, payload, headers)) is not None:
            return answer
        if method == "POST" and (m := re.fullmatch(r"/issues/(\d+)/comments", rest)):
            if int(m.group(1)) not in data.issues and int(m.group(1)) not in data.pulls:
                return 404, {"message": "Not Found"}, {}
            login = self._login_of(headers)
            comment = self.add_comment(data.full_name, int(m.group(1)), login, payload["body"])
            return 201, comment, {}
        if method == "GET" and (m := re.fullmatch(r"/contents/(.+)", rest)):
            return self._contents(data, m.group(1), query, headers)
        if method == "GET":
            found = self._get(data, rest, query)
            if found is None:
                return 404, {"message": "Not Found"}, {}
            return self._listing(path, query, found, headers)
        if method == "POST" and rest == "/issues":
            issue = self.add_issue(data.full_name, payload["title"], body=payload.get("body", ""))
            return 201, issue, {}
        issue_match = re.fullmatch(r"/issues/(\d+)", rest)
        if method == "PATCH" and issue_match and int(issue_match.group(1)) in data.issues:
            issue = data.issues[int(issue_match.group(1))]
            issue.update({k: v for k, v in payload.items() if k in ("title", "body", "state")})
            issue["updated_at"] = iso(self._tick())
            return 200, issue, {}
        return 404, {"message": "Not Found"}, {}

    # ------------------------------------------------------------ writing back
    # docs.github.com/rest: PATCH /repos/o/r/issues/comments/ID edits a comment;
    # POST /repos/o/r/pulls/N/reviews with event APPROVE, REQUEST_CHANGES or
    # COMMENT (a body is required for the last two: 422 without; nobody may
    # approve or request changes on their own pull request: 422); PUT
    # /repos/o/r/pulls/N/reviews/ID changes a review's body only.

    REVIEW_STATES = {
        "APPROVE": "APPROVED",
        "REQUEST_CHANGES": "CHANGES_REQUESTED",
        "COMMENT": "COMMENTED",
    }

    def writes(self) -> list[tuple[str, str, int]]:
        """Every request that could change something on GitHub."""
        return [r for r in self.requests if r[0] not in ("GET", "HEAD")]

    # POST /repos/o/r/statuses/SHA: state error, failure, pending or success; a
    # description over 140 characters is refused (422); at most 1000 statuses per
    # commit and context.
    STATUS_STATES = frozenset({"error", "failure", "pending", "success"})
    MAX_STATUSES = 1000

    def status_of(self, repo: str, sha: str, context: str) -> dict | None:
        """The status GitHub shows for a context: the newest."""
        found = [s for s in self.statuses.get((repo, sha), []) if s["context"] == context]
        return found[-1] if found else None

    def _status(self, data: Repo, sha: str, payload: dict, headers) -> tuple:
        if payload.get("state") not in self.STATUS_STATES:
            return 422, {"message": "Validation Failed", "errors": [{"field": "state"}]}, {}
        if len(payload.get("description") or "") > 140:
            message = "description is too long (maximum is 140 characters)"
            return 422, {"message": "Validation Failed", "errors": [{"message": message}]}, {}
        context = payload.get("context") or "default"
        kept = self.statuses.setdefault((data.full_name, sha), [])
        if sum(1 for s in kept if s["context"] == context) >= self.MAX_STATUSES:
            return 422, {"message": "Validation Failed", "errors": ["too many statuses"]}, {}
        status = {
            "id": next(self._ids),
            "url": f"{self.base_url}/repos/{data.full_name}/statuses/{sha}",
            "state": payload["state"],
            "description": payload.get("description"),
            "target_url": payload.get("target_url"),
            "context": context,
            "creator": self._user(self._login_of(headers)),
            "created_at": iso(self._tick()),
        }
        kept.append(status)
        return 201, status, {}

    def _write_back(self, method: str, data: Repo, rest: str, payload: dict, headers):
        if method == "POST" and (m := re.fullmatch(r"/statuses/([0-9a-f]{40})", rest)):
            return self._status(data, m.group(1), payload, headers)
        if method == "PATCH" and (m := re.fullmatch(r"/issues/comments/(\d+)", rest)):
            try:
                where, _, _ = self._find_comment(int(m.group(1)))
            except KeyError:
                return 404, {"message": "Not Found"}, {}
            if where is not data:
                return 404, {"message": "Not Found"}, {}
            return 200, self.edit_comment(int(m.group(1)), payload["body"]), {}
        if method == "POST" and (m := re.fullmatch(r"/pulls/(\d+)/reviews", rest)):
            pull = data.pulls.get(int(m.group(1)))
            if pull is None:
                return 404, {"message": "Not Found"}, {}
            event, body = payload.get("event", ""), payload.get("body", "")
            if event not in self.REVIEW_STATES:
                return 422, {"message": "Unprocessable Entity", "errors": ["event"]}, {}
            if event != "APPROVE" and not body:
                return 422, {"message": "Unprocessable Entity", "errors": ["Body is required"]}, {}
            login = self._login_of(headers)
            if event != "COMMENT" and (pull.get("user") or {}).get("login") == login:
                message = "Can not approve your own pull request"
                return 422, {"message": "Unprocessable Entity", "errors": [message]}, {}
            review_id = next(self._ids)
            review = {
                "id": review_id,
                "user": self._user(login),
                "body": body,
                "state": self.REVIEW_STATES[event],
                "submitted_at": iso(self._tick()),
                "html_url": f"{pull['html_url']}#pullrequestreview-{review_id}",
            }
            self.reviews.setdefault((data.full_name, pull["number"]), []).append(review)
            return 200, review, {}
        if method == "PUT" and (m := re.fullmatch(r"/pulls/(\d+)/reviews/(\d+)", rest)):
            found = [
                r
                for r in self.reviews.get((data.full_name, int(m.group(1))), [])
                if r["id"] == int(m.group(2))
            ]
            if not found:
                return 404, {"message": "Not Found"}, {}
            if not payload.get("body"):
                return 422, {"message": "Unprocessable Entity", "errors": ["body"]}, {}
            found[0]["body"] = payload["body"]
            return 200, found[0], {}
        return None

    def _get(self, data: Repo, rest: str, query: dict):
        if rest == "":
            return {"id": data.id, "full_name": data.full_name}
        if rest == "/issues":
            issues = [dict(i) for i in data.issues.values()]
            issues += [
                {**p, "pull_request": {"url": p["html_url"]}, "comments": 0}
                for p in data.pulls.values()
            ]
            if query.get("state", "open") != "all":
                issues = [i for i in issues if i["state"] == query.get("state", "open")]
            newest_first = query.get("direction", "desc") == "desc"
            return sorted(issues, key=lambda i: i["number"], reverse=newest_first)
        if m := re.fullmatch(r"/issues/(\d+)", rest):
            return data.issues.get(int(m.group(1)))
        if m := re.fullmatch(r"/issues/(\d+)/comments", rest):
            number = int(m.group(1))
            # A pull request's conversation is an issue's: its comments list too.
            return data.comments.get(number, [] if number in data.pulls else None)
        if rest == "/pulls":
            pulls = list(data.pulls.values())
            if query.get("state", "open") != "all":
                pulls = [p for p in pulls if p["state"] == query.get("state", "open")]
            return sorted(pulls, key=lambda p: p["number"])
        if m := re.fullmatch(r"/pulls/(\d+)/files", rest):
            return data.pull_files.get(int(m.group(1)))
        return None

    def _listing(self, path: str, query: dict, found, headers) -> tuple:
        extra: dict[str, str] = {}
        body = found
        if isinstance(found, list):
            per_page = min(int(query.get("per_page", 30)), 100)
            page = int(query.get("page", 1))
            last = max(1, -(-len(found) // per_page))
            body = found[(page - 1) * per_page : page * per_page]
            links = []
            params = {k: v for k, v in query.items() if k != "page"}
            for rel, number in (("next", page + 1), ("last", last)):
                if number <= last and (rel != "next" or page < last):
                    qs = "&".join(f"{k}={v}" for k, v in sorted({**params, "page": number}.items()))
                    links.append(f'<{self.base_url}{path}?{qs}>; rel="{rel}"')
            if links:
                extra["Link"] = ", ".join(links)
        etag = 'W/"' + hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest() + '"'
        extra["ETag"] = etag
        if headers.get("If-None-Match") == etag:
            return 304, None, extra
        return 200, body, extra

    # ------------------------------------------------------------ GitHub's real behaviours

    DEFAULT_LOGIN = "camp-app"
    # GET /repos/{owner}/{repo}/contents/{path}: JSON up to 1 MB, raw up to 100 MB.
    JSON_CONTENTS_LIMIT = 1024 * 1024
    RAW_CONTENTS_LIMIT = 100 * 1024 * 1024

    def rename_repo(self, old: str, new: str) -> Repo:
        """Rename (or transfer) a repository: the old name redirects to its id."""
        with self._lock:
            data = self.repos.pop(old)
            data.full_name = new
            self.repos[new] = data
            self.moved_repos[old] = data.id
            for issue in data.issues.values():
                issue["repository_url"] = f"{self.base_url}/repos/{new}"
                issue["html_url"] = issue["html_url"].replace(f"/{old}/", f"/{new}/")
            return data

    def transfer_issue(self, repo: str, number: int, to_repo: str) -> dict:
        """Move an issue and its comments to another repository, as GitHub's
        "Transfer issue" does; the old number redirects there."""
        with self._lock:
            source, target = self.repo(repo), self.repo(to_repo)
            issue = source.issues.pop(number)
            comments = source.comments.pop(number)
            new_number = len(target.issues) + len(target.pulls) + 1
            issue.update(
                number=new_number,
                html_url=f"https://github.com/{to_repo}/issues/{new_number}",
                url=f"{self.base_url}/repos/{to_repo}/issues/{new_number}",
                repository_url=f"{self.base_url}/repos/{to_repo}",
            )
            target.issues[new_number] = issue
            target.comments[new_number] = comments
            self.moved_issues[(repo, number)] = (target.id, new_number)
            return issue

    def _repo_by_id(self, repo_id: int) -> Repo | None:
        return next((data for data in self.repos.values() if data.id == repo_id), None)

    def _moved(self, method: str, prefix: str, rest: str, query: dict) -> tuple:
        """GitHub's answer at an old name: 301 for reads, 307 for writes (repeat the
        same method there), with a body that is not the resource."""
        qs = urlencode(sorted(query.items()))
        location = f"{self.base_url}{prefix}{quote(rest, safe='/~')}" + (f"?{qs}" if qs else "")
        status = 301 if method == "GET" else 307
        body = {
            "message": "Moved Permanently",
            "url": location,
            "documentation_url": "https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects",
        }
        return status, body, {"Location": location}

    def _login_of(self, headers) -> str:
        token = headers.get("Authorization", "").removeprefix("Bearer ").removeprefix("token ")
        return self.token_logins.get(token, self.DEFAULT_LOGIN)

    def _authenticated_user(self, headers) -> tuple:
        """GET /user: the token's account. No token: 401. A GitHub App
        installation token (ghs_...): 403, it is not a user."""
        self.user_requests += 1
        token = headers.get("Authorization", "").removeprefix("Bearer ").removeprefix("token ")
        if not token:
            return 401, {"message": "Requires authentication"}, {}
        if token.startswith("ghs_"):
            return 403, {"message": "Resource not accessible by integration"}, {}
        return 200, self._user(self._login_of(headers)), {}

    def _contents(self, data: Repo, path: str, query: dict, headers) -> tuple:
        raw = data.contents.get((path, query.get("ref", "")))
        if raw is None:
            return 404, {"message": "Not Found"}, {}
        accept = headers.get("Accept", "")
        if len(raw) > self.RAW_CONTENTS_LIMIT or (
            "vnd.github.raw" not in accept
            and "vnd.github.object" not in accept
            and len(raw) > self.JSON_CONTENTS_LIMIT
        ):
            return self._too_large()
        if "vnd.github.raw" in accept:
            return 200, raw, {"Content-Type": "application/vnd.github.raw; charset=utf-8"}
        too_large = len(raw) > self.JSON_CONTENTS_LIMIT  # the .object media type only
        return (
            200,
            {
                "type": "file",
                "path": path,
                "sha": hashlib.sha1(raw).hexdigest(),
                "size": len(raw),
                "encoding": "none" if too_large else "base64",
                "content": "" if too_large else base64.encodebytes(raw).decode(),
            },
            {},
        )

    def _too_large(self) -> tuple:
        return (
            403,
            {
                "message": "This API returns blobs up to 1 MB in size. The requested blob is "
                "too large to fetch via the API, but you can use the Git Data API to "
                "request blobs up to 100 MB in size.",
                "errors": [{"resource": "Blob", "field": "data", "code": "too_large"}],
                "documentation_url": "https://docs.github.com/rest/repos/contents#get-repository-content",
            },
            {},
        )

    # ------------------------------------------------------------ search and work items
    # Students' work in tracked repositories, /search/issues with the qualifiers
    # the evidence collector sends, its pagination and its separate rate limit,
    # and the single issue / pull reviews a reference check reads.
    #
    # As on GitHub (docs.github.com/rest/search/search): 30 requests a minute
    # for an authenticated client, counted apart from the core limit and
    # announced with x-ratelimit-resource: search; a request over it answers
    # 403 with x-ratelimit-remaining: 0 and the reset; at most 1000 results
    # (a page beyond answers 422); per_page at most 100 with Link pagination;
    # a query that times out answers what it found with incomplete_results
    # ("Timeouts and incomplete results"; `search_timeouts` asks for it). The
    # query is read as the advanced issue search reads it
    # (tests/fakes/github_search.py), and a repository it cannot search is
    # refused as _search_matches says. GraphQL (POST /graphql) is
    # tests/fakes/github_graphql.py, over the same data.

    def add_work_pull(
        self,
        repo: str,
        login: str,
        *,
        title: str = "",
        created_at: datetime.datetime,
        merged_at: datetime.datetime | None = None,
        closed_at: datetime.datetime | None = None,
        reviewers: dict[str, datetime.datetime] | None = None,
    ) -> dict:
        """A pull request in a tracked (upstream) repository, with its reviews."""
        with self._lock:
            data = self.repo(repo)
            number = len(data.issues) + len(data.pulls) + 1
            closed = merged_at or closed_at
            stamps = [created_at, *(reviewers or {}).values(), *([closed] if closed else [])]
            pull = {
                "id": next(self._ids),
                "number": number,
                "state": "closed" if closed else "open",
                "title": title or f"PR {number} by {login}",
                "user": self._user(login),
                "created_at": iso(created_at),
                "updated_at": iso(max(stamps)),
                "closed_at": iso(closed) if closed else None,
                "merged_at": iso(merged_at) if merged_at else None,
                "html_url": f"https://github.com/{repo}/pull/{number}",
                "head": {"sha": "0" * 40, "repo": {"full_name": repo, "fork": False}},
                "base": {"ref": "develop", "repo": {"full_name": repo}},
            }
            data.pulls[number] = pull
            data.pull_files[number] = []
            self.reviews.setdefault((repo, number), [])
            for reviewer, at in (reviewers or {}).items():
                self.reviews[(repo, number)].append(
                    {
                        "id": next(self._ids),
                        "user": self._user(reviewer),
                        "state": "COMMENTED",
                        "submitted_at": iso(at),
                    }
                )
            return pull

    def add_work_issue(
        self, repo: str, login: str, *, title: str = "", created_at: datetime.datetime
    ) -> dict:
        issue = self.add_issue(repo, title or "an issue", login=login)
        with self._lock:
            issue.update(created_at=iso(created_at), updated_at=iso(created_at), closed_at=None)
        return issue

    def search_requests(self) -> list[tuple[str, str, int]]:
        return [r for r in self.requests if r[1].startswith("/search/")]

    def graphql_requests(self) -> list[tuple[str, str, int]]:
        return [r for r in self.requests if r[1] == "/graphql"]

    def add_busy_repository(
        self,
        repo: str,
        *,
        pulls: int,
        issues: int,
        starts: datetime.datetime,
        ends: datetime.datetime,
        seed: int = 0,
    ) -> None:
        """A repository as busy as PaddlePaddle/Paddle: `pulls` pull requests and
        `issues` issues opened between `starts` and `ends` by a crowd of
        contributors (none of them a camp's student), most merged within days,
        each reviewed by one to three maintainers."""
        rng = random.Random(seed)
        span = (ends - starts).total_seconds()
        contributors = [f"contributor-{n}" for n in range(300)]
        maintainers = [f"maintainer-{n}" for n in range(25)]
        for _ in range(pulls):
            created = starts + datetime.timedelta(seconds=rng.uniform(0, span))
            reviewed = {
                reviewer: created + datetime.timedelta(hours=rng.uniform(1, 96))
                for reviewer in rng.sample(maintainers, rng.randint(1, 3))
            }
            last_review = max(reviewed.values())
            fate = rng.random()
            merged = (
                last_review + datetime.timedelta(hours=rng.uniform(1, 72)) if fate < 0.7 else None
            )
            closed = (
                last_review + datetime.timedelta(days=rng.uniform(1, 20)) if fate > 0.9 else None
            )
            self.add_work_pull(
                repo,
                rng.choice(contributors),
                created_at=created,
                merged_at=merged,
                closed_at=closed,
                reviewers=reviewed,
            )
        for _ in range(issues):
            created = starts + datetime.timedelta(seconds=rng.uniform(0, span))
            self.add_work_issue(repo, rng.choice(contributors), created_at=created)

    def _pull_as_issue(self, repo: str, pull: dict) -> dict:
        """A pull request as the issues API and search show it."""
        return {
            **{k: v for k, v in pull.items() if k not in ("head", "base", "merged_at")},
            "repository_url": f"{self.base_url}/repos/{repo}",
            "comments": 0,
            "pull_request": {
                "url": f"{self.base_url}/repos/{repo}/pulls/{pull['number']}",
                "html_url": pull["html_url"],
                "merged_at": pull.get("merged_at"),
            },
        }

    def _work_get(self, path: str):
        """GET /repos/o/r/issues/N for a pull request, /repos/o/r/pulls/N/reviews."""
        match = re.fullmatch(r"/repos/([^/]+/[^/]+)/(issues|pulls)/(\d+)(/reviews)?", path)
        if not match or not self._visible(match.group(1)):
            return None
        repo, kind, number, reviews = (
            match.group(1),
            match.group(2),
            int(match.group(3)),
            match.group(4),
        )
        pull = self.repos[repo].pulls.get(number)
        if pull is None:
            return None
        if kind == "issues" and not reviews:
            return self._pull_as_issue(repo, pull)
        if kind == "pulls" and reviews:
            return list(self.reviews.get((repo, number), []))
        return None

    def _search_limit_headers(self) -> dict[str, str]:
        reset = self._search_window_start + self.search_window_seconds
        return {
            "x-ratelimit-limit": str(self.search_limit),
            "x-ratelimit-remaining": str(max(0, self.search_limit - self._search_used)),
            "x-ratelimit-reset": str(int(-(-reset // 1))),
            "x-ratelimit-used": str(self._search_used),
            "x-ratelimit-resource": "search",
        }

    def _search_issues(self, query: dict) -> tuple:
        now = time.time()
        if now >= self._search_window_start + self.search_window_seconds:
            self._search_window_start = now
            self._search_used = 0
        if self._search_used >= self.search_limit:
            self.search_limit_hits += 1
            return (
                403,
                {
                    "message": "API rate limit exceeded for user ID 1.",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                },
                self._search_limit_headers(),
            )
        self._search_used += 1
        headers = self._search_limit_headers()
        q = query.get("q", "")
        try:
            matches = self._search_matches(q)
        except github_search.QueryError as exc:
            error = {"message": str(exc), "resource": "Search", "field": "q", "code": "invalid"}
            body = {
                "message": "Validation Failed",
                "errors": [error],
                "documentation_url": "https://docs.github.com/v3/search/",
            }
            return 422, body, headers
        order = query.get("order", "desc")
        if query.get("sort") == "created":
            matches.sort(key=lambda i: i["created_at"], reverse=order != "asc")
        # REST "Search", "Timeouts and incomplete results": a query that runs out
        # of time answers the matches found so far, with incomplete_results true.
        timed_out = next((keep for part, keep in self.search_timeouts if part in q), None)
        if timed_out is not None:
            matches = matches[:timed_out]
        per_page = min(int(query.get("per_page", 30)), 100)
        page = int(query.get("page", 1))
        if (page - 1) * per_page >= 1000:
            return (
                422,
                {"message": "Only the first 1000 search results are available"},
                headers,
            )
        capped = matches[:1000]
        body = {
            "total_count": len(matches),
            "incomplete_results": timed_out is not None,
            "items": capped[(page - 1) * per_page : page * per_page],
        }
        last = max(1, -(-len(capped) // per_page))
        links = []
        params = {k: v for k, v in query.items() if k != "page"}
        for rel, number in (("next", page + 1), ("last", last)):
            if number <= last and (rel != "next" or page < last):
                qs = urlencode(sorted({**params, "page": number}.items()))
                links.append(f'<{self.base_url}/search/issues?{qs}>; rel="{rel}"')
        if links:
            headers["Link"] = ", ".join(links)
        return 200, body, headers

    def _search_matches(self, q: str) -> list[dict]:
        """The items of a query, read as GitHub's advanced issue search reads it
        (tests/fakes/github_search.py: spaces AND every qualifier, `OR` and
        parentheses group them).

        A repository is searchable when it exists and the token may see it. A
        query naming one that does not exist answers 422 "Validation Failed"
        with "The listed users and repositories cannot be searched ..." for the
        whole query (the body as googleapis/release-please#948 and
        changesets/action#252 quote it; issue 25 measured a cohort stopped by
        it), and so does one naming only repositories the token may not see.
        REST "Search", "Access errors or missing search results": "When your
        search query requests multiple resources, the response will only
        contain the resources that you have access to and will not provide an
        error message": one it may not see beside one it may is dropped
        without a word."""
        expression = github_search.parse(q)
        terms = github_search.terms(expression)
        # GitHub now refuses an issue search that does not say issues or pull requests.
        kinds = {("is", "issue"), ("is", "pr"), ("is", "pull-request")}
        kinds |= {("type", "issue"), ("type", "pr")}
        if not any((term.key, term.value) in kinds for term in terms):
            raise github_search.QueryError("Query must include 'is:issue' or 'is:pull-request'.")
        named = {term.value.lower() for term in terms if term.key == "repo"}
        searchable = {name.lower(): name for name in self.repos if self._visible(name)}
        existing = {name.lower() for name in self.repos}
        if named - existing or (named and not named & set(searchable)):
            raise github_search.QueryError(self.UNSEARCHABLE)
        required = github_search.repositories_required(expression)
        repos = sorted(
            name for lower, name in searchable.items() if required is None or lower in required
        )
        found = []
        for repo in repos:
            data = self.repos[repo]
            for issue in data.issues.values():
                if self._matches(expression, repo, issue, is_pr=False):
                    found.append({**issue, "repository_url": f"{self.base_url}/repos/{repo}"})
            for pull in data.pulls.values():
                if self._matches(expression, repo, pull, is_pr=True):
                    found.append(self._pull_as_issue(repo, pull))
        return found

    def _matches(
        self, expression: github_search.Expression, repo: str, item: dict, *, is_pr: bool
    ) -> bool:
        return github_search.evaluate(expression, lambda term: self._term(repo, item, is_pr, term))

    UNSEARCHABLE = (
        "The listed users and repositories cannot be searched either because the "
        "resources do not exist or you do not have permission to view them."
    )

    def _visible(self, repo: str) -> bool:
        return repo in self.repos and repo not in self.invisible_repos

    def _reviewer_logins(self, repo: str, number: int) -> set[str]:
        return {
            ((r.get("user") or {}).get("login") or "").lower()
            for r in self.reviews.get((repo, number), [])
        }

    def _term(self, repo: str, item: dict, is_pr: bool, term: github_search.Term) -> bool:
        key, value = term.key, term.value
        if key in ("is", "type") and value in ("pr", "pull-request", "issue"):
            return is_pr == (value != "issue")
        if key == "repo":
            return repo.lower() == value.lower()
        if key == "author":
            return ((item.get("user") or {}).get("login") or "").lower() == value.lower()
        if key == "reviewed-by":
            return is_pr and value.lower() in self._reviewer_logins(repo, item["number"])
        if key in ("created", "updated", "merged", "closed"):
            raw = item.get(f"{key}_at")
            return raw is not None and github_search.in_range(raw, value)
        raise github_search.QueryError(f"The fake does not know the qualifier {key}:{value}.")
