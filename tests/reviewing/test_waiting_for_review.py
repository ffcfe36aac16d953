"""What "waiting for review" means, the same at every door: a submitted report
never reviewed, or changed since its latest review (resubmitted); a report
marked "needs changes" that the student has not touched waits for the student.

One report of each kind, then every place that counts waiting reports: the
mentor's home page, the admin queue, the overview (its waiting list and each
mentor's count), the overview API and the reminders to mentors."""

from __future__ import annotations

import datetime
import io
import json
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command

from reports.models import Report
from reports.status import State
from tests.clients import signed_in
from tests.pages.test_writing import FILLED

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Period 3 runs 2025-03-31 .. 2025-04-13, due 2025-04-14 23:59 Shanghai.
SUBMITTED = datetime.datetime(2025, 4, 10, 12, 0, tzinfo=SHANGHAI)
REVIEWED = SUBMITTED + datetime.timedelta(hours=1)
RESUBMITTED = SUBMITTED + datetime.timedelta(hours=2)
# Past the policy's 72 hours after the resubmission, short of 72 after the first review.
LATER = RESUBMITTED + datetime.timedelta(hours=73)
WRITE_3 = "/reports/write/camp/3/"


def review(client, report: Report, verdict: str) -> None:
    response = client.post(
        f"/admin/reports/report/{report.pk}/review/",
        {"action": "save", "verdict": verdict, "body": "Review."},
    )
    assert response.status_code == 302


@pytest.fixture
def reports(camp) -> dict[str, Report]:
    """alice: resubmitted; bob: needs changes, untouched; carol: never reviewed."""
    with time_machine.travel(SUBMITTED, tick=False):
        for student in (camp.alice, camp.bob, camp.carol):
            signed_in(student).post(WRITE_3, {"body": FILLED, "action": "submit"})
    mine = {r.student.username: r for r in Report.objects.filter(period=camp.period(3))}
    with time_machine.travel(REVIEWED, tick=False):
        review(signed_in(camp.mentor_a), mine["alice"], "needs_changes")
        review(signed_in(camp.mentor_a), mine["bob"], "needs_changes")
    with time_machine.travel(RESUBMITTED, tick=False):
        signed_in(camp.alice).post(WRITE_3, {"body": FILLED + "\nPR #1\n", "action": "submit"})
    return mine


@time_machine.travel(LATER, tick=False)
def test_the_home_page_counts_resubmitted_reports_and_not_untouched_ones(camp, reports):
    # mentor_a: alice (resubmitted) and bob (needs changes); mentor_b: bob and carol.
    for mentor, waiting in ((camp.mentor_a, 1), (camp.mentor_b, 1), (camp.ta, 2)):
        cards = signed_in(mentor).get("/").context["cards"]
        assert [card.awaiting_review for card in cards if card.cohort == camp.cohort] == [waiting]


@time_machine.travel(LATER, tick=False)
def test_the_admin_queue_holds_the_same_reports(camp, reports):
    queue = signed_in(camp.ta).get("/admin/reports/report/")
    shown = {report.student.username for report in queue.context["cl"].result_list}
    assert shown == {"alice", "carol"}
    # Waiting longest first: carol since her submission, alice since her edit.
    assert [r.student.username for r in queue.context["cl"].result_list] == ["carol", "alice"]


@time_machine.travel(LATER, tick=False)
def test_the_overview_lists_and_counts_the_same_reports(camp, reports):
    overview = signed_in(camp.ta).get("/overview/camp/").context["overview"]
    waiting = {w.row.student.username: w.waiting for w in overview.waiting_review}
    assert waiting == {"alice": LATER - RESUBMITTED, "carol": LATER - SUBMITTED}
    counts = {m.mentor.username: m.waiting for m in overview.mentor_latency}
    assert counts == {"mentor_a": 1, "mentor_b": 1}
    states = {
        row.student.username: row.cells[2].state for row in overview.rows if row.cells[2].report_id
    }
    assert states == {
        "alice": State.RESUBMITTED,
        "bob": State.NEEDS_CHANGES,
        "carol": State.ON_TIME,
    }


@time_machine.travel(LATER, tick=False)
def test_the_overview_api_lists_the_same_reports(camp, reports):
    body = signed_in(camp.ta).get("/api/cohorts/camp/overview/").json()
    waiting = {w["report"]: w["waiting_seconds"] for w in body["waiting_review"]}
    assert waiting == {
        reports["alice"].pk: (LATER - RESUBMITTED).total_seconds(),
        reports["carol"].pk: (LATER - SUBMITTED).total_seconds(),
    }


def test_mentors_are_reminded_of_a_resubmitted_report_from_its_resubmission(camp, reports):
    def review_reminders(now: datetime.datetime) -> dict[str, list[str]]:
        out = io.StringIO()
        call_command("send_reminders", "--dry-run", "--json", "--now", now.isoformat(), stdout=out)
        return {
            row["recipient"]: row["about"]
            for row in json.loads(out.getvalue())["notifications"]
            if row["kind"] == "review_pending" and row["status"] == "would_send"
        }

    # 72 hours after carol's submission (mentor_b), not yet after alice's edit.
    early = SUBMITTED + datetime.timedelta(hours=72, minutes=30)
    mentor_a, mentor_b = camp.mentor_a.github_login, camp.mentor_b.github_login
    alice, carol = camp.alice.github_login, camp.carol.github_login
    assert review_reminders(early) == {mentor_b: [carol]}
    # bob's untouched "needs changes" waits for bob: no mentor is reminded of it.
    assert review_reminders(LATER) == {mentor_a: [alice], mentor_b: [carol]}
