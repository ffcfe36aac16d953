"""A tracked repository's activity since a moment, listed instead of searched.

One listing of a repository answers for every student at once, where the
search API costs four searches per student, period and group of repositories
(reports/github/evidence.py, search_queries). Through GitHub's GraphQL API:
the pull requests by last update, newest first, down to the start (each with
its author, dates and reviewers: no REST listing has the reviewers, which is
why the reviews given were the one kind a listing could not answer), and the
issues by creation, newest first, down to the same start. A student's work of
a period is then picked out locally by `pick_work`, with the rules the
searches apply.

Which costs less depends on the camp and the repository: the collector
compares the GitHub time each implies at its documented limit (a search: 2 s
at 30 a minute; a GraphQL point: 0.72 s at 5,000 an hour) and lists a
repository while its listing stays the cheaper (`estimated_pages`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from reports.github.client import GitHubError
from reports.github.graphql import GraphQLPacer

# docs.github.com, REST "Search" (30 requests a minute) and GraphQL "Rate
# limits and query limits" (5,000 points an hour for a user).
SEARCH_SECONDS = 60 / 30
POINT_SECONDS = 3600 / 5000
SEARCHES_PER_STUDENT = 4
# Pages whose items were all updated (or opened) within this span say nothing
# about the rate of a repository (a deadline's burst, a bot's sweep): the
# estimate waits for a longer span, and meanwhile the listing goes on until it
# has cost what the searches would.
MIN_SPAN_FOR_ESTIMATE = datetime.timedelta(hours=1)
# The queries ask for GitHub's largest page, 100 nodes, and 50 reviews a pull
# request, which covers nearly all of them (more are read for that pull request
# alone); a page costs one point: (1 + 100) requests / 100, rounded.

PULLS_QUERY = """
query($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    nameWithOwner
    pullRequests(first: 100, after: $after, orderBy: {field: UPDATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        number title url state createdAt updatedAt mergedAt closedAt
        author { login }
        reviews(first: 50) { totalCount nodes { author { login } state } }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}
"""

ISSUES_QUERY = """
query($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    issues(first: 100, after: $after, orderBy: {field: CREATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes { number title url state createdAt closedAt author { login } }
    }
  }
  rateLimit { cost remaining resetAt }
}
"""

REVIEWS_QUERY = """
query($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviews(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { author { login } state }
      }
    }
  }
  rateLimit { cost remaining resetAt }
}
"""


class RepositoryRefused(GitHubError):
    """GitHub will not let this token read the repository (it does not exist,
    or is not visible): GitHub's own words are the message."""


class ListingTooCostly(Exception):
    """Listing the repository would cost more GitHub time than searching it."""


def parse_time(stamp: str | None) -> datetime.datetime | None:
    if not stamp:
        return None
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def search_seconds(student_periods: int) -> float:
    """The GitHub time the searches of this many students and periods take."""
    return student_periods * SEARCHES_PER_STUDENT * SEARCH_SECONDS


def estimated_pages(
    pages: int, newest: datetime.datetime, oldest: datetime.datetime, since: datetime.datetime
) -> float:
    """The pages a newest-first listing down to `since` takes, from `pages`
    read so far that reach from `newest` back to `oldest`."""
    if oldest <= since:
        return float(pages)
    covered = max((newest - oldest).total_seconds(), 1.0)
    return pages * (1 + (oldest - since).total_seconds() / covered)


def listing_costs_more(
    spent: int,
    expected: float,
    covered: datetime.timedelta,
    budget_seconds: float | None,
) -> bool:
    """Whether to stop a listing and search instead: it has already cost the
    searches' time, or it is expected to (once its pages span long enough to
    tell the repository's rate)."""
    if budget_seconds is None:
        return False
    if spent * POINT_SECONDS > budget_seconds:
        return True
    return covered >= MIN_SPAN_FOR_ESTIMATE and expected * POINT_SECONDS > budget_seconds


@dataclass(frozen=True)
class ListedPull:
    item: dict[str, Any]
    author: str  # lower case
    created: datetime.datetime
    updated: datetime.datetime
    merged: datetime.datetime | None
    reviewers: frozenset[str]  # lower case, pending reviews left out


@dataclass(frozen=True)
class ListedIssue:
    item: dict[str, Any]
    author: str
    created: datetime.datetime


@dataclass
class RepositoryActivity:
    repository: str
    since: datetime.datetime
    pulls: list[ListedPull] = field(default_factory=list)
    issues: list[ListedIssue] = field(default_factory=list)
    requests: int = 0

    def find(self, number: int) -> tuple[str, dict[str, Any], frozenset[str]] | None:
        """(kind, item, reviewers) of a pull request or issue the listing holds."""
        return self._by_number.get(number)

    @cached_property
    def _by_number(self) -> dict[int, tuple[str, dict[str, Any], frozenset[str]]]:
        found = {i.item["number"]: ("issue", i.item, frozenset()) for i in self.issues}
        found |= {p.item["number"]: ("pull", p.item, p.reviewers) for p in self.pulls}
        return found

    @cached_property
    def by_person(self) -> dict[str, tuple[list[ListedPull], list[ListedPull], list[ListedIssue]]]:
        """Login -> (pull requests they authored, ones they reviewed, issues they opened)."""
        people: dict[str, tuple[list, list, list]] = {}
        for pull in self.pulls:
            people.setdefault(pull.author, ([], [], []))[0].append(pull)
            for reviewer in pull.reviewers:
                people.setdefault(reviewer, ([], [], []))[1].append(pull)
        for issue in self.issues:
            people.setdefault(issue.author, ([], [], []))[2].append(issue)
        return people


def listed_item(repository: str, node: dict[str, Any], *, is_pull: bool) -> dict[str, Any]:
    """A listed pull request or issue in the shape evidence keeps
    (reports.github.evidence.work_item gives a searched one the same)."""
    url = str(node.get("url") or "")
    return {
        "repo": repository,
        "number": node["number"],
        "title": node.get("title") or "",
        "state": str(node.get("state") or "OPEN").lower(),
        "url": url if url.startswith(("https://", "http://")) else "",
        "author": (node.get("author") or {}).get("login", ""),
        "created_at": node.get("createdAt"),
        "merged_at": node.get("mergedAt") if is_pull else None,
        "closed_at": node.get("closedAt"),
    }


def list_activity(
    pacer: GraphQLPacer,
    repository: str,
    since: datetime.datetime,
    *,
    budget_seconds: float | None = None,
) -> RepositoryActivity:
    """The repository's pull requests updated and issues opened since `since`.
    With a budget, ListingTooCostly as soon as the listing is expected to cost
    more GitHub time than that."""
    owner, _, name = repository.partition("/")
    activity = RepositoryActivity(repository, since)
    requests_before = pacer.requests
    spent = 0

    def check_budget(expected: float, newest: datetime.datetime, oldest: datetime.datetime) -> None:
        if listing_costs_more(spent, expected, newest - oldest, budget_seconds):
            raise ListingTooCostly(repository)

    newest: datetime.datetime | None = None
    after = None
    while True:
        answer = pacer.query(PULLS_QUERY, {"owner": owner, "name": name, "after": after})
        refused = answer.not_found("repository")
        if refused:
            raise RepositoryRefused(refused)
        found = answer.data["repository"]
        repository = found.get("nameWithOwner") or repository
        activity.repository = repository
        connection = found["pullRequests"]
        spent += 1
        oldest = None
        for node in connection["nodes"]:
            updated = parse_time(node["updatedAt"])
            newest = newest or updated
            oldest = updated
            if updated < since:
                break
            activity.pulls.append(_listed_pull(pacer, repository, node))
        if oldest is None or oldest < since or not connection["pageInfo"]["hasNextPage"]:
            break
        # At least one page of issues is still to come.
        check_budget(estimated_pages(spent, newest, oldest, since) + 1, newest, oldest)
        after = connection["pageInfo"]["endCursor"]

    pulls_pages, newest, after = spent, None, None
    while True:
        answer = pacer.query(ISSUES_QUERY, {"owner": owner, "name": name, "after": after})
        connection = answer.data["repository"]["issues"]
        spent += 1
        oldest = None
        for node in connection["nodes"]:
            created = parse_time(node["createdAt"])
            newest = newest or created
            oldest = created
            if created < since:
                break
            activity.issues.append(
                ListedIssue(
                    listed_item(repository, node, is_pull=False),
                    _login(node),
                    created,
                )
            )
        if oldest is None or oldest < since or not connection["pageInfo"]["hasNextPage"]:
            break
        expected = pulls_pages + estimated_pages(spent - pulls_pages, newest, oldest, since)
        check_budget(expected, newest, oldest)
        after = connection["pageInfo"]["endCursor"]
    activity.requests = pacer.requests - requests_before
    return activity


def _login(node: dict[str, Any]) -> str:
    return ((node.get("author") or {}).get("login") or "").lower()


def _listed_pull(pacer: GraphQLPacer, repository: str, node: dict[str, Any]) -> ListedPull:
    reviews = node.get("reviews") or {}
    nodes = list(reviews.get("nodes") or [])
    if int(reviews.get("totalCount") or 0) > len(nodes):
        nodes = _all_reviews(pacer, repository, node["number"])
    return ListedPull(
        item=listed_item(repository, node, is_pull=True),
        author=_login(node),
        created=parse_time(node["createdAt"]),
        updated=parse_time(node["updatedAt"]),
        merged=parse_time(node.get("mergedAt")),
        reviewers=frozenset(
            _login(review)
            for review in nodes
            if review.get("state") != "PENDING" and _login(review)
        ),
    )


def _all_reviews(pacer: GraphQLPacer, repository: str, number: int) -> list[dict[str, Any]]:
    owner, _, name = repository.partition("/")
    reviews: list[dict[str, Any]] = []
    after = None
    while True:
        answer = pacer.query(
            REVIEWS_QUERY, {"owner": owner, "name": name, "number": number, "after": after}
        )
        connection = ((answer.data["repository"] or {}).get("pullRequest") or {}).get("reviews")
        if not connection:
            return reviews
        reviews += connection["nodes"] or []
        if not connection["pageInfo"]["hasNextPage"]:
            return reviews
        after = connection["pageInfo"]["endCursor"]


def pick_work(
    activities: Iterable[RepositoryActivity],
    login: str,
    start: datetime.datetime,
    end: datetime.datetime,
) -> dict[str, list[dict[str, Any]]]:
    """One student's work of one period, by the searches' rules: pull requests
    they opened (created in the period) and got merged (merged in it), the
    pull requests of others they reviewed that were updated in the period
    (GitHub's reviewed-by: has no date), the issues they opened."""
    who = login.lower()
    found: dict[str, list[dict[str, Any]]] = {
        "prs_opened": [],
        "prs_merged": [],
        "reviews_given": [],
        "issues_opened": [],
    }
    for activity in activities:
        authored, reviewed, issues = activity.by_person.get(who, ([], [], []))
        for pull in authored:
            if start <= pull.created <= end:
                found["prs_opened"].append(pull.item)
            if pull.merged is not None and start <= pull.merged <= end:
                found["prs_merged"].append(pull.item)
        for pull in reviewed:
            if pull.author != who and start <= pull.updated <= end:
                found["reviews_given"].append(pull.item)
        for issue in issues:
            if start <= issue.created <= end:
                found["issues_opened"].append(issue.item)
    return found
