"""Evidence across several tracked repositories, searched as GitHub parses a
query (spaces AND every qualifier, `(repo:a OR repo:b)` ORs them), and a
repository GitHub refuses: recorded for the TA, and nobody else stopped."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from reports.github.client import GitHubClient, SearchPacer
from reports.github.evidence import Method, collect_evidence
from reports.models import EvidenceProblem, GitHubEvidence
from tests.clients import signed_in
from tests.fakes.github import FakeGitHub

UPSTREAM = "PaddlePaddle/Paddle"
DOCS = "PaddlePaddle/docs"
GONE = "PaddlePaddle/gone"
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
DURING_PERIOD_1 = datetime.datetime(2025, 3, 12, 9, tzinfo=datetime.UTC)
AFTER_PERIOD_1 = datetime.datetime(2025, 3, 25, 9, tzinfo=datetime.UTC)
IN_PERIOD_1 = datetime.datetime(2025, 3, 5, 9, tzinfo=SHANGHAI)
BOTH_WAYS = pytest.mark.parametrize("method", [Method.SEARCH, Method.LISTING])


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
def two_repositories(camp, fake_github):
    """Everyone tracks both repositories (the cohort's list); alice has work in each."""
    camp.cohort.repositories = [UPSTREAM, DOCS]
    camp.cohort.save()
    fake_github.add_work_pull(UPSTREAM, "alice", title="upstream", created_at=IN_PERIOD_1)
    fake_github.add_work_pull(DOCS, "alice", title="docs", created_at=IN_PERIOD_1)
    fake_github.add_work_pull(DOCS, "bob", title="bob's", created_at=IN_PERIOD_1)
    return camp


def collect(camp, method=Method.AUTO, now=DURING_PERIOD_1):
    return collect_evidence(camp.cohort, periods=[camp.period(1)], now=now, method=method)


def opened(camp, user) -> list[str]:
    evidence = GitHubEvidence.objects.get(student=user, period=camp.period(1))
    return [item["title"] for item in evidence.prs_opened]


@BOTH_WAYS
def test_evidence_across_two_repositories_finds_both(two_repositories, fake_github, method):
    camp = two_repositories
    collect(camp, method)
    assert opened(camp, camp.alice) == ["docs", "upstream"]
    assert opened(camp, camp.bob) == ["bob's"]


def test_the_old_space_separated_query_finds_nothing(two_repositories, fake_github):
    """What evidence.py sent before: GitHub ANDs the two repo: qualifiers."""
    span = "2025-03-03T00:00:00+08:00..2025-03-16T23:59:59+08:00"
    with GitHubClient(base_url=fake_github.base_url) as client:
        pacer = SearchPacer(client, wait=True)
        anded = pacer.search_issues(
            f"is:pr author:alice created:{span} repo:{UPSTREAM} repo:{DOCS}"
        )
        ored = pacer.search_issues(
            f"is:pr author:alice created:{span} (repo:{UPSTREAM} OR repo:{DOCS})"
        )
    assert anded.items == []
    assert {item["title"] for item in ored.items} == {"upstream", "docs"}


def test_more_repositories_than_one_query_takes_are_split(camp, fake_github):
    """GitHub takes at most five OR operators: seven repositories, two groups."""
    repos = [f"org/repo-{n}" for n in range(7)]
    camp.cohort.repositories = repos
    camp.cohort.save()
    for repo in repos:
        fake_github.add_work_pull(repo, "alice", title=repo, created_at=IN_PERIOD_1)

    result = collect(camp, Method.SEARCH)

    assert sorted(opened(camp, camp.alice)) == repos
    assert result.search_requests == 3 * 4 * 2  # three students, four kinds, two groups
    assert fake_github.search_limit_hits == 0


# ---------------------------------------------------------------- refused


@pytest.fixture
def one_gone(two_repositories, fake_github):
    """The cohort also tracks a repository that does not exist (a typo, or one
    deleted), and alice's project one the token may not see."""
    camp = two_repositories
    camp.cohort.repositories = [UPSTREAM, GONE, DOCS]
    camp.cohort.save()
    camp.project_a.repositories = ["secret/private"]
    camp.project_a.save()
    fake_github.repo("secret/private")
    fake_github.invisible_repos.add("secret/private")
    return camp


@BOTH_WAYS
def test_a_refused_repository_stops_nobody_else(one_gone, fake_github, method):
    camp = one_gone
    result = collect(camp, method)

    assert opened(camp, camp.alice) == ["docs", "upstream"]
    assert opened(camp, camp.bob) == ["bob's"]
    assert GitHubEvidence.objects.filter(period=camp.period(1)).count() == 3
    assert {(p["repository"], p["project"]) for p in result.problems} == {
        (GONE, None),
        ("secret/private", camp.project_a.title),
    }
    assert {row.repository for row in EvidenceProblem.objects.all()} == {GONE, "secret/private"}
    alice = GitHubEvidence.objects.get(student=camp.alice, period=camp.period(1))
    assert alice.repositories == [UPSTREAM, DOCS]
    assert GONE not in result.methods


def test_a_refused_repository_keeps_the_period_open(one_gone, fake_github):
    collect(one_gone, Method.LISTING, now=AFTER_PERIOD_1)
    finals = dict(GitHubEvidence.objects.values_list("student__username", "final"))
    # Everyone tracks the missing repository: nobody's evidence is final yet.
    assert finals == {"alice": False, "bob": False, "carol": False}


def test_a_group_github_refuses_whole_is_searched_without_the_repository(
    two_repositories, fake_github
):
    """The repository answers REST (so the look-up passes) but search refuses any
    query naming it, as for an organisation whose SAML the token lacks."""
    camp = two_repositories
    camp.cohort.repositories = [UPSTREAM, "sso/locked", DOCS]
    camp.cohort.save()
    fake_github.repo("sso/locked")
    fake_github.fail(
        "GET",
        r"^/search/issues$",
        422,
        body={
            "message": "Validation Failed",
            "errors": [{"message": FakeGitHub.UNSEARCHABLE, "code": "invalid"}],
        },
        query_contains="repo:sso/locked",
        times=100,
    )

    result = collect(camp, Method.SEARCH)

    assert opened(camp, camp.alice) == ["docs", "upstream"]
    assert [(p["repository"], p["reason"]) for p in result.problems] == [
        ("sso/locked", EvidenceProblem.Reason.SEARCH_REFUSED)
    ]
    assert "cannot be searched" in result.problems[0]["message"]
    assert result.methods == {DOCS: "search", UPSTREAM: "search"}


def test_a_student_whose_only_repository_is_refused_is_skipped(camp, fake_github):
    camp.cohort.repositories = []
    camp.cohort.save()
    camp.project_a.repositories = [GONE]
    camp.project_a.save()
    camp.project_b.repositories = [DOCS]
    camp.project_b.save()
    fake_github.add_work_pull(DOCS, "carol", title="carol's", created_at=IN_PERIOD_1)

    result = collect(camp)

    assert opened(camp, camp.carol) == ["carol's"]
    assert not GitHubEvidence.objects.filter(student__in=[camp.alice, camp.bob]).exists()
    assert result.skipped == [{"login": "alice", "period": 1}, {"login": "bob", "period": 1}]
    assert [(p["repository"], p["project"]) for p in result.problems] == [
        (GONE, camp.project_a.title)
    ]


def test_the_problem_goes_once_the_repository_is_read(one_gone, fake_github):
    collect(one_gone)
    first = EvidenceProblem.objects.get(repository=GONE)

    collect(one_gone, now=DURING_PERIOD_1 + datetime.timedelta(hours=1))
    again = EvidenceProblem.objects.get(repository=GONE)
    assert again.first_seen_at == first.first_seen_at
    assert again.last_seen_at > first.last_seen_at

    fake_github.repo(GONE)  # the TA fixed the name, or the repository came back
    collect(one_gone, now=DURING_PERIOD_1 + datetime.timedelta(hours=2))
    assert list(EvidenceProblem.objects.values_list("repository", flat=True)) == ["secret/private"]


def test_collect_evidence_json_names_the_refused_repository(one_gone, fake_github):
    out, err = StringIO(), StringIO()
    call_command(
        "collect_evidence",
        *("--cohort", "camp", "--period", "1", "--json"),
        stdout=out,
        stderr=err,
    )
    data = json.loads(out.getvalue())
    assert {p["repository"] for p in data["problems"]} == {GONE, "secret/private"}
    assert {s["login"] for s in data["students"]} == {"alice", "bob", "carol"}
    assert f"{GONE} (tracked by the cohort) was not read" in err.getvalue()


def test_the_ta_sees_the_problem_in_the_admin(one_gone, fake_github):
    collect(one_gone)
    url = reverse("admin:reports_evidenceproblem_changelist")

    page = signed_in(one_gone.ta).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert GONE in text and "secret/private" in text
    assert "does not find it" in text

    other = signed_in(one_gone.other_ta).get(url)
    assert GONE not in other.content.decode()
    assert signed_in(one_gone.alice).get(url).status_code in (302, 403)
