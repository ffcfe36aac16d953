"""Extension and excuse requests through HTTP: the student asks on their
pages, their mentors or the TAs grant or decline in the admin; a grant moves
the due time, a decline does not, and the student hears the outcome."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import translation

from reports.models import Allowance, AllowanceRequest
from tests.clients import signed_in
from tests.factories import ReportFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Period 3 runs 2025-03-31 .. 2025-04-13, due 2025-04-14 23:59 Shanghai.
IN_PERIOD_3 = datetime.datetime(2025, 4, 10, 12, 0, tzinfo=SHANGHAI)
ASK_3 = "/reports/ask/camp/3/"


@pytest.fixture(autouse=True)
def setup(camp):
    camp.alice.language = "en"
    camp.alice.save()
    with time_machine.travel(IN_PERIOD_3, tick=False), translation.override("en"):
        yield


def due_on_my_reports(client: Client) -> datetime.datetime:
    rows = client.get("/reports/").context["cohorts"][0].rows
    return next(row for row in rows if row.period.number == 3).due_local


def ask_extension(client: Client, until: str = "2025-04-17T23:59", reason: str = "生病"):
    return client.post(ASK_3, {"kind": "extension", "extended_until": until, "reason": reason})


def admin_url(request: AllowanceRequest) -> str:
    return f"/admin/reports/allowancerequest/{request.pk}/change/"


def test_a_granted_extension_moves_the_due_time_and_tells_the_student(
    camp, eager_tasks, django_capture_on_commit_callbacks
):
    alice = signed_in(camp.alice)
    before = due_on_my_reports(alice)
    assert 'href="/reports/ask/camp/3/"' in alice.get("/reports/").content.decode()
    assert ask_extension(alice).status_code == 302
    request = AllowanceRequest.objects.get()
    assert request.extended_until == datetime.datetime(2025, 4, 17, 23, 59, tzinfo=SHANGHAI)

    mentor = signed_in(camp.mentor_a)
    assert request.pk in [
        r.pk for r in mentor.get("/admin/reports/allowancerequest/").context["cl"].result_list
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = mentor.post(admin_url(request), {"decision": "grant", "answer": "Get well soon"})
    assert response.status_code == 302
    allowance = Allowance.objects.get(student=camp.alice, period=camp.period(3))
    assert (allowance.kind, allowance.granted_by) == ("extension", camp.mentor_a)
    after = due_on_my_reports(alice)
    assert after > before and after == request.extended_until
    [email] = mail.outbox
    assert email.to == [camp.alice.email] and "granted" in email.subject
    assert "Get well soon" in email.body and "2025-04-17 23:59" in email.body
    # Decided: read-only, and out of the default list.
    assert mentor.get("/admin/reports/allowancerequest/").context["cl"].result_list.count() == 0
    again = mentor.post(admin_url(request), {"decision": "decline", "answer": "no"})
    assert again.status_code == 403
    assert AllowanceRequest.objects.get().status == "granted"


def test_a_declined_request_changes_nothing_but_is_told(
    camp, eager_tasks, django_capture_on_commit_callbacks
):
    alice = signed_in(camp.alice)
    before = due_on_my_reports(alice)
    alice.post(ASK_3, {"kind": "excused", "reason": "家里有事"})
    request = AllowanceRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(camp.ta).post(
            admin_url(request), {"decision": "decline", "answer": "Please write it"}
        )
    assert not Allowance.objects.exists()
    assert due_on_my_reports(alice) == before
    [email] = mail.outbox
    assert "declined" in email.subject and "Please write it" in email.body
    page = alice.get(ASK_3).content.decode()
    assert 'data-request="declined"' in page and "Please write it" in page


@pytest.mark.parametrize("who", ["mentor_b", "other_ta"])
def test_others_neither_see_nor_decide(camp, who):
    signed_in(camp.alice).post(ASK_3, {"kind": "excused", "reason": "r"})
    request = AllowanceRequest.objects.get()
    client = signed_in(getattr(camp, who))
    listing = client.get("/admin/reports/allowancerequest/")
    assert listing.status_code == 200 and listing.context["cl"].result_list.count() == 0
    assert client.get(admin_url(request)).status_code == 404
    assert client.post(admin_url(request), {"decision": "grant"}).status_code == 404
    assert AllowanceRequest.objects.get().status == "pending" and not Allowance.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "extension", "extended_until": "", "reason": "r"}, "until when"),
        ({"kind": "extension", "extended_until": "2025-04-10T08:00", "reason": "r"}, "later"),
        ({"kind": "extension", "extended_until": "2025-06-30T08:00", "reason": "r"}, "at most"),
        ({"kind": "excused", "reason": "   "}, "required"),
        ({"kind": "holiday", "reason": "r"}, "valid choice"),
    ],
)
def test_bad_requests_are_refused_with_a_message_and_change_nothing(camp, data, message):
    response = signed_in(camp.alice).post(ASK_3, data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not AllowanceRequest.objects.exists()


def test_no_request_for_a_submitted_period_or_twice(camp):
    alice = signed_in(camp.alice)
    alice.post(ASK_3, {"kind": "excused", "reason": "r"})
    response = alice.post(ASK_3, {"kind": "excused", "reason": "again"})
    assert "already have a request waiting" in response.content.decode()
    ReportFactory(student=camp.alice, period=camp.period(2))
    response = alice.post("/reports/ask/camp/2/", {"kind": "excused", "reason": "r"})
    assert response.status_code == 403
    assert AllowanceRequest.objects.count() == 1
    # Only a student of the cohort finds the page at all.
    assert signed_in(camp.outsider).get(ASK_3).status_code == 404
