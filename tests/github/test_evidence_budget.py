"""Evidence within GitHub's rate limits: each tracked repository listed once for
everyone (GraphQL) or searched per student, whichever costs less GitHub time,
and the same evidence either way."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from camp.models import Role
from reports.github.activity import (
    POINT_SECONDS,
    SEARCH_SECONDS,
    ListedIssue,
    ListedPull,
    RepositoryActivity,
    estimated_pages,
    listed_item,
    listing_costs_more,
    parse_time,
    pick_work,
    search_seconds,
)
from reports.github.client import RateLimited
from reports.github.evidence import Method, collect_evidence, search_queries
from reports.github.tasks import collect_cohort_evidence
from reports.models import GitHubEvidence, ReferenceCheck
from reports.submissions import save_report
from tests.factories import MembershipFactory, UserFactory
from tests.fakes.github import FakeGitHub

UPSTREAM = "PaddlePaddle/Paddle"
DOCS = "PaddlePaddle/docs"
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
DURING_PERIOD_1 = datetime.datetime(2025, 3, 12, 9, tzinfo=datetime.UTC)
AFTER_PERIOD_1 = datetime.datetime(2025, 3, 25, 9, tzinfo=datetime.UTC)


def at(month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2025, month, day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def fake_github(settings):
    fake = FakeGitHub().start()
    fake.search_window_seconds = 0.05  # counting requests, not waiting for GitHub's minute
    settings.GITHUB_API_URL = fake.base_url
    settings.GITHUB_TOKEN = "global-token"
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch):
    monkeypatch.setattr("reports.github.client.RETRY_BACKOFF_SECONDS", (0, 0, 0))


# ---------------------------------------------------------------- same evidence

# Period 1 is 2025-03-03 .. 2025-03-16 in Shanghai. What each student did in it:
KNOWN = {
    "alice": {"prs_opened": 3, "prs_merged": 2, "reviews_given": 2, "issues_opened": 1},
    "bob": {"prs_opened": 1, "prs_merged": 0, "reviews_given": 1, "issues_opened": 0},
    "carol": {"prs_opened": 0, "prs_merged": 0, "reviews_given": 0, "issues_opened": 0},
}


@pytest.fixture
def known_scenario(camp, fake_github):
    """Two tracked repositories, one of them busy (a few hundred pull requests
    by others over the spring, so listings and searches both page), and the
    students' work of period 1 with its edges: work just before and after the
    period, a review of a pull request updated after it, a report's references."""
    fake = fake_github
    camp.cohort.repositories = [UPSTREAM, DOCS]
    camp.cohort.save()
    fake.add_busy_repository(UPSTREAM, pulls=400, issues=120, starts=at(2, 1), ends=at(3, 31))
    old = fake.add_work_pull(UPSTREAM, "maintainer-3", title="old", created_at=at(1, 10))
    alices = fake.add_work_pull(
        UPSTREAM, "alice", title="a1", created_at=at(3, 4), merged_at=at(3, 6)
    )
    fake.add_work_pull(UPSTREAM, "alice", title="a2", created_at=at(3, 10))
    fake.add_work_pull(DOCS, "alice", title="a-old", created_at=at(2, 20), merged_at=at(3, 15))
    fake.add_work_pull(DOCS, "alice", title="a-late", created_at=at(3, 17, 1))
    fake.add_work_pull(UPSTREAM, "alice", title="a-early", created_at=at(3, 2, 23))
    reviewed_upstream = fake.add_work_pull(
        UPSTREAM, "maintainer-1", created_at=at(3, 1), reviewers={"alice": at(3, 5)}
    )
    fake.add_work_pull(DOCS, "contributor-7", created_at=at(3, 8), reviewers={"alice": at(3, 9)})
    # Reviewed by alice, but updated again after the period: GitHub's
    # reviewed-by has no date, so the period is the pull request's update.
    fake.add_work_pull(
        UPSTREAM,
        "contributor-8",
        created_at=at(3, 8),
        reviewers={"alice": at(3, 9), "maintainer-2": at(3, 20)},
    )
    fake.add_work_issue(DOCS, "alice", title="a bug", created_at=at(3, 12))
    bobs = fake.add_work_pull(DOCS, "bob", title="b1", created_at=at(3, 11))
    fake.add_work_pull(
        UPSTREAM, "alice", title="own review", created_at=at(3, 3), reviewers={"alice": at(3, 4)}
    )
    fake.add_work_pull(UPSTREAM, "carol", title="c-old", created_at=at(2, 10))
    fake.repos[UPSTREAM].pulls[alices["number"]]["updated_at"] = "2025-03-07T02:00:00Z"
    fake.reviews[(UPSTREAM, alices["number"])].append(
        {
            "id": 1,
            "user": {"login": "bob"},
            "state": "APPROVED",
            "submitted_at": "2025-03-05T02:00:00Z",
        }
    )
    body = (
        "### 本周工作\n\n"
        f"1. #{alices['number']} 和 {DOCS}#{bobs['number']}\n"
        f"2. review {UPSTREAM}#{reviewed_upstream['number']}\n"
        f"3. 参考 {UPSTREAM}#{old['number']} 与 {UPSTREAM}#99999\n"
    )
    save_report(student=camp.alice, period=camp.period(1), body=body, submit=True)
    save_report(
        student=camp.bob,
        period=camp.period(1),
        body=f"review {UPSTREAM}#{alices['number']}",
        submit=True,
    )
    camp.old_number = old["number"]
    return camp


def snapshot() -> tuple[dict, dict]:
    evidence = {
        row.login: (row.counts(), [getattr(row, c) for c in GitHubEvidence.COUNTS])
        for row in GitHubEvidence.objects.all()
    }
    checks = {
        (check.report.student.username, check.ref): (
            check.url,
            check.kind,
            check.state,
            check.title,
            check.author_login,
            check.by_student,
            check.reviewed_by_student,
        )
        for check in ReferenceCheck.objects.select_related("report__student")
    }
    return evidence, checks


def run(camp, method, now=AFTER_PERIOD_1):
    GitHubEvidence.objects.all().delete()
    ReferenceCheck.objects.all().delete()
    result = collect_evidence(camp.cohort, periods=[camp.period(1)], now=now, method=method)
    return result, snapshot()


def test_every_way_gives_the_same_evidence(known_scenario, fake_github, monkeypatch):
    camp = known_scenario
    listing, listed = run(camp, Method.LISTING)
    grouped, searched = run(camp, Method.SEARCH)
    # Today's way before issue 25: one query per repository.
    monkeypatch.setattr("reports.github.evidence.REPOSITORIES_PER_QUERY", 1)
    today, per_repository = run(camp, Method.SEARCH)

    evidence, checks = listed
    assert {login: found[0] for login, found in evidence.items()} == KNOWN
    assert listed == searched == per_repository
    assert len(checks) == 6
    assert checks[("alice", f"{UPSTREAM}#99999")][2] == "missing"
    [bobs] = [check for (who, _), check in checks.items() if who == "bob"]
    assert bobs[5:] == (False, True)  # alice's pull request, reviewed by bob
    assert (listing.search_requests, grouped.search_requests, today.search_requests) == (0, 12, 24)


def test_listing_resolves_references_without_a_request(known_scenario, fake_github):
    camp = known_scenario
    result, _ = run(camp, Method.LISTING)
    single = [path for _, path, _ in fake_github.requests if path.startswith("/repos/")]
    # Only the references the listings cannot hold: the old pull request (last
    # updated long before the period) and #99999 (it does not exist).
    old = camp.old_number
    assert {p.split("?")[0] for p in single} == {
        f"/repos/{UPSTREAM}/issues/99999",
        f"/repos/{UPSTREAM}/issues/{old}",
        f"/repos/{UPSTREAM}/pulls/{old}/reviews",
    }
    assert result.reference_requests == 3


# ---------------------------------------------------------------- cost


def add_students(camp, count: int) -> list[str]:
    logins = []
    for n in range(count):
        user = UserFactory(username=f"student-{n:03}")
        MembershipFactory(user=user, cohort=camp.cohort, role=Role.STUDENT, project=camp.project_b)
        logins.append(user.github_login)
    return logins


def test_twenty_students_cost_at_least_four_times_fewer_requests_listed(camp, fake_github):
    camp.cohort.repositories = [UPSTREAM, DOCS]
    camp.cohort.save()
    logins = add_students(camp, 17)  # and alice, bob, carol
    fake_github.add_busy_repository(
        UPSTREAM, pulls=150, issues=50, starts=at(2, 20), ends=at(3, 20)
    )
    for n, login in enumerate(logins):
        fake_github.add_work_pull(
            UPSTREAM if n % 2 else DOCS, login, created_at=at(3, 4) + datetime.timedelta(hours=n)
        )

    chosen, chosen_evidence = run(camp, Method.AUTO)
    searched, searched_evidence = run(camp, Method.SEARCH)

    assert chosen.methods == {UPSTREAM: "listing", DOCS: "listing"}
    assert chosen_evidence == searched_evidence
    assert searched.search_requests == 20 * 4
    assert chosen.rate_limited_requests * 4 <= searched.rate_limited_requests
    assert chosen.search_requests == 0


@pytest.fixture
def busy_season(camp, fake_github):
    """Only carol (project B) tracks a repository as busy as PaddlePaddle/Paddle:
    1,500 pull requests and 500 issues over the spring."""
    camp.project_b.repositories = [UPSTREAM]
    camp.project_b.save()
    fake_github.add_busy_repository(
        UPSTREAM, pulls=1500, issues=500, starts=at(3, 1), ends=at(5, 31)
    )
    fake_github.add_work_pull(UPSTREAM, "carol", created_at=at(3, 5), merged_at=at(3, 7))
    return camp


def test_an_old_period_of_a_busy_repository_for_one_student_is_searched(busy_season, fake_github):
    """Listing down to period 1 from June reads the whole spring (20 pages,
    14 s of GitHub's time); one student's four searches take 8 s."""
    june = datetime.datetime(2025, 6, 5, tzinfo=datetime.UTC)
    chosen, chosen_evidence = run(busy_season, Method.AUTO, now=june)
    listed, listed_evidence = run(busy_season, Method.LISTING, now=june)

    assert chosen.methods == {UPSTREAM: "search"}
    assert listed.graphql_requests >= 15 + 5  # the spring's 1,500 pull requests, 500 issues
    # The first pages were enough to see it.
    assert chosen.graphql_requests * 4 <= listed.graphql_requests
    assert chosen.search_requests == 4
    assert chosen_evidence == listed_evidence
    assert chosen_evidence[0]["carol"][0]["prs_merged"] == 1


def test_the_same_repository_for_the_whole_cohort_is_listed(busy_season, fake_github):
    busy_season.cohort.repositories = [UPSTREAM]
    busy_season.cohort.save()
    add_students(busy_season, 10)
    june = datetime.datetime(2025, 6, 5, tzinfo=datetime.UTC)
    chosen, _ = run(busy_season, Method.AUTO, now=june)
    # 13 students' searches take 104 s; the listing 20 points, 14.4 s.
    assert chosen.methods == {UPSTREAM: "listing"}
    assert chosen.search_requests == 0


def test_github_time_at_the_documented_limits():
    assert SEARCH_SECONDS == 2.0  # 30 searches a minute
    assert POINT_SECONDS == 0.72  # 5,000 points an hour
    assert search_seconds(100) == 800.0


def test_estimated_pages():
    since = datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)
    newest = since + datetime.timedelta(days=10)
    assert estimated_pages(1, newest, newest - datetime.timedelta(days=1), since) == 10
    assert estimated_pages(3, newest, since - datetime.timedelta(hours=1), since) == 3


def test_a_burst_tells_nothing_about_a_repositorys_rate():
    """A page of items updated in the same minute (a deadline) does not stop a
    listing; what it has already cost, or a page spanning hours, does."""
    one_student = search_seconds(1)  # 8 s: 11 points
    assert not listing_costs_more(1, 500.0, datetime.timedelta(minutes=1), one_student)
    assert listing_costs_more(12, 12.0, datetime.timedelta(0), one_student)
    assert listing_costs_more(1, 20.0, datetime.timedelta(hours=5), one_student)
    assert not listing_costs_more(1, 20.0, datetime.timedelta(hours=5), None)


@settings(max_examples=60, deadline=None)
@given(
    pages=st.integers(1, 50),
    covered=st.integers(0, 10**7),
    left=st.integers(-(10**6), 10**7),
)
def test_an_estimate_never_falls_below_what_was_read(pages, covered, left):
    since = datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)
    oldest = since + datetime.timedelta(seconds=left)
    newest = oldest + datetime.timedelta(seconds=covered)
    estimate = estimated_pages(pages, newest, oldest, since)
    assert estimate >= pages
    assert (estimate == pages) == (left <= 0)


# ---------------------------------------------------------------- GitHub's limits and quirks


def test_an_incomplete_search_keeps_the_period_open(camp, fake_github):
    camp.cohort.repositories = [DOCS]
    camp.cohort.save()
    fake_github.add_work_pull(DOCS, "alice", created_at=at(3, 5))
    fake_github.add_work_pull(DOCS, "alice", created_at=at(3, 6))
    fake_github.search_timeouts.append(("author:alice created:", 1))

    run(camp, Method.SEARCH)

    alice = GitHubEvidence.objects.get(student=camp.alice)
    assert (alice.prs_opened_count, alice.incomplete, alice.final) == (1, True, False)
    assert GitHubEvidence.objects.get(student=camp.bob).final


def test_a_pull_request_with_many_reviews_is_read_whole(camp, fake_github):
    camp.cohort.repositories = [DOCS]
    camp.cohort.save()
    reviewers = {f"maintainer-{n}": at(3, 5) + datetime.timedelta(minutes=n) for n in range(60)}
    reviewers["carol"] = at(3, 6)  # the 61st review, past the first page of 50
    fake_github.add_work_pull(DOCS, "someone", created_at=at(3, 4), reviewers=reviewers)

    result, (evidence, _) = run(camp, Method.LISTING)

    assert evidence["carol"][0]["reviews_given"] == 1
    assert result.graphql_requests == 3  # pull requests, the rest of the reviews, issues


def test_the_graphql_budget_is_never_overspent_and_the_task_reschedules(
    camp, fake_github, monkeypatch, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    camp.cohort.repositories = [UPSTREAM, DOCS]
    camp.cohort.save()
    fake_github.repo(UPSTREAM)
    fake_github.repo(DOCS)
    fake_github.graphql.limit = 2
    captured: dict = {}

    def retry(**kwargs):
        captured.update(kwargs)
        return RuntimeError("rescheduled")

    monkeypatch.setattr(collect_cohort_evidence, "retry", retry)
    with pytest.raises(RuntimeError, match="rescheduled"):
        collect_cohort_evidence.run(camp.cohort.pk)

    assert isinstance(captured["exc"], RateLimited)
    assert fake_github.graphql.limit_hits == 0  # the third query was never sent
    assert len(fake_github.graphql_requests()) == 2
    assert captured["eta"].timestamp() == pytest.approx(fake_github.graphql._reset_at(), abs=1)


# ---------------------------------------------------------------- picking = searching

PEOPLE = ["alice", "bob", "someone"]
HOURS = st.integers(-72, 20 * 24)  # around period 1, in hours from its start
PERIOD_1 = (
    datetime.datetime(2025, 3, 3, tzinfo=SHANGHAI),
    datetime.datetime(2025, 3, 16, 23, 59, 59, tzinfo=SHANGHAI),
)


@st.composite
def pull_requests(draw):
    created = draw(HOURS)
    merged = draw(st.none() | st.integers(created, created + 15 * 24))
    reviews = draw(
        st.dictionaries(st.sampled_from(PEOPLE), st.integers(created, created + 10 * 24))
    )
    return draw(st.sampled_from(PEOPLE)), created, merged, reviews


@settings(max_examples=60, deadline=None)
@given(
    pulls=st.lists(pull_requests(), max_size=8),
    issues=st.lists(st.tuples(st.sampled_from(PEOPLE), HOURS), max_size=4),
    login=st.sampled_from(PEOPLE),
)
def test_picking_from_a_listing_finds_what_the_searches_find(pulls, issues, login):
    """pick_work's rules against the fake's reading of the very queries
    search_queries sends, on the same pull requests and issues."""
    fake = FakeGitHub()  # not started: its search is called directly
    fake.repo(DOCS)
    start, end = PERIOD_1
    hour = datetime.timedelta(hours=1)
    for author, created, merged, reviews in pulls:
        fake.add_work_pull(
            DOCS,
            author,
            created_at=start + created * hour,
            merged_at=start + merged * hour if merged is not None else None,
            reviewers={who: start + at * hour for who, at in reviews.items()},
        )
    for author, created in issues:
        fake.add_work_issue(DOCS, author, created_at=start + created * hour)
    activity = RepositoryActivity(DOCS, start - 10 * hour)
    for pull in fake.repos[DOCS].pulls.values():
        node = {
            "number": pull["number"],
            "url": pull["html_url"],
            "state": "MERGED" if pull["merged_at"] else "OPEN",
            "createdAt": pull["created_at"],
            "updatedAt": pull["updated_at"],
            "mergedAt": pull["merged_at"],
            "author": pull["user"],
        }
        reviewers = {r["user"]["login"] for r in fake.reviews[(DOCS, pull["number"])]}
        activity.pulls.append(
            ListedPull(
                listed_item(DOCS, node, is_pull=True),
                pull["user"]["login"],
                parse_time(pull["created_at"]),
                parse_time(pull["updated_at"]),
                parse_time(pull["merged_at"]),
                frozenset(reviewers),
            )
        )
    for issue in fake.repos[DOCS].issues.values():
        node = {
            "number": issue["number"],
            "createdAt": issue["created_at"],
            "author": issue["user"],
        }
        activity.issues.append(
            ListedIssue(
                listed_item(DOCS, node, is_pull=False),
                login_of(issue),
                parse_time(issue["created_at"]),
            )
        )

    picked = pick_work([activity], login, start, end)
    for category, query in search_queries(login, [DOCS], start, end).items():
        searched = {item["number"] for item in fake._search_matches(query)}
        assert {item["number"] for item in picked[category]} == searched, category


def login_of(item: dict) -> str:
    return item["user"]["login"]
