"""The fake GitHub's search and GraphQL behave as GitHub's do (the sources are
cited in tests/fakes/github_search.py, tests/fakes/github_graphql.py and the
search section of tests/fakes/github.py)."""

from __future__ import annotations

import datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakes import github_search
from tests.fakes.github import FakeGitHub

DAY = datetime.datetime(2025, 3, 5, 10, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def fake():
    fake = FakeGitHub().start()
    fake.search_limit = 10_000
    fake.add_work_pull("a/x", "alice", title="x1", created_at=DAY, reviewers={"bob": DAY})
    fake.add_work_pull("b/y", "alice", title="y1", created_at=DAY)
    fake.add_work_pull("b/y", "carol", title="y2", created_at=DAY)
    fake.add_work_issue("a/x", "alice", title="an issue", created_at=DAY)
    fake.repo("hidden/z")
    fake.invisible_repos.add("hidden/z")
    yield fake
    fake.stop()


def search(fake: FakeGitHub, q: str) -> httpx.Response:
    return httpx.get(f"{fake.base_url}/search/issues", params={"q": q, "advanced_search": "true"})


def titles(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["title"] for item in response.json()["items"]}


def test_spaces_and_every_qualifier_repo_included(fake):
    assert titles(search(fake, "is:pr repo:a/x repo:b/y")) == set()
    assert titles(search(fake, "is:pr author:alice repo:b/y")) == {"y1"}


def test_or_and_parentheses_group_them(fake):
    assert titles(search(fake, "is:pr author:alice (repo:a/x OR repo:b/y)")) == {"x1", "y1"}
    assert titles(search(fake, "is:pr (author:carol OR reviewed-by:bob)")) == {"x1", "y2"}
    assert titles(search(fake, "is:pr -author:alice (repo:a/x OR repo:b/y)")) == {"y2"}


def test_and_binds_tighter_than_or(fake):
    # (repo:b/y AND author:carol) OR author:alice, as cli/cli#12264 found.
    found = titles(search(fake, "is:pr repo:b/y author:carol OR is:pr author:alice"))
    assert found == {"y2", "x1", "y1"}


def test_more_than_five_operators_or_five_levels_is_refused(fake):
    six = " OR ".join(f"author:u{n}" for n in range(7))
    assert search(fake, f"is:pr ({six})").status_code == 422
    deep = "is:pr " + "(" * 6 + "author:alice" + ")" * 6
    assert search(fake, deep).status_code == 422
    assert search(fake, "is:pr " + "(" * 5 + "author:alice" + ")" * 5).status_code == 200


def test_a_repository_that_cannot_be_searched(fake):
    for q in ("is:pr repo:nobody/nothing", "is:pr repo:hidden/z"):
        refused = search(fake, q)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["message"] == FakeGitHub.UNSEARCHABLE
        assert refused.headers["x-ratelimit-resource"] == "search"
    # One that does not exist refuses the whole query; one the token may not
    # see, named beside one it may, is dropped without a word.
    assert search(fake, "is:pr (repo:nobody/nothing OR repo:b/y)").status_code == 422
    assert titles(search(fake, "is:pr (repo:hidden/z OR repo:b/y) author:alice")) == {"y1"}
    assert httpx.get(f"{fake.base_url}/repos/hidden/z").status_code == 404


def test_incomplete_results_when_asked(fake):
    fake.search_timeouts.append(("author:alice", 1))
    try:
        answer = search(fake, "is:pr author:alice").json()
    finally:
        fake.search_timeouts.clear()
    assert answer["incomplete_results"] is True
    assert len(answer["items"]) == 1
    assert search(fake, "is:pr author:alice").json()["incomplete_results"] is False


TERMS = st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=5)


@settings(max_examples=60, deadline=None)
@given(named=TERMS, repo=st.sampled_from(["a", "b", "c", "d"]))
def test_spaces_and_or_read_as_github_reads_them(named, repo):
    """Spaces: every repo: must hold (so two different ones never do); OR: any."""
    qualifiers = [f"repo:o/{name}" for name in named]

    def holds(term: github_search.Term) -> bool:
        return term.value == f"o/{repo}"

    spaced = github_search.parse(" ".join(qualifiers))
    assert github_search.evaluate(spaced, holds) == all(name == repo for name in named)
    ored = github_search.parse(f"({' OR '.join(qualifiers)})")
    assert github_search.evaluate(ored, holds) == (repo in named)


# ---------------------------------------------------------------- GraphQL


def graphql(fake: FakeGitHub, query: str, **variables) -> httpx.Response:
    return httpx.post(f"{fake.base_url}/graphql", json={"query": query, "variables": variables})


PULLS = """query($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    pullRequests(first: 100, orderBy: {field: UPDATED_AT, direction: DESC}) {
      nodes { number title state author { login } reviews(first: 50) { nodes { author { login } } } }
    }
  }
  rateLimit { cost remaining }
}"""


def test_graphql_lists_with_reviewers_and_costs_points(fake):
    answer = graphql(fake, PULLS, owner="a", name="x")
    assert answer.status_code == 200
    assert answer.headers["x-ratelimit-resource"] == "graphql"
    data = answer.json()["data"]
    [pull] = data["repository"]["pullRequests"]["nodes"]
    assert (pull["title"], pull["author"]["login"]) == ("x1", "alice")
    assert [r["author"]["login"] for r in pull["reviews"]["nodes"]] == ["bob"]
    # 1 request for the pull requests + 100 for their reviews, / 100, rounded.
    assert data["rateLimit"]["cost"] == 1


def test_graphql_connections_need_first_or_last_within_100(fake):
    missing = graphql(fake, '{ repository(owner: "a", name: "x") { issues { totalCount } } }')
    assert missing.json()["errors"][0]["type"] == "MISSING_PAGINATION_BOUNDARIES"
    too_many = graphql(
        fake, '{ repository(owner: "a", name: "x") { issues(first: 101) { totalCount } } }'
    )
    assert too_many.json()["errors"][0]["type"] == "EXCESSIVE_PAGINATION"
    assert "data" not in too_many.json()
    unknown = graphql(fake, '{ repository(owner: "a", name: "x") { reviewers } }')
    assert "Cannot query field" in unknown.json()["errors"][0]["message"]


def test_graphql_repository_not_found(fake):
    for owner, name in (("nobody", "nothing"), ("hidden", "z")):
        body = graphql(fake, PULLS, owner=owner, name=name).json()
        assert body["data"]["repository"] is None
        [error] = body["errors"]
        assert (error["type"], error["path"]) == ("NOT_FOUND", ["repository"])
        assert error["message"] == (
            f"Could not resolve to a Repository with the name '{owner}/{name}'."
        )


def test_graphql_past_the_limit_answers_200_with_an_error():
    fake = FakeGitHub().start()
    try:
        fake.repo("a/x")
        fake.graphql.limit = 1
        assert graphql(fake, PULLS, owner="a", name="x").json()["data"]
        limited = graphql(fake, PULLS, owner="a", name="x")
        assert limited.status_code == 200
        assert limited.headers["x-ratelimit-remaining"] == "0"
        assert limited.json()["errors"][0]["type"] == "RATE_LIMITED"
        assert "data" not in limited.json()
    finally:
        fake.stop()
