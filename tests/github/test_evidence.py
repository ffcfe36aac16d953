"""Evidence: students' GitHub work in the tracked repositories, through the fake
GitHub's /search/issues (its qualifiers, pagination and separate limit) and its
GraphQL listings (tests/fakes/github_graphql.py)."""

from __future__ import annotations

import datetime
import json
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.github.activity import ListingTooCostly
from reports.github.client import GitHubClient, GitHubError, RateLimited, SearchPacer
from reports.github.evidence import (
    Method,
    collect_evidence,
    find_references,
    needs_fetch,
    plan_against_work,
    search_queries,
    work_item,
)
from reports.github.tasks import collect_all_evidence, collect_cohort_evidence
from reports.models import GitHubEvidence, ReferenceCheck
from reports.submissions import save_report
from tests.fakes.github import FakeGitHub

UPSTREAM = "PaddlePaddle/Paddle"
DOCS = "PaddlePaddle/docs"
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
# Period 1 of the shared camp: 2025-03-03 .. 2025-03-16 in Asia/Shanghai.
IN_PERIOD_1 = datetime.datetime(2025, 3, 10, 12, tzinfo=SHANGHAI)
DURING_PERIOD_1 = datetime.datetime(2025, 3, 12, 9, tzinfo=datetime.UTC)
AFTER_PERIOD_1 = datetime.datetime(2025, 3, 25, 9, tzinfo=datetime.UTC)


@pytest.fixture
def fake_github(settings):
    fake = FakeGitHub().start()
    settings.GITHUB_API_URL = fake.base_url
    settings.GITHUB_TOKEN = "global-token"
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch):
    monkeypatch.setattr("reports.github.client.RETRY_BACKOFF_SECONDS", (0, 0, 0))


@pytest.fixture
def tracked(camp, fake_github):
    camp.cohort.repositories = [UPSTREAM]
    camp.cohort.save()
    camp.project_a.repositories = [DOCS]
    camp.project_a.save()
    fake_github.repo(UPSTREAM)
    fake_github.repo(DOCS)
    fake_github.repo("someone/else")
    return camp


def at(year, month, day, hour, minute=0, tz=SHANGHAI) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize("method", [Method.SEARCH, Method.LISTING])
def test_counts_follow_the_period_in_the_cohorts_time_zone(tracked, fake_github, method):
    fake = fake_github
    # Just inside period 1 in Shanghai (2025-03-02 16:30 UTC), and just outside.
    first = fake.add_work_pull(UPSTREAM, "alice", title="first", created_at=at(2025, 3, 3, 0, 30))
    fake.add_work_pull(UPSTREAM, "alice", title="too early", created_at=at(2025, 3, 2, 23, 30))
    fake.add_work_pull(UPSTREAM, "alice", title="too late", created_at=at(2025, 3, 17, 0, 30))
    # Opened before the period, merged in it: merged, not opened.
    older = fake.add_work_pull(
        DOCS,
        "alice",
        title="older",
        created_at=at(2025, 2, 20, 10),
        merged_at=at(2025, 3, 16, 23, 59),
    )
    fake.add_work_pull(
        UPSTREAM,
        "mentor-a",
        title="reviewed by alice",
        created_at=at(2025, 3, 4, 9),
        reviewers={"alice": at(2025, 3, 5, 9)},
    )
    fake.add_work_issue(UPSTREAM, "alice", title="a bug", created_at=at(2025, 3, 8, 9))
    # Not alice's, or not in a tracked repository.
    fake.add_work_pull(UPSTREAM, "bob", created_at=at(2025, 3, 5, 9))
    fake.add_work_pull("someone/else", "alice", created_at=at(2025, 3, 5, 9))

    result = collect_evidence(
        tracked.cohort, periods=[tracked.period(1)], now=DURING_PERIOD_1, method=method
    )

    alice = GitHubEvidence.objects.get(student=tracked.alice, period=tracked.period(1))
    assert [i["title"] for i in alice.prs_opened] == ["first"]
    assert alice.prs_opened[0] == {
        "repo": UPSTREAM,
        "number": first["number"],
        "title": "first",
        "state": "open",
        "url": first["html_url"],
        "author": "alice",
        "created_at": "2025-03-02T16:30:00Z",
        "merged_at": None,
        "closed_at": None,
    }
    assert [(i["title"], i["state"], i["number"]) for i in alice.prs_merged] == [
        ("older", "merged", older["number"])
    ]
    assert [i["title"] for i in alice.reviews_given] == ["reviewed by alice"]
    assert [i["title"] for i in alice.issues_opened] == ["a bug"]
    assert (alice.prs_opened_count, alice.prs_merged_count) == (1, 1)
    assert (alice.reviews_given_count, alice.issues_opened_count) == (1, 1)
    assert alice.repositories == [DOCS, UPSTREAM]  # the project's first
    assert alice.final is False
    bob = GitHubEvidence.objects.get(student=tracked.bob, period=tracked.period(1))
    assert bob.prs_opened_count == 1
    if method == Method.SEARCH:
        # Four searches per student (alice, bob, carol), both repositories ORed in each.
        assert (result.search_requests, result.graphql_requests) == (12, 0)
        assert len(fake.search_requests()) == 12
    else:
        # Each repository listed once for everyone: its pull requests, its issues.
        assert (result.search_requests, result.graphql_requests) == (0, 4)
        assert len(fake.graphql_requests()) == 4


def test_students_without_login_or_repositories_cost_nothing(tracked, fake_github):
    tracked.cohort.repositories = []
    tracked.cohort.save()
    tracked.bob.github_login = None
    tracked.bob.save()

    result = collect_evidence(
        tracked.cohort, periods=[tracked.period(1)], now=DURING_PERIOD_1, method=Method.SEARCH
    )

    # Only alice: project A tracks docs; carol's project B tracks nothing now.
    assert [s["login"] for s in result.students] == ["alice"]
    assert result.search_requests == 4


def test_a_closed_period_is_fetched_once_and_kept(tracked, fake_github):
    fake_github.add_work_pull(UPSTREAM, "alice", created_at=at(2025, 3, 5, 9))
    collect_evidence(tracked.cohort, periods=[tracked.period(1)], now=AFTER_PERIOD_1)
    assert GitHubEvidence.objects.filter(final=True).count() == 3
    fake_github.reset_log()
    fake_github.add_work_pull(UPSTREAM, "alice", created_at=at(2025, 3, 6, 9))

    again = collect_evidence(tracked.cohort, periods=[tracked.period(1)], now=AFTER_PERIOD_1)

    assert fake_github.requests == []
    assert (again.fetched, again.kept, again.rate_limited_requests) == (0, 3, 0)
    alice = GitHubEvidence.objects.get(student=tracked.alice)
    assert alice.prs_opened_count == 1  # kept as it was


def test_an_open_period_is_fetched_again(tracked, fake_github):
    collect_evidence(tracked.cohort, periods=[tracked.period(1)], now=DURING_PERIOD_1)
    fake_github.add_work_pull(UPSTREAM, "alice", created_at=at(2025, 3, 6, 9))
    fake_github.reset_log()

    later = DURING_PERIOD_1 + datetime.timedelta(hours=1)
    collect_evidence(tracked.cohort, periods=[tracked.period(1)], now=later)

    assert len(fake_github.graphql_requests()) == 4
    assert GitHubEvidence.objects.get(student=tracked.alice).prs_opened_count == 1


def test_just_ended_period_stays_open_until_the_grace_has_passed(tracked, fake_github):
    just_ended = datetime.datetime(2025, 3, 17, 9, tzinfo=datetime.UTC)
    collect_evidence(tracked.cohort, periods=[tracked.period(1)], now=just_ended)
    assert not GitHubEvidence.objects.filter(final=True).exists()


@pytest.mark.parametrize("method", [Method.SEARCH, Method.LISTING])
def test_more_than_a_page_of_results_is_followed(tracked, fake_github, method):
    for day in range(120):
        fake_github.add_work_issue(
            UPSTREAM, "carol", created_at=at(2025, 3, 3, 8) + datetime.timedelta(minutes=day)
        )
    collect_evidence(
        tracked.cohort, periods=[tracked.period(1)], now=DURING_PERIOD_1, method=method
    )
    carol = GitHubEvidence.objects.get(student=tracked.carol)
    assert carol.issues_opened_count == 120
    if method == Method.SEARCH:
        pages = [p for _, p, _ in fake_github.search_requests() if "page=2" in p]
        assert len(pages) == 1
    else:
        issue_pages = [v for q, v, _ in fake_github.graphql.calls if "issues(" in q]
        assert [v["after"] is None for v in issue_pages if v["name"] == "Paddle"] == [True, False]


def test_pacing_waits_for_the_search_reset_and_never_hits_the_limit(tracked, fake_github):
    fake_github.search_limit = 5
    fake_github.search_window_seconds = 1.0
    started = time.monotonic()

    result = collect_evidence(
        tracked.cohort,
        periods=[tracked.period(1)],
        now=DURING_PERIOD_1,
        wait=True,
        method=Method.SEARCH,
    )

    assert fake_github.search_limit_hits == 0
    assert result.search_requests == 12
    assert result.waits >= 2  # 12 searches at 5 a window
    assert time.monotonic() - started >= 1.0
    assert GitHubEvidence.objects.count() == 3


def test_a_task_run_stops_at_the_limit_and_the_next_carries_on(tracked, fake_github):
    fake_github.search_limit = 6
    fake_github.search_window_seconds = 1.0

    with pytest.raises(RateLimited):
        collect_evidence(
            tracked.cohort,
            periods=[tracked.period(1)],
            now=DURING_PERIOD_1,
            wait=False,
            fresh_for=datetime.timedelta(minutes=30),
            method=Method.SEARCH,
        )
    assert fake_github.search_limit_hits == 0
    assert list(GitHubEvidence.objects.values_list("login", flat=True)) == ["alice"]

    time.sleep(1.1)
    fake_github.search_limit = 10
    fake_github.reset_log()
    result = collect_evidence(
        tracked.cohort,
        periods=[tracked.period(1)],
        now=DURING_PERIOD_1 + datetime.timedelta(minutes=1),
        wait=False,
        fresh_for=datetime.timedelta(minutes=30),
        method=Method.SEARCH,
    )
    assert result.kept == 1  # alice was not fetched again
    assert len(fake_github.search_requests()) == 8
    assert GitHubEvidence.objects.count() == 3


def test_a_403_from_the_search_limit_waits_instead_of_failing(fake_github):
    fake_github.search_limit = 1
    fake_github.search_window_seconds = 1.0
    fake_github.repo(UPSTREAM)
    with GitHubClient(base_url=fake_github.base_url) as client:
        # Another process spent the budget: this pacer learns it from the 403.
        SearchPacer(client, wait=True).search_issues(f"is:pr repo:{UPSTREAM}")
        pacer = SearchPacer(client, wait=True)
        pacer.search_issues(f"is:pr repo:{UPSTREAM}")
    assert fake_github.search_limit_hits == 1
    assert pacer.waits == 1


def test_command_prints_json(tracked, fake_github):
    fake_github.add_work_pull(UPSTREAM, "alice", created_at=at(2025, 3, 5, 9))
    out = StringIO()
    call_command(
        "collect_evidence",
        *("--cohort", "camp", "--period", "1", "--method", "search", "--json"),
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["cohort"] == "camp"
    assert data["search_requests"] == 12
    assert data["methods"] == {DOCS: "search", UPSTREAM: "search"}
    assert data["problems"] == []
    assert {s["login"]: s["prs_opened"] for s in data["students"]} == {
        "alice": 1,
        "bob": 0,
        "carol": 0,
    }


def test_command_refuses_unknown_cohort_and_period(tracked):
    with pytest.raises(CommandError, match="No cohort"):
        call_command("collect_evidence", "--cohort", "nope")
    with pytest.raises(CommandError, match="no period 99"):
        call_command("collect_evidence", "--cohort", "camp", "--period", "99")


# ---------------------------------------------------------------- references


def test_references_are_checked(tracked, fake_github):
    fake = fake_github
    own = fake.add_work_pull(
        DOCS, "alice", created_at=at(2025, 3, 5, 9), merged_at=at(2025, 3, 6, 9)
    )
    theirs = fake.add_work_pull(UPSTREAM, "mentor-b", created_at=at(2025, 2, 5, 9))
    reviewed = fake.add_work_pull(
        UPSTREAM, "bob", created_at=at(2025, 2, 5, 9), reviewers={"alice": at(2025, 2, 6, 9)}
    )
    issue = fake.add_work_issue(UPSTREAM, "carol", created_at=at(2025, 2, 5, 9))
    body = (
        "### 本周工作\n\n"
        f"1. 合入 #{own['number']}\n"
        f"2. 参考 {UPSTREAM}#{theirs['number']}\n"
        f"3. review https://github.com/{UPSTREAM}/pull/{reviewed['number']}\n"
        f"4. 报告 {UPSTREAM}#{issue['number']} 和 {UPSTREAM}#999\n"
    )
    save_report(student=tracked.alice, period=tracked.period(1), body=body, submit=True)
    fake.reset_log()

    collect_evidence(tracked.cohort, periods=[tracked.period(1)], now=DURING_PERIOD_1)

    checks = {c.ref: c for c in ReferenceCheck.objects.all()}
    assert set(checks) == {
        f"{DOCS}#{own['number']}",
        f"{UPSTREAM}#{theirs['number']}",
        f"{UPSTREAM}#{reviewed['number']}",
        f"{UPSTREAM}#{issue['number']}",
        f"{UPSTREAM}#999",
    }
    mine = checks[f"{DOCS}#{own['number']}"]
    assert (mine.state, mine.by_student, mine.needs_attention) == ("merged", True, False)
    other = checks[f"{UPSTREAM}#{theirs['number']}"]
    assert (other.state, other.author_login, other.by_student) == ("open", "mentor-b", False)
    assert other.needs_attention
    review = checks[f"{UPSTREAM}#{reviewed['number']}"]
    assert (review.reviewed_by_student, review.needs_attention) == (True, False)
    carols = checks[f"{UPSTREAM}#{issue['number']}"]
    assert (carols.kind, carols.needs_attention) == ("issue", False)
    missing = checks[f"{UPSTREAM}#999"]
    assert (missing.state, missing.needs_attention) == ("missing", True)
    # Alice's own merged PR was in her evidence: no request for it.
    single = [p for _, p, _ in fake.requests if p.startswith(f"/repos/{DOCS}/issues/")]
    assert single == []


def test_references_of_a_report_that_changed_are_replaced(tracked, fake_github):
    pull = fake_github.add_work_pull(UPSTREAM, "alice", created_at=at(2025, 2, 5, 9))
    report = save_report(
        student=tracked.alice, period=tracked.period(1), body=f"see {UPSTREAM}#999", submit=True
    ).report
    collect_evidence(tracked.cohort, periods=[tracked.period(1)], now=DURING_PERIOD_1)
    save_report(
        student=tracked.alice,
        period=tracked.period(1),
        body=f"see {UPSTREAM}#{pull['number']}",
        submit=True,
    )

    collect_evidence(
        tracked.cohort,
        periods=[tracked.period(1)],
        now=DURING_PERIOD_1 + datetime.timedelta(hours=1),
    )

    assert list(ReferenceCheck.objects.filter(report=report).values_list("ref", "state")) == [
        (f"{UPSTREAM}#{pull['number']}", "open")
    ]


def test_find_references():
    body = (
        "#12 and PaddlePaddle/docs#7, https://github.com/a-b/c.d/pull/3#discussion, "
        "https://github.com/a-b/c.d/issues/4 and again #12; "
        "not a heading:\n### 1. 本周\nnor &#39; nor x#5 nor https://example.org/#6"
    )
    assert [r.ref for r in find_references(body, "PaddlePaddle/Paddle")] == [
        "PaddlePaddle/Paddle#12",
        "PaddlePaddle/docs#7",
        "a-b/c.d#3",
        "a-b/c.d#4",
    ]
    assert [r.ref for r in find_references("#12", None)] == []


def test_plan_against_work():
    previous = "### 下周工作\n\n1. **写测试**\n    * 细节\n2. 修复 bug\n"
    body = "### 本周工作\n\n- 写了测试\n- 看了文档\n\n### 下周工作\n\n1. 别的\n"
    result = plan_against_work(previous, body)
    assert result.plan == ["写测试", "修复 bug"]
    assert result.work == ["写了测试", "看了文档"]
    assert result.has_previous
    assert plan_against_work(None, body).plan == []
    assert not plan_against_work(None, body).has_previous


def test_search_queries_carry_the_offset():
    start = at(2025, 3, 3, 0)
    end = at(2025, 3, 16, 23, 59)
    queries = search_queries("alice", [UPSTREAM, DOCS], start, end)
    assert queries["prs_merged"] == (
        "is:pr author:alice merged:2025-03-03T00:00:00+08:00..2025-03-16T23:59:00+08:00 "
        "(repo:PaddlePaddle/Paddle OR repo:PaddlePaddle/docs)"
    )
    one = search_queries("alice", [UPSTREAM], start, end)
    assert one["issues_opened"].endswith(" repo:PaddlePaddle/Paddle")
    assert "reviewed-by:alice -author:alice" in queries["reviews_given"]


# ---------------------------------------------------------------- tasks


class Rescheduled(Exception):
    pass


def test_the_task_reschedules_at_the_search_reset(tracked, fake_github, monkeypatch, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    fake_github.search_limit = 6
    fake_github.search_window_seconds = 30
    captured: dict = {}

    # Searching is the cheaper way here (as for a busy repository and few students).
    def too_costly(pacer, repo, since, *, budget_seconds):
        raise ListingTooCostly(repo)

    monkeypatch.setattr("reports.github.evidence.list_activity", too_costly)

    def retry(**kwargs):
        captured.update(kwargs)
        return Rescheduled()

    monkeypatch.setattr(collect_cohort_evidence, "retry", retry)
    before = datetime.datetime.now(datetime.UTC)

    with pytest.raises(Rescheduled):
        collect_cohort_evidence.run(tracked.cohort.pk)

    assert isinstance(captured["exc"], RateLimited)
    assert 0 < (captured["eta"] - before).total_seconds() <= 31
    assert fake_github.search_limit_hits == 0
    assert GitHubEvidence.objects.count() == 1

    # The retry carries the run's start: what the run fetched is not fetched again.
    # (Today every one of the 9 periods has started: 3 students x 9 periods.)
    fake_github.search_limit = 1000
    fake_github.reset_log()
    result = collect_cohort_evidence.run(**captured["kwargs"])
    assert (result["kept"], result["fetched"]) == (1, 26)
    assert len(fake_github.search_requests()) == 26 * 4


def test_a_long_run_does_not_start_over():
    run_started = datetime.datetime(2025, 3, 12, 9, tzinfo=datetime.UTC)
    fetched_by_this_run = GitHubEvidence(final=False, fetched_at=run_started)
    fetched_before = GitHubEvidence(
        final=False, fetched_at=run_started - datetime.timedelta(hours=2)
    )
    much_later = run_started + datetime.timedelta(hours=1)
    fresh_for = datetime.timedelta(minutes=30)
    assert not needs_fetch(fetched_by_this_run, much_later, fresh_for, run_started)
    assert needs_fetch(fetched_before, much_later, fresh_for, run_started)
    assert not needs_fetch(
        GitHubEvidence(final=True, fetched_at=run_started), much_later, fresh_for
    )
    assert needs_fetch(None, much_later, fresh_for)


def test_beat_enqueues_cohorts_that_track_repositories(tracked, monkeypatch):
    queued = []
    monkeypatch.setattr(collect_cohort_evidence, "delay", queued.append)
    tracked.cohort.repositories = []
    tracked.cohort.save()  # project A still tracks docs

    assert collect_all_evidence() == 1
    assert queued == [tracked.cohort.pk]


def test_a_reference_in_many_reports_is_asked_once_then_conditionally(tracked, fake_github):
    theirs = fake_github.add_work_pull(UPSTREAM, "mentor-b", created_at=at(2025, 2, 5, 9))
    for student in (tracked.alice, tracked.bob, tracked.carol):
        save_report(
            student=student,
            period=tracked.period(1),
            body=f"参考 {UPSTREAM}#{theirs['number']}",
            submit=True,
        )
    fake_github.reset_log()
    collect_evidence(tracked.cohort, periods=[tracked.period(1)], now=DURING_PERIOD_1)
    single = [r for r in fake_github.requests if r[1].startswith("/repos/")]
    assert [(path.split("?")[0], status) for _, path, status in single] == [
        (f"/repos/{UPSTREAM}/issues/{theirs['number']}", 200),
        (f"/repos/{UPSTREAM}/pulls/{theirs['number']}/reviews", 200),
    ]
    assert ReferenceCheck.objects.filter(by_student=False, state="open").count() == 3

    fake_github.reset_log()
    collect_evidence(
        tracked.cohort,
        periods=[tracked.period(1)],
        now=DURING_PERIOD_1 + datetime.timedelta(hours=1),
    )
    single = [r for r in fake_github.requests if r[1].startswith("/repos/")]
    assert [status for _, _, status in single] == [304, 304]


def test_a_command_does_not_sleep_through_a_long_limit(fake_github):
    fake_github.repo(UPSTREAM)
    reset = int(time.time()) + 3600
    fake_github.fail(
        "GET",
        r"^/search/issues$",
        403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
        body={"message": "API rate limit exceeded"},
    )
    slept = []
    with GitHubClient(base_url=fake_github.base_url, sleep=slept.append) as client:
        pacer = SearchPacer(client, wait=True)
        with pytest.raises(RateLimited) as raised:
            pacer.search_issues(f"is:pr repo:{UPSTREAM}")
    assert slept == []
    assert raised.value.retry_at.timestamp() >= reset


def test_work_items_keep_only_web_links():
    item = {
        "number": 1,
        "title": "x",
        "state": "open",
        "html_url": "javascript:alert(1)",
        "repository_url": "https://api.github.com/repos/a/b",
        "user": {"login": "alice"},
    }
    assert work_item(item)["url"] == ""
    assert work_item({**item, "html_url": "https://github.com/a/b/pull/1"})["url"].startswith(
        "https://"
    )


REPOS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,8}/[A-Za-z0-9._-]{1,10}", fullmatch=True)
FORMS = st.sampled_from(["short", "url-issue", "url-pull", "bare"])


@settings(max_examples=60, deadline=None)
@given(refs=st.lists(st.tuples(REPOS, st.integers(1, 99999), FORMS), max_size=8))
def test_find_references_finds_every_written_reference_in_order(refs):
    default = "PaddlePaddle/Paddle"
    parts, expected = [], []
    for repo, number, form in refs:
        if form == "short":
            parts.append(f"{repo}#{number}")
        elif form == "url-issue":
            parts.append(f"https://github.com/{repo}/issues/{number}")
        elif form == "url-pull":
            parts.append(f"https://github.com/{repo}/pull/{number}")
        else:
            repo = default
            parts.append(f"#{number}")
        if (repo.lower(), number) not in {(r.lower(), n) for r, n in expected}:
            expected.append((repo, number))
    body = "；".join(f"修复 {part} 。" for part in parts)
    assert [(r.repo, r.number) for r in find_references(body, default)] == expected


@settings(max_examples=80, deadline=None)
@given(body=st.text(max_size=300))
def test_find_references_never_fails_and_stays_bounded(body):
    found = find_references(body, "a/b")
    assert len(found) <= 30
    for reference in found:
        # Everything found was written: its number, and its repository unless #N.
        assert str(reference.number) in body
        assert reference.repo == "a/b" or reference.repo in body


def test_the_fake_search_refuses_a_query_without_issue_or_pr(fake_github):
    fake_github.repo(UPSTREAM)
    with (
        GitHubClient(base_url=fake_github.base_url) as client,
        pytest.raises(GitHubError) as raised,
    ):
        SearchPacer(client, wait=True).search_issues(f"author:alice repo:{UPSTREAM}")
    assert raised.value.status == 422
