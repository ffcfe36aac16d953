"""A small GitHub REST client on httpx.

What it takes care of, so callers do not: the API version header, per_page=100,
following `Link` pagination, conditional requests with ETags shared by every
worker (stored in the database), timeouts, retrying 5xx answers of idempotent
requests a few times, and turning rate limits into `RateLimited(retry_at)` so a
Celery task can reschedule itself instead of sleeping.
"""

from __future__ import annotations

import datetime
import email.utils
import hashlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from camp.models import Cohort
from reports.models import GitHubETag, GitHubSettings

API_VERSION = "2022-11-28"
PER_PAGE = 100
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# Short backoffs: a worker must not sit on a task for long; a 5xx that outlives
# them fails the sync, which leaves its watermark in place for the next run.
RETRY_BACKOFF_SECONDS = (0.5, 1.0, 2.0)
# Methods whose repetition leaves GitHub as one request would: reads, and the
# PATCHes we send, which set fields (an issue's body) to absolute values, so a
# PATCH that landed before its 502 lands again as the same text. POST creates
# (comments, issues) and is never repeated blindly.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PATCH"})
# Failures before any byte of the request reached GitHub: safe to retry for any method.
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# GitHub asks to wait at least a minute on a secondary limit without retry-after.
SECONDARY_LIMIT_WAIT = datetime.timedelta(seconds=60)
# A renamed or transferred repository answers 301 (307 for some requests) with a
# Location under /repositories/<id>/; a transferred issue answers 301 too.
REDIRECT_STATUSES = frozenset({301, 302, 307, 308})
MAX_REDIRECTS = 5
REPOSITORY_ID_RE = re.compile(r"/repositories/(\d+)(?:/|$)")
# File contents are read with the raw media type: the default JSON answer is a
# 403 `too_large` for files of 1 to 100 MB.
RAW_MEDIA_TYPE = "application/vnd.github.raw"


class GitHubError(Exception):
    """GitHub answered with an error we cannot work around."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NotFound(GitHubError):
    pass


class RateLimited(GitHubError):
    """A primary or secondary rate limit: try again at `retry_at`, not before."""

    def __init__(self, retry_at: datetime.datetime, *, status: int) -> None:
        super().__init__(f"GitHub rate limit; retry at {retry_at.isoformat()}", status=status)
        self.retry_at = retry_at


@dataclass
class Cached:
    etag: str
    data: Any
    next_url: str = ""


class ETagStore(Protocol):
    def get(self, url: str) -> Cached | None: ...


@dataclass
class Page:
    url: str
    data: Any
    etag: str
    next_url: str
    not_modified: bool
    # A 304 whose Link header names another next page than the stored one (the
    # list grew past a full page: GitHub's ETag covers the body only).
    next_url_changed: bool = False


@dataclass
class Listing:
    """Every page of a paginated list, fetched conditionally."""

    pages: list[Page]

    @property
    def items(self) -> list[Any]:
        return [item for page in self.pages for item in page.data]

    @property
    def changed(self) -> bool:
        return any(not page.not_modified for page in self.pages)


@dataclass
class RequestLog:
    """What a run cost: requests made, how many were 304, rate-limit units spent."""

    requests: int = 0
    not_modified: int = 0
    rate_limit_remaining: int | None = None

    @property
    def units(self) -> int:
        # GitHub does not charge a 304 against the rate limit.
        return self.requests - self.not_modified


def with_query(url: str, **params: Any) -> str:
    """`url` with these query parameters set (kept in a stable order for ETag keys)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({key: str(value) for key, value in params.items() if value is not None})
    return urlunsplit(parts._replace(query=urlencode(sorted(query.items()))))


def repo_path(repo: str, *segments: str | int) -> str:
    """/repos/owner/name/... with each segment percent-encoded.

    File paths keep their slashes; CJK, spaces, [ and ] are encoded, `~` stays.
    """
    owner, _, name = repo.partition("/")
    parts = [quote(owner, safe=""), quote(name, safe="")]
    parts += [quote(str(segment), safe="/") for segment in segments]
    return "/repos/" + "/".join(parts)


def parse_next_link(header: str) -> str:
    """The rel="next" URL of a Link header, or ""."""
    for part in header.split(","):
        section = part.strip().split(";")
        if len(section) < 2:
            continue
        url = section[0].strip()
        if (
            url.startswith("<")
            and url.endswith(">")
            and any(p.strip() in ('rel="next"', "rel=next") for p in section[1:])
        ):
            return url[1:-1]
    return ""


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port (httpx leaves a scheme's default port out)."""
    parsed = httpx.URL(url)
    return parsed.scheme, parsed.host, parsed.port


def _origin_text(url: str) -> str:
    scheme, host, port = _origin(url)
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def _rate_limit_error(response: httpx.Response, now: datetime.datetime) -> RateLimited | None:
    if response.status_code not in (403, 429):
        return None
    headers = response.headers
    retry_after = headers.get("retry-after")
    if retry_after:
        if retry_after.strip().isdigit():
            return RateLimited(
                now + datetime.timedelta(seconds=int(retry_after)), status=response.status_code
            )
        parsed = email.utils.parsedate_to_datetime(retry_after)
        if parsed is not None:
            return RateLimited(parsed, status=response.status_code)
    if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
        reset = datetime.datetime.fromtimestamp(int(headers["x-ratelimit-reset"]), tz=datetime.UTC)
        return RateLimited(
            max(reset, now) + datetime.timedelta(seconds=1), status=response.status_code
        )
    text = response.text.lower()
    if "secondary rate limit" in text or "rate limit" in text:
        return RateLimited(now + SECONDARY_LIMIT_WAIT, status=response.status_code)
    return None


class GitHubClient:
    def __init__(
        self,
        *,
        token: str = "",
        base_url: str | None = None,
        etags: ETagStore | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime.datetime] = timezone.now,
    ) -> None:
        self.base_url = (base_url or settings.GITHUB_API_URL).rstrip("/")
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "camp-reports",
        }
        token = token or settings.GITHUB_TOKEN
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http = httpx.Client(headers=headers, timeout=DEFAULT_TIMEOUT, transport=transport)
        self.etags = etags
        self.log = RequestLog()
        self.token = token
        # (from, to) of every redirect followed, for callers that record a move.
        self.redirects: list[tuple[str, str]] = []
        self._sleep = sleep
        self._now = now

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def url(self, path: str, **params: Any) -> str:
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        return with_query(url, **params) if params else url

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: dict | None = None,
        max_bytes: int | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """One request. Idempotent methods are retried after short pauses on a 5xx or a
        transport error; any other method only when the request never left (see
        NEVER_SENT), because GitHub sometimes creates the comment or issue and still
        answers 502 or times out: a retried POST would create it twice. A POST
        that only reads (a GraphQL query) says so with `idempotent=True`.

        Redirects on the configured API's host are followed (a renamed or
        transferred repository or issue): any 3xx by a GET, a 307 or 308 by any
        method (they mean "not done here, repeat it there"); a write answered
        301 or 302 raises, as repeating it elsewhere is the caller's decision. `max_bytes`
        stops reading a body after that many bytes (plus one, so the caller sees
        it was longer)."""
        retry_any_failure = (
            method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent
        )
        attempts = len(RETRY_BACKOFF_SECONDS) + 1
        target = self.url(url)
        hops = 0
        attempt = 0
        while True:
            last_try = attempt == attempts - 1
            try:
                response = self._send(method, target, json, headers, max_bytes)
            except httpx.TransportError as exc:
                self.log.requests += 1
                if last_try or not (retry_any_failure or isinstance(exc, NEVER_SENT)):
                    raise GitHubError(f"{method} {url}: {exc.__class__.__name__}") from exc
                self._sleep(RETRY_BACKOFF_SECONDS[attempt])
                attempt += 1
                continue
            self.log.requests += 1
            remaining = response.headers.get("x-ratelimit-remaining")
            if remaining is not None and remaining.isdigit():
                self.log.rate_limit_remaining = int(remaining)
            if response.status_code == 304:
                self.log.not_modified += 1
                return response
            if response.status_code in REDIRECT_STATUSES:
                target = self._redirect_target(method, url, target, response)
                hops += 1
                if hops > MAX_REDIRECTS:
                    raise GitHubError(f"{method} {url}: more than {MAX_REDIRECTS} redirects")
                continue
            if response.status_code >= 500 and retry_any_failure and not last_try:
                self._sleep(RETRY_BACKOFF_SECONDS[attempt])
                attempt += 1
                continue
            limited = _rate_limit_error(response, self._now())
            if limited is not None:
                raise limited
            if response.status_code == 404:
                raise NotFound(f"{method} {url}: not found", status=404)
            if response.status_code >= 400:
                raise GitHubError(
                    f"{method} {url}: HTTP {response.status_code} {response.text[:200]}",
                    status=response.status_code,
                )
            return response

    def _send(
        self, method: str, url: str, json: Any, headers: dict | None, max_bytes: int | None
    ) -> httpx.Response:
        request = self.http.build_request(method, url, json=json, headers=headers)
        streamed = self.http.send(request, stream=True)
        body = bytearray()
        try:
            for chunk in streamed.iter_bytes():
                body += chunk
                if max_bytes is not None and len(body) > max_bytes:
                    del body[max_bytes + 1 :]
                    break
        finally:
            streamed.close()
        # The body is decoded already: the new response must not decode it again.
        kept = [
            (key, value)
            for key, value in streamed.headers.multi_items()
            if key.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        return httpx.Response(
            streamed.status_code, headers=kept, content=bytes(body), request=request
        )

    def _redirect_target(
        self, method: str, url: str, current: str, response: httpx.Response
    ) -> str:
        location = response.headers.get("location", "")
        if not location:
            raise GitHubError(
                f"{method} {url}: HTTP {response.status_code} without a Location",
                status=response.status_code,
            )
        target = str(httpx.URL(current).join(location))
        # 307 and 308 ask for the same request there, and say it was not carried
        # out here (GitHub answers a write to a renamed repository with 307): safe
        # to repeat for any method. A 301 or 302 is followed by reads only.
        if method.upper() != "GET" and response.status_code not in (307, 308):
            raise GitHubError(
                f"{method} {url}: moved (HTTP {response.status_code}) to {target}; not repeated",
                status=response.status_code,
            )
        if _origin(target) != _origin(self.base_url):
            # The Authorization header goes with every request.
            raise GitHubError(
                f"{method} {url}: redirected to {_origin_text(target)}, not to the "
                f"configured API {_origin_text(self.base_url)}; not following it.",
                status=response.status_code,
            )
        self.redirects.append((current, target))
        return target

    def moved_repository_id(self) -> int | None:
        """The id of the repository a followed redirect pointed at (a renamed or
        transferred repository), or None."""
        for _, target in self.redirects:
            found = REPOSITORY_ID_RE.search(httpx.URL(target).path)
            if found:
                return int(found.group(1))
        return None

    def get_page(self, url: str) -> Page:
        """One page, conditional on the stored ETag; a 304 returns the stored data.

        GitHub's ETag covers a page's body only: when a list grows past a full
        page, page 1 stays 304 and the new `Link: rel="next"` comes on the 304.
        So the next page is read from the 304's Link header when it has one."""
        url = self.url(url)
        cached = self.etags.get(url) if self.etags is not None else None
        headers = {"If-None-Match": cached.etag} if cached is not None and cached.etag else None
        response = self.request("GET", url, headers=headers)
        if response.status_code == 304 and cached is not None:
            link = response.headers.get("link")
            next_url = cached.next_url if link is None else parse_next_link(link)
            return Page(
                url,
                cached.data,
                cached.etag,
                next_url,
                not_modified=True,
                next_url_changed=next_url != cached.next_url,
            )
        return Page(
            url,
            response.json(),
            response.headers.get("etag", ""),
            parse_next_link(response.headers.get("link", "")),
            not_modified=False,
        )

    def get_all(self, path: str, **params: Any) -> Listing:
        """Every page of a list, following `Link: rel="next"` (absolute URLs).

        An unchanged (304) last page that is exactly full is followed by a look
        at the page after it: should a 304 ever come without its Link header, a
        list that grew past the full page is still seen (the look is a 304 too
        once answered, so it costs no rate-limit unit)."""
        url: str = self.url(path, per_page=PER_PAGE, **params)
        pages: list[Page] = []
        seen: set[str] = set()
        while url and url not in seen:
            seen.add(url)
            page = self.get_page(url)
            pages.append(page)
            url = page.next_url or _page_after_full(page)
            if url and _origin(self.url(url)) != _origin(self.base_url):
                # The Authorization header goes with every request: a Link header
                # (or a stored next URL) pointing elsewhere must not get our token.
                raise GitHubError(
                    f"GET {path}: the next page is on {_origin_text(url)}, not on the "
                    f"configured API {_origin_text(self.base_url)}; not following it."
                )
        return Listing(pages)

    def get_json(self, path: str, **params: Any) -> Any:
        return self.get_page(self.url(path, **params)).data

    def get_raw(self, path: str, *, max_bytes: int, **params: Any) -> bytes:
        """A file's bytes (raw media type: any size up to GitHub's 100 MB), read
        up to `max_bytes` plus one byte."""
        response = self.request(
            "GET", self.url(path, **params), headers={"Accept": RAW_MEDIA_TYPE}, max_bytes=max_bytes
        )
        return response.content

    def post_json(self, path: str, payload: dict) -> Any:
        return self.request("POST", path, json=payload).json()

    def patch_json(self, path: str, payload: dict) -> Any:
        return self.request("PATCH", path, json=payload).json()


def _page_after_full(page: Page) -> str:
    """The URL of the page after an unchanged, exactly full last page ("" otherwise)."""
    if not page.not_modified or not isinstance(page.data, list) or len(page.data) != PER_PAGE:
        return ""
    query = dict(parse_qsl(urlsplit(page.url).query))
    if query.get("per_page") != str(PER_PAGE):
        return ""
    number = int(query["page"]) if query.get("page", "").isdigit() else 1
    return with_query(page.url, page=number + 1)


class DatabaseETags:
    """ETags and data of polled URLs, shared by all workers through the database."""

    def get(self, url: str) -> Cached | None:
        row = GitHubETag.objects.filter(url=url).first()
        if row is None:
            return None
        return Cached(etag=row.etag, data=row.data, next_url=row.next_url)

    def remember(self, pages: Iterable[Page]) -> None:
        """Store new answers. Called in the same transaction that applies them, so a
        failed run keeps the old ETags and the next run fetches the changes again."""
        now = timezone.now()
        for page in pages:
            if page.not_modified and page.next_url_changed:
                GitHubETag.objects.filter(url=page.url).update(next_url=page.next_url)
            if page.not_modified or not page.etag:
                continue
            GitHubETag.objects.update_or_create(
                url=page.url,
                defaults={
                    "etag": page.etag,
                    "data": page.data,
                    "next_url": page.next_url,
                    "fetched_at": now,
                },
            )


def client_for(cohort: Cohort) -> GitHubClient:
    """A client with the cohort's own token if it has one, else GITHUB_TOKEN."""
    token = GitHubSettings.objects.filter(cohort=cohort).values_list("token", flat=True).first()
    return GitHubClient(token=token or "", etags=DatabaseETags())


# ---------------------------------------------------------------- the app's own account


APP_LOGIN_SECONDS = 24 * 60 * 60


def app_login(client: GitHubClient) -> str:
    """The login of the account the client's token belongs to (GET /user), cached
    per token and API. The app posts reminder comments and summaries with it, and
    must not read them back as someone's report. "" without a token, or when
    GitHub does not say (a GitHub App's installation token gets 403 there; its
    comments come from a `[bot]` account anyway)."""
    if not client.token:
        return ""
    digest = hashlib.sha256(f"{client.base_url}\n{client.token}".encode()).hexdigest()
    key = f"github-app-login:{digest}"
    login = cache.get(key)
    if login is None:
        try:
            login = str((client.get_json("/user") or {}).get("login") or "")
        except RateLimited:
            raise
        except GitHubError as error:
            if error.status not in (401, 403, 404):
                raise
            login = ""
        cache.set(key, login, APP_LOGIN_SECONDS)
    return login


def app_login_for(cohort: Cohort) -> str:
    """app_login for the token the cohort's requests use."""
    with client_for(cohort) as client:
        return app_login(client)


def repository_name(client: GitHubClient, repository_id: int) -> str:
    """The current owner/name of a repository, by its id (a redirect's target)."""
    data = client.get_json(f"/repositories/{repository_id}")
    return str((data or {}).get("full_name") or "")


# ---------------------------------------------------------------- search
# GitHub's search API has its own limit, apart from the core one: 30 requests a
# minute for an authenticated client (10 without a token), announced in the
# x-ratelimit-* headers of each search answer (x-ratelimit-resource: search).
# At most 1000 results a query (docs.github.com/rest/search/search).

SEARCH_MAX_RESULTS = 1000
# A command waits for the search limit's reset (under a minute on GitHub); a
# longer wait (an exhausted primary limit, a long retry-after) is reported instead.
SEARCH_MAX_WAIT = datetime.timedelta(minutes=5)


@dataclass
class SearchResult:
    items: list[dict]
    total_count: int
    # GitHub's search stopped at its time limit: there may be more.
    incomplete: bool


class SearchPacer:
    """Searches through a client without ever going over the search limit.

    It reads the remaining budget from each answer; when none is left it waits
    for the reset (`wait=True`, for commands) or raises RateLimited before
    sending (`wait=False`, for Celery tasks, which reschedule themselves). A 403
    that still comes (another process spent the budget) is handled the same way.
    """

    def __init__(self, client: GitHubClient, *, wait: bool) -> None:
        self.client = client
        self.wait = wait
        self.remaining: int | None = None
        self.reset_at: datetime.datetime | None = None
        self.requests = 0
        self.waits = 0

    def search_issues(
        self,
        query: str,
        *,
        sort: str = "created",
        order: str = "asc",
        limit: int = SEARCH_MAX_RESULTS,
    ) -> SearchResult:
        """Every page of a search, up to `limit` items. `advanced_search=true`
        asks for the syntax GitHub's issue search reads by default since
        2025-09-04 (spaces AND every qualifier, `OR` and parentheses group;
        google/go-github#3867 on the REST parameter)."""
        url = self.client.url(
            "/search/issues",
            q=query,
            sort=sort,
            order=order,
            per_page=min(limit, PER_PAGE),
            advanced_search="true",
        )
        items: list[dict] = []
        total = 0
        incomplete = False
        while url:
            response = self._get(url)
            data = response.json()
            items += data.get("items", [])
            total = int(data.get("total_count", 0))
            incomplete = incomplete or bool(data.get("incomplete_results"))
            url = parse_next_link(response.headers.get("link", ""))
            if len(items) >= limit:
                break
            if url and _origin(self.client.url(url)) != _origin(self.client.base_url):
                raise GitHubError(
                    f"search: the next page is on {_origin_text(url)}; not following it."
                )
        return SearchResult(items, total, incomplete)

    def _get(self, url: str) -> httpx.Response:
        for _attempt in range(3):
            self._before_request()
            try:
                response = self.client.request("GET", url)
            except RateLimited as exc:
                self.remaining, self.reset_at = 0, exc.retry_at
                continue
            finally:
                self.requests += 1
            self._note_limit(response)
            return response
        raise RateLimited(self.reset_at or self.client._now(), status=403)

    def _before_request(self) -> None:
        if self.remaining != 0 or self.reset_at is None:
            return
        now = self.client._now()
        if now >= self.reset_at:
            self.remaining = None
            return
        if not self.wait or self.reset_at - now > SEARCH_MAX_WAIT:
            raise RateLimited(self.reset_at, status=403)
        self.waits += 1
        self.client._sleep((self.reset_at - now).total_seconds())
        self.remaining = None

    def _note_limit(self, response: httpx.Response) -> None:
        headers = response.headers
        remaining, reset = headers.get("x-ratelimit-remaining"), headers.get("x-ratelimit-reset")
        if remaining is not None and remaining.isdigit():
            self.remaining = int(remaining)
        if reset is not None and reset.isdigit():
            self.reset_at = datetime.datetime.fromtimestamp(int(reset), tz=datetime.UTC)
