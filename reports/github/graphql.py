"""Queries to GitHub's GraphQL API, within its points budget.

GitHub (docs.github.com, GraphQL, "Rate limits and query limits for the GraphQL
API"): 5,000 points an hour for a user, apart from the REST limits; a query
costs its connections' requests divided by 100, at least one point; the
x-ratelimit-* headers of each answer say what is left (resource `graphql`).
Past the limit the answer is still HTTP 200, with an error and
x-ratelimit-remaining: 0; nothing should be sent before x-ratelimit-reset.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from reports.github.client import SEARCH_MAX_WAIT, GitHubClient, GitHubError, RateLimited


def graphql_url(base_url: str) -> str:
    """https://api.github.com/graphql; a GitHub Enterprise Server's REST API
    lives under /api/v3 and its GraphQL API at /api/graphql."""
    base = base_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base.removesuffix("/v3") + "/graphql"
    return base + "/graphql"


@dataclass
class GraphQLAnswer:
    data: dict[str, Any]
    errors: list[dict[str, Any]]
    cost: int

    def not_found(self, field: str) -> str:
        """GitHub's message when `field` (e.g. "repository") could not be
        resolved (an error of type NOT_FOUND on that path), else ""."""
        for error in self.errors:
            if error.get("type") == "NOT_FOUND" and (error.get("path") or [None])[0] == field:
                return str(error.get("message") or "NOT_FOUND")
        return ""


class GraphQLPacer:
    """Queries through a client without going over the points budget: it reads
    what is left from each answer and, when nothing is, waits for the reset
    (`wait=True`, commands, if the reset is near) or raises RateLimited before
    sending (`wait=False`, tasks, which reschedule themselves)."""

    def __init__(self, client: GitHubClient, *, wait: bool) -> None:
        self.client = client
        self.wait = wait
        self.url = graphql_url(client.base_url)
        self.remaining: int | None = None
        self.reset_at: datetime.datetime | None = None
        self.requests = 0
        self.points = 0
        self.waits = 0

    def query(self, text: str, variables: dict[str, Any]) -> GraphQLAnswer:
        self._before_request()
        self.requests += 1
        response = self.client.request(
            "POST", self.url, json={"query": text, "variables": variables}, idempotent=True
        )
        self._note_limit(response.headers)
        body = response.json()
        errors = list(body.get("errors") or [])
        if any(error.get("type") == "RATE_LIMITED" for error in errors):
            self.remaining = 0
            raise RateLimited(self.reset_at or self.client._now(), status=response.status_code)
        data = body.get("data")
        if not isinstance(data, dict):
            messages = "; ".join(str(error.get("message")) for error in errors) or "no data"
            raise GitHubError(f"GraphQL: {messages}", status=response.status_code)
        cost = int((data.get("rateLimit") or {}).get("cost") or 1)
        self.points += cost
        return GraphQLAnswer(data, errors, cost)

    def _before_request(self) -> None:
        if self.remaining != 0 or self.reset_at is None:
            return
        now = self.client._now()
        if now >= self.reset_at:
            self.remaining = None
            return
        if not self.wait or self.reset_at - now > SEARCH_MAX_WAIT:
            raise RateLimited(self.reset_at, status=200)
        self.waits += 1
        self.client._sleep((self.reset_at - now).total_seconds())
        self.remaining = None

    def _note_limit(self, headers: Any) -> None:
        remaining, reset = headers.get("x-ratelimit-remaining"), headers.get("x-ratelimit-reset")
        if remaining is not None and remaining.isdigit():
            self.remaining = int(remaining)
        if reset is not None and reset.isdigit():
            self.reset_at = datetime.datetime.fromtimestamp(int(reset), tz=datetime.UTC)
