"""The API's evidence: on the report resource, and per student of a period."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports.models import GitHubEvidence, ReferenceCheck
from tests.factories import ReportFactory

ITEM = {
    "repo": "PaddlePaddle/Paddle",
    "number": 7,
    "title": "Add sin",
    "state": "merged",
    "url": "https://github.com/PaddlePaddle/Paddle/pull/7",
    "author": "alice",
    "created_at": "2025-03-05T01:00:00Z",
    "merged_at": "2025-03-06T01:00:00Z",
    "closed_at": "2025-03-06T01:00:00Z",
}


@pytest.fixture
def evidence(camp):
    report = ReportFactory(student=camp.alice, period=camp.period(1))
    GitHubEvidence.objects.create(
        student=camp.alice,
        period=camp.period(1),
        login="alice",
        prs_opened=[ITEM],
        prs_merged=[ITEM],
        prs_opened_count=1,
        prs_merged_count=1,
        fetched_at=timezone.now(),
    )
    ReferenceCheck.objects.create(
        report=report,
        ref="PaddlePaddle/Paddle#9",
        url="https://github.com/PaddlePaddle/Paddle/issues/9",
        kind="pull",
        state="open",
        author_login="mentor-b",
        checked_at=timezone.now(),
    )
    ReportFactory(student=camp.bob, period=camp.period(1))
    return report


def test_the_report_resource_carries_evidence(client, camp, evidence):
    client.force_login(camp.mentor_a)
    data = client.get(f"/api/reports/{evidence.pk}/").json()
    assert data["evidence"] == {
        "prs_opened": 1,
        "prs_merged": 1,
        "reviews_given": 0,
        "issues_opened": 0,
        "references": [
            {
                "ref": "PaddlePaddle/Paddle#9",
                "state": "open",
                "by_student": False,
                "reviewed_by_student": False,
            }
        ],
    }
    listing = client.get("/api/reports/?cohort=camp&period=1").json()["results"]
    by_login = {r["student"]["github_login"]: r["evidence"] for r in listing}
    assert by_login["bob"]["prs_merged"] is None


def test_a_page_of_reports_costs_the_same_queries_with_more_evidence(client, camp, evidence):
    client.force_login(camp.ta)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/reports/")
    for number in (2, 3, 4):
        report = ReportFactory(student=camp.carol, period=camp.period(number))
        GitHubEvidence.objects.create(
            student=camp.carol, period=camp.period(number), login="carol", fetched_at=timezone.now()
        )
        ReferenceCheck.objects.create(
            report=report,
            ref="a/b#1",
            url="https://github.com/a/b/issues/1",
            state="missing",
            checked_at=timezone.now(),
        )
    with CaptureQueriesContext(connection) as more:
        client.get("/api/reports/")
    assert len(more) == len(few)


def test_cohort_evidence_per_student(client, camp, evidence):
    client.force_login(camp.ta)
    data = client.get("/api/cohorts/camp/evidence/?period=1").json()
    assert data["cohort"] == "camp" and data["period"] == 1
    assert [s["student"] for s in data["students"]] == ["alice", "bob", "carol"]
    alice = data["students"][0]
    assert (alice["prs_opened"], alice["prs_merged"], alice["final"]) == (1, 1, False)
    assert alice["items"]["prs_merged"] == [ITEM]
    assert data["students"][1]["fetched_at"] is None


def test_cohort_evidence_follows_overview_access(client, camp, evidence):
    client.force_login(camp.mentor_b)  # bob and carol only
    students = client.get("/api/cohorts/camp/evidence/?period=1").json()["students"]
    assert [s["student"] for s in students] == ["bob", "carol"]
    client.force_login(camp.alice)
    assert client.get("/api/cohorts/camp/evidence/?period=1").status_code == 403
    client.force_login(camp.other_ta)
    assert client.get("/api/cohorts/camp/evidence/?period=1").status_code == 404
    client.logout()
    assert client.get("/api/cohorts/camp/evidence/?period=1").status_code in (401, 403)


@pytest.mark.parametrize("query", ["", "?period=", "?period=x", "?period=-1", "?period=123456"])
def test_cohort_evidence_needs_a_period_number(client, camp, query):
    client.force_login(camp.ta)
    response = client.get(f"/api/cohorts/camp/evidence/{query}")
    assert response.status_code == 400
    assert "period" in response.json()


def test_cohort_evidence_of_an_unknown_period_is_404(client, camp):
    client.force_login(camp.ta)
    assert client.get("/api/cohorts/camp/evidence/?period=99").status_code == 404
