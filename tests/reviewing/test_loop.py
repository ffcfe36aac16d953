"""The review loop through HTTP: submit → needs changes → revise (resubmitted) →
approve (reviewed) → edit (resubmitted), over the web form, the API and a
GitHub comment edit; what the overview, the report page, My reports and the
API say at each step."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import translation

from reports.models import Report
from reports.status import State
from tests.clients import signed_in
from tests.github.test_webhooks import REPO, comment_payload, deliver
from tests.pages.test_writing import FILLED

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Period 3 runs 2025-03-31 .. 2025-04-13, due 2025-04-14 23:59 Shanghai.
START = datetime.datetime(2025, 4, 10, 12, 0, tzinfo=SHANGHAI)
WRITE_3 = "/reports/write/camp/3/"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def workspace_url(report: Report) -> str:
    return f"/admin/reports/report/{report.pk}/review/"


def review(client: Client, report: Report, verdict: str, body: str = "", action="save"):
    return client.post(workspace_url(report), {"action": action, "verdict": verdict, "body": body})


def states(camp, report: Report) -> dict[str, str]:
    """The report's state as each place shows it."""
    ta, alice = signed_in(camp.ta), signed_in(camp.alice)
    overview = ta.get("/overview/camp/")
    cell = next(
        cell
        for row in overview.context["overview"].rows
        if row.student == camp.alice
        for cell in row.cells
        if cell.period.number == report.period.number
    )
    page = alice.get(f"/reports/{report.pk}/").content.decode()
    mine = next(
        row
        for group in alice.get("/reports/").context["cohorts"]
        for row in group.rows
        if row.period.number == report.period.number
    )
    return {
        "overview": cell.state.value,
        "page": page.split('data-state="', 1)[1].split('"', 1)[0],
        "mine": mine.state.value,
        "api": alice.get(f"/api/reports/{report.pk}/").json()["state"],
        "mentor_api": signed_in(camp.mentor_a).get(f"/api/reports/{report.pk}/").json()["state"],
    }


def assert_state(camp, report: Report, state: State) -> None:
    assert set(states(camp, report).values()) == {state.value}, states(camp, report)


def test_web_form_loop(camp, clock, django_capture_on_commit_callbacks):
    alice, mentor = signed_in(camp.alice), signed_in(camp.mentor_a)
    alice.post(WRITE_3, {"body": FILLED, "action": "submit"})
    report = Report.objects.get(student=camp.alice, period=camp.period(3))
    assert_state(camp, report, State.ON_TIME)

    clock.shift(3600)
    assert review(mentor, report, "needs_changes", "Add the PR links.").status_code == 302
    assert_state(camp, report, State.NEEDS_CHANGES)
    # Before saving an edit, the form says the report goes back to the mentor.
    assert b"data-goes-back-to-review" in alice.get(WRITE_3).content

    clock.shift(3600)
    alice.post(WRITE_3, {"body": FILLED + "\nPR: #1\n", "action": "submit"})
    assert_state(camp, report, State.RESUBMITTED)

    clock.shift(3600)
    review(mentor, report, "approved", "Good.", action="save_next")
    assert_state(camp, report, State.REVIEWED)

    clock.shift(3600)
    alice.post(WRITE_3, {"body": FILLED + "\nPR: #1, #2\n", "action": "submit"})
    assert_state(camp, report, State.RESUBMITTED)

    # Saving the same body again is no change: still one resubmission.
    clock.shift(60)
    alice.post(WRITE_3, {"body": FILLED + "\nPR: #1, #2\n", "action": "submit"})
    assert_state(camp, report, State.RESUBMITTED)


def test_api_loop(camp, clock):
    alice, mentor = signed_in(camp.alice), signed_in(camp.mentor_a)
    created = alice.post(
        "/api/reports/",
        {"cohort": "camp", "period_number": 3, "submit": True, "body": FILLED},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["state"] == "on_time"
    report = Report.objects.get(pk=created.json()["id"])

    clock.shift(3600)
    response = mentor.post(
        "/api/reviews/",
        {"report": report.pk, "verdict": "needs_changes", "body": "More detail."},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert_state(camp, report, State.NEEDS_CHANGES)

    clock.shift(3600)
    patched = alice.patch(
        f"/api/reports/{report.pk}/",
        {"body": FILLED + "\nMore.\n"},
        content_type="application/json",
    )
    assert patched.json()["state"] == "resubmitted"
    assert_state(camp, report, State.RESUBMITTED)

    clock.shift(3600)
    mentor.post(
        "/api/reviews/",
        {"report": report.pk, "verdict": "approved", "body": ""},
        content_type="application/json",
    )
    assert_state(camp, report, State.REVIEWED)
    clock.shift(3600)
    alice.patch(
        f"/api/reports/{report.pk}/",
        {"body": FILLED + "\nEven more.\n"},
        content_type="application/json",
    )
    assert_state(camp, report, State.RESUBMITTED)


def test_a_peer_sees_no_verdict_in_the_api_state(camp, clock):
    camp.cohort.report_visibility = "cohort"
    camp.cohort.save()
    alice = signed_in(camp.alice)
    alice.post(WRITE_3, {"body": FILLED, "action": "submit"})
    report = Report.objects.get(student=camp.alice)
    clock.shift(3600)
    review(signed_in(camp.mentor_a), report, "needs_changes", "private words")
    bob = signed_in(camp.bob)
    assert bob.get(f"/api/reports/{report.pk}/").json()["state"] == "on_time"
    assert alice.get(f"/api/reports/{report.pk}/").json()["state"] == "needs_changes"


@pytest.fixture
def repo_camp(camp, settings):
    settings.GITHUB_WEBHOOK_SECRET = "webhook-secret"
    settings.SITE_URL = "http://testserver-site"
    camp.cohort.github_repo = REPO
    camp.cohort.save()
    return camp


def test_github_comment_edit_loop(repo_camp, eager_tasks, django_capture_on_commit_callbacks):
    camp = repo_camp
    github = Client()
    # The summary issue of period 2 (2025-03-17 ~ 2025-03-30).
    with (
        time_machine.travel(datetime.datetime(2025, 3, 30, 10, 5, tzinfo=datetime.UTC)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        deliver(github, "issue_comment", comment_payload("created", "alice", FILLED))
    report = Report.objects.get(student=camp.alice)
    with time_machine.travel(datetime.datetime(2025, 3, 30, 10, 30, tzinfo=datetime.UTC)):
        review(signed_in(camp.mentor_a), report, "needs_changes", "Which PRs?")
        assert_state(camp, report, State.NEEDS_CHANGES)
    with time_machine.travel(datetime.datetime(2025, 3, 30, 11, 5, tzinfo=datetime.UTC)):
        edited = comment_payload(
            "edited", "alice", FILLED + "\nPR #3\n", updated="2025-03-30T11:00:00Z"
        )
        with django_capture_on_commit_callbacks(execute=True):
            deliver(github, "issue_comment", edited)
        assert_state(camp, report, State.RESUBMITTED)
    # The mentors heard about it, with a link to the workspace.
    workspace = f"http://testserver-site/admin/reports/report/{report.pk}/review/"
    notices = [m for m in mail.outbox if workspace in m.body]
    assert [m.to for m in notices] == [[camp.mentor_a.email]]
