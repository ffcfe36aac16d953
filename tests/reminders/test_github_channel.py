"""GitHub channel: one comment per pass on the period's summary issue."""

from __future__ import annotations

import datetime
import io
import json

import httpx
import pytest
import respx
import time_machine
from django.core.management import call_command

from reports.models import GitHubSettings, Notification
from reports.reminders.policy import policy_for
from tests.factories import ReportFactory

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
MORNING_AFTER = datetime.datetime(2025, 3, 18, 9, 0, tzinfo=SHANGHAI)
API = "https://ghe.example.org/api/v3"
COMMENTS = f"{API}/repos/PFCCLab/Camp/issues/42/comments"


@pytest.fixture
def github_camp(camp, settings, monkeypatch):
    monkeypatch.setattr("reports.github.client.RETRY_BACKOFF_SECONDS", (0, 0, 0))
    settings.GITHUB_API_URL = API
    settings.GITHUB_TOKEN = "t0ken"
    camp.cohort.github_repo = "PFCCLab/Camp"
    camp.cohort.save()
    period = camp.period(1)
    period.summary_issue_number = 42
    period.save()
    policy = policy_for(camp.cohort)
    policy.github_comments = True
    policy.save()
    return camp


def run(instant: datetime.datetime) -> list[dict]:
    out = io.StringIO()
    with time_machine.travel(instant, tick=False):
        call_command("send_reminders", "--cohort", "camp", "--json", stdout=out)
    return [r for r in json.loads(out.getvalue())["notifications"] if r["channel"] == "github"]


@respx.mock
def test_one_comment_mentions_every_missing_student(github_camp):
    camp = github_camp
    ReportFactory(student=camp.carol, period=camp.period(1))
    # A 502 to a POST may hide a comment GitHub did create, so the client does not
    # repeat it; the rows wait for the next pass.
    route = respx.post(COMMENTS).mock(
        side_effect=[httpx.Response(502), httpx.Response(201, json={"id": 1})]
    )
    rows = run(MORNING_AFTER)
    assert {(r["recipient"], r["kind"], r["status"]) for r in rows} == {
        ("alice", "overdue", "failed"),
        ("bob", "overdue", "failed"),
    }
    assert route.call_count == 1
    assert set(Notification.objects.filter(channel="github").values_list("status", flat=True)) == {
        "pending"
    }
    rows = run(MORNING_AFTER + datetime.timedelta(minutes=5))
    assert {r["status"] for r in rows} == {"sent"}
    assert route.call_count == 2
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer t0ken"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
    body = json.loads(request.content)["body"]
    assert "第 1 期周报已逾期" in body
    assert "@alice @bob" in body and "@carol" not in body
    # Later passes comment no more.
    run(MORNING_AFTER + datetime.timedelta(minutes=30))
    assert route.call_count == 2


@respx.mock
def test_the_cohorts_own_token_comes_before_github_token(github_camp):
    GitHubSettings.objects.create(cohort=github_camp.cohort, token="cohort-token")
    route = respx.post(COMMENTS).mock(return_value=httpx.Response(201, json={"id": 1}))
    assert {r["status"] for r in run(MORNING_AFTER)} == {"sent"}
    assert route.calls.last.request.headers["Authorization"] == "Bearer cohort-token"


@respx.mock
def test_a_rate_limit_is_retried_when_github_allows_it(github_camp):
    reset = MORNING_AFTER + datetime.timedelta(hours=1)
    route = respx.post(COMMENTS).mock(
        side_effect=[
            httpx.Response(
                403,
                headers={
                    "x-ratelimit-remaining": "0",
                    "x-ratelimit-reset": str(int(reset.timestamp())),
                },
                json={"message": "API rate limit exceeded"},
            ),
            httpx.Response(201, json={"id": 1}),
        ]
    )
    run(MORNING_AFTER)
    rows = Notification.objects.filter(channel="github")
    assert {(n.status, n.retry_at) for n in rows} == {
        ("pending", reset + datetime.timedelta(seconds=1))
    }
    assert "rate limit" in rows[0].error
    # Not before the limit lifts, although the usual backoff would have passed.
    run(MORNING_AFTER + datetime.timedelta(minutes=30))
    assert route.call_count == 1
    assert {r["status"] for r in run(reset + datetime.timedelta(minutes=1))} == {"sent"}
    assert route.call_count == 2


@respx.mock
def test_a_forbidden_repository_is_a_permanent_failure(github_camp):
    respx.post(COMMENTS).mock(return_value=httpx.Response(404, json={"message": "Not Found"}))
    rows = run(MORNING_AFTER)
    assert {r["status"] for r in rows} == {"failed"}
    assert set(Notification.objects.filter(channel="github").values_list("status", flat=True)) == {
        "failed"
    }


def test_no_comment_without_a_summary_issue(camp):
    policy = policy_for(camp.cohort)
    policy.github_comments = True
    policy.save()
    camp.cohort.github_repo = "PFCCLab/Camp"
    camp.cohort.save()
    assert run(MORNING_AFTER) == []


@respx.mock
def test_only_people_with_a_github_login_are_mentioned(github_camp):
    # Bob joined by invitation: no GitHub login. His app username must not become
    # an @mention, which would ping whoever owns that name on GitHub.
    camp = github_camp
    camp.bob.github_login = None
    camp.bob.save()
    ReportFactory(student=camp.carol, period=camp.period(1))
    route = respx.post(COMMENTS).mock(return_value=httpx.Response(201, json={"id": 1}))
    run(MORNING_AFTER)
    body = json.loads(route.calls.last.request.content)["body"]
    assert "@alice" in body
    assert "@bob" not in body and camp.bob.name in body
