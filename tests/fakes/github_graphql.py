"""GitHub's GraphQL API (POST /graphql) for the fake GitHub, over its data.

A subset of GitHub's public schema, with GitHub's own type, field and argument
names (Repository.pullRequests takes `orderBy: IssueOrder`, as GitHub's does),
executed by graphql-core, the reference implementation's Python port: a query
that names a field or an argument GitHub does not have fails here as it would
there. What GitHub adds on top, from docs.github.com, GraphQL, "Rate limits and
query limits for the GraphQL API":

- every connection needs `first` or `last`, within 1-100, and a call asks for
  at most 500,000 nodes (else an error and no data);
- a call costs points: the requests needed to fill each connection (a nested
  connection once per parent node it may have), divided by 100 and rounded,
  at least 1; 5,000 points an hour for a user, announced in x-ratelimit-*
  headers with x-ratelimit-resource: graphql;
- past the limit "the response status will still be 200", with an error and
  x-ratelimit-remaining: 0.

A repository that does not exist or that the token may not see is
`repository: null` with an error of type NOT_FOUND on the path
["repository"], "Could not resolve to a Repository with the name 'o/r'."
(as berenddeboer/ready-for-agent#1038 and cli/cli#436 quote it).
"""

from __future__ import annotations

import base64
import datetime
import time
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLError,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_schema,
    execute,
    get_named_type,
    parse,
    validate,
    visit,
)

if TYPE_CHECKING:
    from tests.fakes.github import FakeGitHub

SCHEMA = build_schema(
    """
    scalar DateTime
    scalar URI

    enum OrderDirection { ASC DESC }
    enum IssueOrderField { COMMENTS CREATED_AT UPDATED_AT }
    input IssueOrder { field: IssueOrderField! direction: OrderDirection! }
    input IssueFilters { since: DateTime createdBy: String assignee: String }
    enum IssueState { OPEN CLOSED }
    enum PullRequestState { OPEN CLOSED MERGED }
    enum PullRequestReviewState { PENDING COMMENTED APPROVED CHANGES_REQUESTED DISMISSED }

    interface Actor { login: String! url: URI! }
    type User implements Actor { login: String! url: URI! }
    type Bot implements Actor { login: String! url: URI! }

    type PageInfo {
      hasNextPage: Boolean!
      hasPreviousPage: Boolean!
      startCursor: String
      endCursor: String
    }

    type PullRequestReview {
      author: Actor
      state: PullRequestReviewState!
      submittedAt: DateTime
    }
    type PullRequestReviewConnection {
      totalCount: Int!
      pageInfo: PageInfo!
      nodes: [PullRequestReview]
    }

    type PullRequest {
      number: Int!
      title: String!
      url: URI!
      state: PullRequestState!
      createdAt: DateTime!
      updatedAt: DateTime!
      mergedAt: DateTime
      closedAt: DateTime
      author: Actor
      reviews(
        after: String, before: String, first: Int, last: Int,
        author: String, states: [PullRequestReviewState!]
      ): PullRequestReviewConnection
    }
    type PullRequestConnection {
      totalCount: Int!
      pageInfo: PageInfo!
      nodes: [PullRequest]
    }

    type Issue {
      number: Int!
      title: String!
      url: URI!
      state: IssueState!
      createdAt: DateTime!
      updatedAt: DateTime!
      closedAt: DateTime
      author: Actor
    }
    type IssueConnection {
      totalCount: Int!
      pageInfo: PageInfo!
      nodes: [Issue]
    }

    type Repository {
      nameWithOwner: String!
      pullRequest(number: Int!): PullRequest
      pullRequests(
        after: String, before: String, first: Int, last: Int,
        baseRefName: String, headRefName: String, labels: [String!],
        orderBy: IssueOrder, states: [PullRequestState!]
      ): PullRequestConnection!
      issues(
        after: String, before: String, first: Int, last: Int,
        filterBy: IssueFilters, labels: [String!], orderBy: IssueOrder, states: [IssueState!]
      ): IssueConnection!
    }

    type RateLimit {
      cost: Int!
      limit: Int!
      nodeCount: Int!
      remaining: Int!
      resetAt: DateTime!
      used: Int!
    }

    type Query {
      repository(owner: String!, name: String!, followRenames: Boolean = true): Repository
      rateLimit(dryRun: Boolean = false): RateLimit
    }
    """
)

MAX_NODES = 500_000
ORDER_KEYS = {"CREATED_AT": "created_at", "UPDATED_AT": "updated_at", "COMMENTS": "comments"}


class NotFound(GraphQLError):
    type = "NOT_FOUND"


class GraphQLEndpoint:
    """POST /graphql of a FakeGitHub, with its own points budget."""

    LIMIT = 5000

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake
        self.limit = self.LIMIT
        self.window_seconds = 3600.0
        self._window_start = time.time()
        self.used = 0
        self.limit_hits = 0
        # (query, variables, cost) of every call answered with data.
        self.calls: list[tuple[str, dict, int]] = []

    def answer(self, payload: dict) -> tuple[int, dict, dict[str, str]]:
        now = time.time()
        if now >= self._window_start + self.window_seconds:
            self._window_start, self.used = now, 0
        query, variables = payload.get("query") or "", payload.get("variables") or {}
        try:
            document = parse(query)
        except GraphQLError as error:
            return 200, {"errors": [_error(error)]}, self._headers()
        problems = validate(SCHEMA, document)
        if problems:
            return 200, {"errors": [_error(e) for e in problems]}, self._headers()
        cost = _Cost(variables)
        visit(document, TypeInfoVisitor(cost.type_info, cost))
        if cost.errors:
            return 200, {"errors": cost.errors}, self._headers()
        if cost.nodes > MAX_NODES:
            message = f"This query requests up to {cost.nodes:,} possible nodes which exceeds the maximum limit of {MAX_NODES:,}."
            return 200, {"errors": [{"type": "MAX_NODE_LIMIT_EXCEEDED", "message": message}]}, {}
        points = max(1, round(cost.requests / 100))
        if self.used + points > self.limit:
            self.limit_hits += 1
            headers = self._headers()
            headers["x-ratelimit-remaining"] = "0"
            error = {"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}
            return 200, {"errors": [error]}, headers
        self.used += points
        root = {
            "repository": self._repository,
            "rateLimit": lambda info, dryRun=False: {
                "cost": points,
                "limit": self.limit,
                "nodeCount": cost.nodes,
                "remaining": self.limit - self.used,
                "used": self.used,
                "resetAt": _iso_epoch(self._reset_at()),
            },
        }
        result = execute(SCHEMA, document, root_value=root, variable_values=variables)
        self.calls.append((query, variables, points))
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [_error(e) for e in result.errors]
        return 200, body, self._headers()

    def _reset_at(self) -> int:
        return int(-(-(self._window_start + self.window_seconds) // 1))

    def _headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(max(0, self.limit - self.used)),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-reset": str(self._reset_at()),
            "x-ratelimit-resource": "graphql",
        }

    # ------------------------------------------------------------ resolvers

    def _repository(self, info, owner: str, name: str, followRenames: bool = True) -> dict:
        full = f"{owner}/{name}"
        match = next((r for r in self.fake.repos if r.lower() == full.lower()), None)
        if match is None or not self.fake._visible(match):
            raise NotFound(f"Could not resolve to a Repository with the name '{full}'.")
        data = self.fake.repos[match]
        return {
            "nameWithOwner": match,
            "pullRequest": lambda info, number: (
                self._pull(match, data.pulls[number]) if number in data.pulls else None
            ),
            "pullRequests": lambda info, **args: _connection(
                [
                    p
                    for p in _ordered(data.pulls.values(), args)
                    if not args.get("states") or _pull_state(p) in args["states"]
                ],
                args,
                lambda p: self._pull(match, p),
            ),
            "issues": lambda info, **args: _connection(
                _ordered(_filtered(data.issues.values(), args), args), args, self._issue
            ),
        }

    def _pull(self, repo: str, pull: dict) -> dict:
        if pull.get("merged_at"):
            state = "MERGED"
        else:
            state = "CLOSED" if pull.get("state") == "closed" else "OPEN"
        reviews = self.fake.reviews.get((repo, pull["number"]), [])
        return {
            "number": pull["number"],
            "title": pull.get("title") or "",
            "url": pull["html_url"],
            "state": state,
            "createdAt": pull["created_at"],
            "updatedAt": pull.get("updated_at") or pull["created_at"],
            "mergedAt": pull.get("merged_at"),
            "closedAt": pull.get("closed_at"),
            "author": _actor(pull.get("user")),
            "reviews": lambda info, **args: _connection(
                [
                    {
                        "author": _actor(r.get("user")),
                        "state": r.get("state") or "COMMENTED",
                        "submittedAt": r.get("submitted_at"),
                    }
                    for r in reviews
                    if not args.get("states") or (r.get("state") or "COMMENTED") in args["states"]
                ],
                args,
            ),
        }

    def _issue(self, issue: dict) -> dict:
        return {
            "number": issue["number"],
            "title": issue.get("title") or "",
            "url": issue["html_url"],
            "state": "CLOSED" if issue.get("state") == "closed" else "OPEN",
            "createdAt": issue["created_at"],
            "updatedAt": issue.get("updated_at") or issue["created_at"],
            "closedAt": issue.get("closed_at"),
            "author": _actor(issue.get("user")),
        }


def _actor(user: dict | None) -> dict | None:
    if not user:  # a deleted account: GitHub's GraphQL answers author: null
        return None
    kind = "Bot" if user.get("type") == "Bot" else "User"
    return {
        "__typename": kind,
        "login": user["login"],
        "url": f"https://github.com/{user['login']}",
    }


def _filtered(items, args: dict) -> list[dict]:
    since = (args.get("filterBy") or {}).get("since")
    found = list(items)
    if since:
        found = [i for i in found if (i.get("updated_at") or i["created_at"]) >= _z(since)]
    if args.get("states"):
        wanted = {s.lower() for s in args["states"]}
        found = [i for i in found if i.get("state", "open") in wanted]
    return found


def _ordered(items, args: dict) -> list[dict]:
    """GitHub's default order is by creation, oldest first."""
    order = args.get("orderBy") or {"field": "CREATED_AT", "direction": "ASC"}
    key = ORDER_KEYS[order["field"]]
    return sorted(
        items,
        key=lambda i: (i.get(key) or i["created_at"], i["number"]),
        reverse=order["direction"] == "DESC",
    )


def _pull_state(pull: dict) -> str:
    if pull.get("merged_at"):
        return "MERGED"
    return "CLOSED" if pull.get("state") == "closed" else "OPEN"


def _connection(items: list[dict], args: dict, convert=None) -> dict:
    """Cursor paging: `first` after a cursor, or `last` before one."""
    start, stop = 0, len(items)
    if args.get("after"):
        start = _position(args["after"]) + 1
    if args.get("before"):
        stop = _position(args["before"])
    if args.get("first") is not None:
        stop = min(stop, start + args["first"])
    elif args.get("last") is not None:
        start = max(start, stop - args["last"])
    page = items[start:stop]
    return {
        "totalCount": len(items),
        "pageInfo": {
            "hasNextPage": stop < len(items),
            "hasPreviousPage": start > 0,
            "startCursor": _cursor(start) if page else None,
            "endCursor": _cursor(stop - 1) if page else None,
        },
        "nodes": [convert(item) for item in page] if convert else page,
    }


def _cursor(position: int) -> str:
    return base64.b64encode(f"cursor:v2:{position}".encode()).decode()


def _position(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor).decode().rsplit(":", 1)[1])
    except (ValueError, IndexError) as exc:
        raise GraphQLError(f"`{cursor}` does not appear to be a valid cursor.") from exc


def _z(stamp: str) -> str:
    """An ISO date-time as the fake stores them (UTC, Z), for comparing as text."""
    moment = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_epoch(epoch: int) -> str:
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(error: GraphQLError) -> dict:
    formatted: dict[str, Any] = {"message": error.message}
    original = error.original_error
    kind = getattr(original, "type", None) or getattr(error, "type", None)
    if isinstance(kind, str):
        formatted["type"] = kind
    if error.path:
        formatted["path"] = list(error.path)
    if error.locations:
        formatted["locations"] = [{"line": at.line, "column": at.column} for at in error.locations]
    return formatted


class _Cost(Visitor):
    """GitHub's node limit and points of a call, before it runs: each connection
    needs `first` or `last` (1-100); a connection nested in another is fetched
    once per node its parent may hold."""

    def __init__(self, variables: dict) -> None:
        super().__init__()
        self.type_info = TypeInfo(SCHEMA)
        self.variables = variables
        self.stack = [1]
        self.requests = 0
        self.nodes = 0
        self.errors: list[dict] = []

    def enter_field(self, node, *_args) -> None:
        field = self.type_info.get_field_def()
        multiplier = self.stack[-1]
        named = get_named_type(field.type) if field is not None else None
        if named is not None and named.name.endswith("Connection"):
            limit = self._argument(node, "first")
            if limit is None:
                limit = self._argument(node, "last")
            name = node.name.value
            if limit is None:
                self.errors.append(
                    {
                        "type": "MISSING_PAGINATION_BOUNDARIES",
                        "message": f"You must provide a `first` or `last` value to properly paginate the `{name}` connection.",
                    }
                )
                limit = 0
            elif not 1 <= limit <= 100:
                self.errors.append(
                    {
                        "type": "EXCESSIVE_PAGINATION",
                        "message": f"Requesting {limit} records on the `{name}` connection exceeds the `first` limit of 100 records.",
                    }
                )
            self.requests += multiplier
            multiplier *= max(limit, 0)
            self.nodes += multiplier
        self.stack.append(multiplier)

    def leave_field(self, *_args) -> None:
        self.stack.pop()

    def _argument(self, node, name: str) -> int | None:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if value.kind == "variable":
                found = self.variables.get(value.name.value)
                return int(found) if found is not None else None
            return int(value.value) if value.kind == "int_value" else None
        return None
