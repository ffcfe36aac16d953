"""Replies under a report and the emails of the review loop, through HTTP:
who takes part and who sees the thread, what a review, a reply or a
resubmission email says, that it leaves after commit, and only once."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from reports.models import Notification, Reply, Report
from reports.reminders.delivery import deliver
from tests.clients import signed_in
from tests.factories import ReportFactory, complete_body

NOW = datetime.datetime(2025, 3, 25, 12, 0, tzinfo=datetime.UTC)
SITE = "https://camp.example.org"


@pytest.fixture(autouse=True)
def setup(settings, camp):
    settings.SITE_URL = SITE
    for person in [camp.alice, camp.bob, camp.mentor_a, camp.mentor_b, camp.ta]:
        person.language = "en"
        person.save()
    with time_machine.travel(NOW, tick=False) as traveller, translation.override("en"):
        yield traveller


@pytest.fixture
def report(camp) -> Report:
    return ReportFactory(student=camp.alice, period=camp.period(1))


def review_url(report: Report) -> str:
    return f"/admin/reports/report/{report.pk}/review/"


def test_a_review_reaches_the_student_after_commit_once_with_verdict_text_and_link(
    camp, report, eager_tasks, django_capture_on_commit_callbacks
):
    mentor = signed_in(camp.mentor_a)
    comment = "Please link the **PR**.\n\n<script>alert(1)</script>"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = mentor.post(
            review_url(report), {"action": "save", "verdict": "needs_changes", "body": comment}
        )
    assert response.status_code == 302
    assert mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    [email] = mail.outbox
    assert email.to == [camp.alice.email]
    assert "Needs changes" in email.subject and "Needs changes" in email.body
    assert "Please link the **PR**." in email.body  # the text part is the plain text
    html = email.alternatives[0][0]
    assert "<strong>PR</strong>" in html and "<script>" not in html
    assert f"{SITE}/reports/{report.pk}/" in email.body and f"{SITE}/reports/{report.pk}/" in html
    # The same event again (a redelivered task, a second worker): not sent twice.
    row = Notification.objects.get(kind="review_posted")
    for callback in callbacks:
        callback()
    assert deliver([row.pk]) == {}
    assert len(mail.outbox) == 1


def test_bulk_approve_tells_each_student(camp, eager_tasks, django_capture_on_commit_callbacks):
    reports = [
        ReportFactory(student=student, period=camp.period(1)) for student in [camp.alice, camp.bob]
    ]
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(camp.mentor_a).post(
            "/admin/reports/report/?review=all",
            {"action": "approve_selected", "_selected_action": [r.pk for r in reports]},
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([camp.alice.email, camp.bob.email])
    assert all("Approved" in m.subject for m in mail.outbox)


def test_a_students_reply_reaches_the_mentors_and_a_mentors_reply_the_student(
    camp, eager_tasks, django_capture_on_commit_callbacks
):
    report = ReportFactory(student=camp.bob, period=camp.period(1))
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(camp.bob).post(
            f"/reports/{report.pk}/reply/", {"body": "Done, see PR"}
        )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [camp.mentor_a.email, camp.mentor_b.email]
    )
    assert all(f"{SITE}{review_url(report)}" in m.body for m in mail.outbox)
    assert all("Done, see PR" in m.body for m in mail.outbox)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(camp.mentor_b).post(review_url(report), {"action": "reply", "body": "Thanks!"})
    [email] = mail.outbox
    assert email.to == [camp.bob.email] and f"{SITE}/reports/{report.pk}/" in email.body
    thread = signed_in(camp.bob).get(f"/reports/{report.pk}/").content.decode()
    assert thread.index("Done, see PR") < thread.index("Thanks!")


def test_a_resubmission_reaches_the_mentors_once_per_review(
    camp, report, setup, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(camp.mentor_a).post(
            review_url(report), {"action": "save", "verdict": "needs_changes", "body": "more"}
        )
    mail.outbox.clear()
    alice = signed_in(camp.alice)
    for text in ["v2", "v3"]:
        setup.shift(60)
        with django_capture_on_commit_callbacks(execute=True):
            alice.post(
                "/api/reports/",
                {"cohort": "camp", "period_number": 1, "body": complete_body(text)},
                content_type="application/json",
            )
    [email] = mail.outbox
    assert email.to == [camp.mentor_a.email]
    assert f"{SITE}{review_url(report)}" in email.body


@pytest.mark.parametrize(
    ("who", "sees", "may_reply"),
    [
        ("alice", True, 302),
        ("mentor_a", True, 302),
        ("ta", True, 302),
        ("bob", False, 403),  # a peer: sees the shared report, not its reviews
        ("mentor_b", False, 403),  # mentors bob and carol, reads alice's report as a member
        ("outsider", None, 404),
    ],
)
def test_the_conversation_has_the_access_of_the_reviews(camp, report, who, sees, may_reply):
    camp.cohort.report_visibility = "cohort"
    camp.cohort.save()
    Reply.objects.create(report=report, author=camp.alice, body="secret reply")
    client = signed_in(getattr(camp, who))
    page = client.get(f"/reports/{report.pk}/")
    if sees is None:
        assert page.status_code == 404
    else:
        assert ("secret reply" in page.content.decode()) is sees
        assert ("data-reply-form" in page.content.decode()) is sees
    response = client.post(f"/reports/{report.pk}/reply/", {"body": "hi"})
    assert response.status_code == may_reply
    assert Reply.objects.filter(body="hi").exists() is (may_reply == 302)


def test_an_empty_reply_is_refused_and_changes_nothing(camp, report):
    response = signed_in(camp.alice).post(f"/reports/{report.pk}/reply/", {"body": "   "})
    assert response.status_code == 200 and "data-reply-form" in response.content.decode()
    assert not Reply.objects.exists() and not Notification.objects.exists()


def test_the_report_page_shows_the_review_heading_once(camp):
    report = ReportFactory(
        student=camp.alice,
        period=camp.period(1),
        body="### 本周工作\n\n- 做了\n\n### 导师点评\n\n请联系导师填写\n\n### 问题疑惑与解答\n\n* 暂无\n",
    )
    imported = ReportFactory(
        student=camp.alice,
        period=camp.period(2),
        body="### 本周工作\n\n- 做了\n\n### 导师点评\n\n写得很好\n",
    )
    alice = signed_in(camp.alice)

    def rendered(report: Report) -> str:
        page = alice.get(f"/reports/{report.pk}/").content.decode()
        return page.split('report-body">', 1)[1].split("</article>", 1)[0]

    body = rendered(report)
    assert "导师点评" not in body and "请联系导师填写" not in body and "问题疑惑与解答" in body
    # An imported review stays where it was written.
    assert "导师点评" in rendered(imported) and "写得很好" in rendered(imported)


def test_the_new_template_has_no_review_section(camp):
    page = signed_in(camp.alice).get("/reports/write/camp/2/").content.decode()
    assert "导师点评" not in page
