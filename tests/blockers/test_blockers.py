"""Blockers followed until resolved, through the public face: written in a
report (any door), carried into the next period's writing page, aged on the
cohort's list, reminded to the mentor then the TAs, resolved.

The camp's period 3 runs 2025-03-31..04-13 (due 04-14 23:59 Shanghai), period 4
2025-04-14..04-27.
"""

from __future__ import annotations

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command

from camp.models import Role
from reports.blockers.extraction import blocker_texts
from reports.github.ingest import LoginIndex, SyncResult, apply_comment
from reports.models import Blocker, Notification
from reports.submissions import save_report
from tests.clients import signed_in
from tests.factories import complete_body

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
WRITTEN = datetime.datetime(2025, 4, 13, 10, 0, tzinfo=SHANGHAI)
BLOCKED = (
    complete_body("1. 完成了切分推导规则")
    + "\n### 当前阻塞\n\n- CI 一直失败，无法合入 PR\n- 缺少 GPU 机器\n"
)


def submit(client, number: int, body: str):
    return client.post(f"/reports/write/camp/{number}/", {"body": body, "action": "submit_anyway"})


def reminders(at: datetime.datetime) -> set[tuple[str, str]]:
    with time_machine.travel(at, tick=False):
        call_command("send_reminders", "--cohort", "camp", stdout=io.StringIO())
    return {
        (n.recipient.username, n.kind)
        for n in Notification.objects.filter(
            kind__in=[Notification.Kind.BLOCKER_MENTOR, Notification.Kind.BLOCKER_TA]
        ).select_related("recipient")
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("### 当前阻塞\n\n- 甲\n- 乙\n", ["甲", "乙"]),
        ("### 当前阻塞\n\n暂无\n", []),
        ("### 遇到的问题\n\n1. **编译慢**\n   要两个小时\n", ["编译慢 要两个小时"]),
        (
            "### 本周工作\n\n1. 写代码\n2. **Blockers**\n    * waiting for review\n",
            ["waiting for review"],
        ),
        ("### 本周工作\n\n1. 写代码\n", []),
        ("### 当前阻塞\n\n- 甲\n- 甲。\n", ["甲"]),
    ],
)
def test_blocker_points_are_read_from_a_heading_or_a_bold_label(body, expected):
    assert blocker_texts(body, ["当前阻塞", "遇到的问题", "Blockers"]) == expected


def test_a_blocker_of_period_3_follows_the_student_until_resolved(camp):
    alice = signed_in(camp.alice)
    with time_machine.travel(WRITTEN, tick=False):
        response = submit(alice, 3, BLOCKED)
    assert response.status_code == 302, response.content.decode()[:2000]
    blockers = list(Blocker.objects.filter(student=camp.alice).order_by("pk"))
    assert [b.text for b in blockers] == ["CI 一直失败，无法合入 PR", "缺少 GPU 机器"]
    assert {b.opened_period.number for b in blockers} == {3}

    # Period 4's writing page asks about both.
    with time_machine.travel(WRITTEN + datetime.timedelta(days=2), tick=False):
        page = alice.get("/reports/write/camp/4/").content.decode()
    assert "Still blocked?" in page
    assert "CI 一直失败，无法合入 PR" in page and "缺少 GPU 机器" in page
    assert "2 days" in page

    # The mentor's list shows them, oldest first, with their age; others see nothing.
    with time_machine.travel(WRITTEN + datetime.timedelta(days=5), tick=False):
        listing = signed_in(camp.mentor_a).get("/blockers/camp/")
        assert "5 days" in listing.content.decode()
        assert "CI 一直失败" in listing.content.decode()
        assert "CI 一直失败" not in signed_in(camp.mentor_b).get("/blockers/camp/").content.decode()
        assert signed_in(camp.bob).get("/blockers/camp/").status_code == 403

    # The student keeps one open ("still open") and the other is resolved by the mentor.
    first, second = blockers
    with time_machine.travel(WRITTEN + datetime.timedelta(days=2), tick=False):
        assert (
            alice.post(f"/blockers/item/{first.pk}/still-open/", {"period": 4}).status_code == 302
        )
    first.refresh_from_db()
    assert first.last_seen_period.number == 4 and first.is_open

    # No reminder before 7 days; the mentor at 7; the TAs at 14 (quiet hours aside).
    assert reminders(WRITTEN + datetime.timedelta(days=6, hours=23)) == set()
    assert reminders(WRITTEN + datetime.timedelta(days=7, hours=1)) == {
        ("mentor_a", Notification.Kind.BLOCKER_MENTOR)
    }
    # Once only: another pass sends nothing new.
    assert reminders(WRITTEN + datetime.timedelta(days=7, hours=3)) == {
        ("mentor_a", Notification.Kind.BLOCKER_MENTOR)
    }
    notification = Notification.objects.get(kind=Notification.Kind.BLOCKER_MENTOR)
    assert notification.report_id == first.report_id and notification.status == "sent"

    mentor = signed_in(camp.mentor_a)
    with time_machine.travel(WRITTEN + datetime.timedelta(days=8), tick=False):
        assert mentor.post(f"/blockers/item/{first.pk}/resolve/").status_code == 302
        assert alice.post(f"/blockers/item/{second.pk}/resolve/").status_code == 302
    first.refresh_from_db()
    assert first.resolved_by == camp.mentor_a and not first.is_open

    # Resolved: the TAs are never told, and period 5's page asks nothing.
    assert reminders(WRITTEN + datetime.timedelta(days=14, hours=2)) == {
        ("mentor_a", Notification.Kind.BLOCKER_MENTOR)
    }
    with time_machine.travel(WRITTEN + datetime.timedelta(days=15), tick=False):
        assert "Still blocked?" not in alice.get("/reports/write/camp/5/").content.decode()


def test_the_tas_hear_of_a_blocker_open_for_two_weeks(camp):
    with time_machine.travel(WRITTEN, tick=False):
        save_report(student=camp.alice, period=camp.period(3), body=BLOCKED, submit=True)
    assert reminders(WRITTEN + datetime.timedelta(days=14, hours=1)) >= {
        ("ta", Notification.Kind.BLOCKER_TA)
    }


def test_a_blocker_named_again_is_the_same_entry(camp):
    with time_machine.travel(WRITTEN, tick=False):
        save_report(student=camp.alice, period=camp.period(3), body=BLOCKED, submit=True)
    with time_machine.travel(WRITTEN + datetime.timedelta(days=10), tick=False):
        save_report(student=camp.alice, period=camp.period(4), body=BLOCKED, submit=True)
    assert Blocker.objects.filter(student=camp.alice).count() == 2
    assert {b.last_seen_period.number for b in Blocker.objects.all()} == {4}


def test_an_edit_that_drops_a_blocker_drops_its_entry_and_drafts_open_nothing(camp):
    save_report(student=camp.alice, period=camp.period(3), body=BLOCKED, submit=False)
    assert not Blocker.objects.exists()
    save_report(student=camp.alice, period=camp.period(3), body=BLOCKED, submit=True)
    assert Blocker.objects.count() == 2
    save_report(
        student=camp.alice,
        period=camp.period(3),
        body=BLOCKED.replace("- 缺少 GPU 机器\n", ""),
        submit=True,
    )
    assert [b.text for b in Blocker.objects.all()] == ["CI 一直失败，无法合入 PR"]


def test_only_the_student_their_mentors_and_the_tas_resolve(camp):
    save_report(student=camp.alice, period=camp.period(3), body=BLOCKED, submit=True)
    blocker = Blocker.objects.first()
    # bob may read alice's report (the cohort shares reports) but not resolve.
    assert signed_in(camp.bob).post(f"/blockers/item/{blocker.pk}/resolve/").status_code == 403
    assert signed_in(camp.outsider).post(f"/blockers/item/{blocker.pk}/resolve/").status_code == 404
    assert signed_in(camp.mentor_b).post(f"/blockers/item/{blocker.pk}/resolve/").status_code == 403
    blocker.refresh_from_db()
    assert blocker.is_open
    assert signed_in(camp.ta).post(f"/blockers/item/{blocker.pk}/resolve/").status_code == 302
    blocker.refresh_from_db()
    assert not blocker.is_open


def test_a_report_from_a_github_comment_opens_the_same_entries(camp):
    comment = {
        "id": 901,
        "user": {"login": camp.alice.github_login or camp.alice.username, "type": "User"},
        "body": BLOCKED,
        "created_at": "2025-04-13T02:00:00Z",
        "updated_at": "2025-04-13T02:00:00Z",
        "html_url": "https://github.com/o/r/issues/3#issuecomment-901",
    }
    camp.alice.github_login = camp.alice.github_login or "alice"
    camp.alice.save()
    apply_comment(camp.cohort, camp.period(3), comment, LoginIndex(camp.cohort), SyncResult())
    assert [b.text for b in Blocker.objects.filter(student=camp.alice)] == [
        "CI 一直失败，无法合入 PR",
        "缺少 GPU 机器",
    ]


def test_the_cohort_names_its_own_blockers_section(camp):
    camp.cohort.blocker_sections = ["卡点"]
    camp.cohort.save()
    body = complete_body("1. 做了") + "\n### 卡点\n\n- 环境装不上\n\n### 当前阻塞\n\n- 不算\n"
    save_report(student=camp.alice, period=camp.period(3), body=body, submit=True)
    assert [b.text for b in Blocker.objects.all()] == ["环境装不上"]


def test_a_report_shows_its_blockers_and_the_overview_marks_the_student(camp):
    with time_machine.travel(WRITTEN, tick=False):
        report = save_report(
            student=camp.alice, period=camp.period(3), body=BLOCKED, submit=True
        ).report
    with time_machine.travel(WRITTEN + datetime.timedelta(days=9), tick=False):
        page = signed_in(camp.mentor_a).get(f"/reports/{report.pk}/").content.decode()
        assert 'id="blocker-' in page and "9 days" in page
        overview = signed_in(camp.ta).get("/overview/camp/").content.decode()
    assert "data-blockers" in overview
    assert Role.STUDENT  # the roster is the shared camp's


def test_the_review_workspace_shows_the_students_open_blockers_with_their_age(camp):
    with time_machine.travel(WRITTEN, tick=False):
        report = save_report(
            student=camp.alice, period=camp.period(3), body=BLOCKED, submit=True
        ).report
    with time_machine.travel(WRITTEN + datetime.timedelta(days=3), tick=False):
        page = signed_in(camp.mentor_a).get(f"/admin/reports/report/{report.pk}/review/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "data-open-blockers" in text and "缺少 GPU 机器" in text and "3 days" in text
