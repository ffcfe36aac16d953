"""Reminder passes across a whole period, at frozen instants (cohort time: Asia/Shanghai).

Period 1 runs 2025-03-03..03-16 and is due 2025-03-17 23:59 +08:00; quiet hours
are 22:00..08:00, so the due-soon (03-15 23:59) and overdue (03-17 23:59)
reminders wait for the next morning.
"""

from __future__ import annotations

import datetime
import io
import json
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from camp.models import Role
from reports.models import Allowance, Notification, ReminderPolicy, Report
from reports.reminders.planning import load_snapshot, plan
from reports.reminders.policy import after_quiet_hours, in_quiet_hours
from tests.factories import (
    AllowanceFactory,
    MembershipFactory,
    MentorshipFactory,
    ReportFactory,
    ReviewFactory,
    UserFactory,
)

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def run(now: str, *extra: str) -> list[dict]:
    """One pass at `now` (Shanghai time) through the command; its JSON rows for period 1."""
    instant = at(now)
    out = io.StringIO()
    with time_machine.travel(instant, tick=False):
        call_command("send_reminders", "--cohort", "camp", "--json", *extra, stdout=out)
    data = json.loads(out.getvalue())
    assert datetime.datetime.fromisoformat(data["now"]) == instant
    return [row for row in data["notifications"] if row["period"] == 1]


def summary(rows: list[dict]) -> set[tuple]:
    return {(r["recipient"], r["kind"], r["channel"], tuple(r["about"]), r["status"]) for r in rows}


def new(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["status"] != "already_sent"]


def sent_to(since: int = 0) -> list[tuple[str, str]]:
    return [(m.to[0].split("@")[0], m.subject) for m in mail.outbox[since:]]


@pytest.fixture
def english(camp):
    for user in [camp.alice, camp.bob, camp.carol, camp.mentor_a, camp.mentor_b, camp.ta]:
        user.language = "en"
        user.save()
    return camp


def test_a_whole_period(english):
    camp = english
    period = camp.period(1)
    AllowanceFactory(student=camp.carol, period=period, kind=Allowance.Kind.EXCUSED)
    AllowanceFactory(
        student=camp.bob,
        period=period,
        kind=Allowance.Kind.EXTENSION,
        extended_due_at=at("2025-03-20T23:59"),
        reason="exam week",
    )

    # Before the due-soon time: nothing at all.
    assert run("2025-03-15T12:00") == []
    # Due soon fired at 23:59, inside the quiet hours: deferred, nothing sent.
    assert summary(run("2025-03-16T00:30")) == {
        ("alice", "due_soon", "email", ("alice",), "deferred")
    }
    assert mail.outbox == []
    # The morning: sent; carol (excused) and bob (extension) get nothing yet.
    assert summary(run("2025-03-16T09:00")) == {("alice", "due_soon", "email", ("alice",), "sent")}
    assert sent_to() == [("alice", "Your report for period 1 is due 2025-03-17 23:59 (CST)")]
    # The next pass sends nothing again.
    assert summary(run("2025-03-16T09:15")) == {
        ("alice", "due_soon", "email", ("alice",), "already_sent")
    }
    assert len(mail.outbox) == 1

    # A draft is not a submission: alice keeps being reminded until she submits.
    report = ReportFactory(
        student=camp.alice, period=period, status=Report.Status.DRAFT, submitted_at=None
    )
    assert summary(run("2025-03-16T09:30")) == {
        ("alice", "due_soon", "email", ("alice",), "already_sent")
    }
    report.status = Report.Status.SUBMITTED
    report.submitted_at = at("2025-03-17T10:00")
    report.save()

    # At the due time (quiet hours) and the morning after: nobody is overdue.
    assert run("2025-03-18T08:30") == []
    # Bob's extension moves his times: due soon 03-18 23:59 → next morning.
    assert summary(run("2025-03-19T09:00")) == {("bob", "due_soon", "email", ("bob",), "sent")}
    # Overdue at his extended due time; alice's report has waited 72 h for review.
    assert summary(run("2025-03-21T09:00")) == {
        ("bob", "overdue", "email", ("bob",), "sent"),
        ("mentor-a", "review_pending", "email", ("alice",), "sent"),
    }
    # +48 h after bob's due time: both his mentors, one message each.
    assert summary(new(run("2025-03-23T09:00"))) == {
        ("mentor-a", "mentor_escalation", "email", ("bob",), "sent"),
        ("mentor-b", "mentor_escalation", "email", ("bob",), "sent"),
    }
    # +120 h: the TA's digest of everyone missing; alice's review is 168 h late too.
    assert summary(new(run("2025-03-26T09:00"))) == {
        ("ta", "ta_escalation", "email", ("bob",), "sent"),
        ("ta", "review_escalation", "email", ("alice",), "sent"),
    }
    # A review reaches alice from the worker when it is written
    # (tests/reviewing), never from the pass.
    ReviewFactory(report=report, mentor=camp.mentor_a, created_at=at("2025-03-27T10:00"))
    assert summary(new(run("2025-03-27T10:15"))) == set()
    kinds = [(m.to[0], m.subject) for m in mail.outbox]
    assert len(kinds) == len(set(kinds)) == 8
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == 8
    assert not Notification.objects.filter(recipient=camp.carol).exists()


def test_overdue_reaches_every_missing_student_the_morning_after(english):
    run("2025-03-16T09:00")
    rows = run("2025-03-18T08:00")
    assert summary(rows) == {
        (login, "overdue", "email", (login,), "sent") for login in ["alice", "bob", "carol"]
    }
    assert sorted(m.to[0] for m in mail.outbox[-3:]) == [
        "alice@example.org",
        "bob@example.org",
        "carol@example.org",
    ]
    body = mail.outbox[-1].body
    assert "was due at 2025-03-17 23:59 (CST)" in body
    assert "http://127.0.0.1:8000/" in body
    html = mail.outbox[-1].alternatives[0]
    assert html[1] == "text/html" and "<a href=" in html[0]


def test_quiet_hours_follow_the_recipients_time_zone(english):
    camp = english
    camp.carol.timezone = "Europe/Berlin"
    camp.carol.save()
    # 09:00 in Shanghai is 02:00 in Berlin.
    rows = run("2025-03-16T09:00")
    assert ("carol", "due_soon", "email", ("carol",), "deferred") in summary(rows)
    assert [m.to[0] for m in mail.outbox] == ["alice@example.org", "bob@example.org"]
    # 15:00 in Shanghai is 08:00 in Berlin.
    rows = run("2025-03-16T15:00")
    assert ("carol", "due_soon", "email", ("carol",), "sent") in summary(rows)


def test_email_opt_out_and_mentor_lists(english):
    camp = english
    camp.bob.email_notifications = False
    camp.bob.save()
    rows = run("2025-03-20T09:00")
    assert ("bob", "overdue", "email", ("bob",), "sent") not in summary(rows)
    assert ("mentor-a", "mentor_escalation", "email", ("alice", "bob"), "sent") in summary(rows)
    escalation = next(m for m in mail.outbox if m.to == ["mentor_a@example.org"])
    assert "Alice (@alice)" in escalation.body and "Bob (@bob)" in escalation.body


def test_chinese_is_the_default_language(camp):
    run("2025-03-16T09:00")
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["alice@example.org"] == "第 1 期周报将于 2025-03-17 23:59 (CST) 截止"
    assert "你好" in mail.outbox[0].body


def test_dry_run_sends_nothing_and_changes_nothing(english):
    rows = run("2025-03-16T09:00", "--dry-run")
    assert {r["status"] for r in rows} == {"would_send"}
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_the_pass_never_announces_reviews(english):
    camp = english
    report = ReportFactory(student=camp.alice, period=camp.period(1))
    ReviewFactory(report=report, mentor=camp.mentor_a, created_at=at("2025-03-27T10:00"))
    # Not a fresh review, not an old one (an imported history): the worker
    # announces the reviews written in the app, when they are written.
    for now in ("2025-03-27T10:15", "2025-04-08T10:00"):
        assert not [r for r in run(now) if r["kind"] == "review_posted"]


def test_bad_input_is_refused():
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("send_reminders", "--now", "yesterday")
    with pytest.raises(CommandError, match="offset"):
        call_command("send_reminders", "--now", "2025-03-16T09:00")


@pytest.mark.django_db
def test_unknown_cohort_is_refused():
    with pytest.raises(CommandError, match="No cohort"):
        call_command("send_reminders", "--cohort", "nope")


def _queries_to_plan(cohort, now) -> int:
    with CaptureQueriesContext(connection) as queries:
        plan(load_snapshot(cohort, now), now)
    return len(queries)


def test_planning_query_count_does_not_grow_with_the_cohort(camp):
    now = at("2025-03-26T09:00")
    load_snapshot(camp.cohort, now)  # creates the policy
    few = _queries_to_plan(camp.cohort, now)
    for index in range(20):
        student = UserFactory(username=f"extra{index}")
        MembershipFactory(user=student, cohort=camp.cohort, role=Role.STUDENT)
        MentorshipFactory(cohort=camp.cohort, student=student, mentor=camp.mentor_a)
        if index % 2:
            report = ReportFactory(student=student, period=camp.period(1))
            ReviewFactory(report=report, mentor=camp.mentor_a, created_at=now)
    assert _queries_to_plan(camp.cohort, now) == few


@given(
    instant=st.datetimes(
        min_value=datetime.datetime(2024, 1, 1),
        max_value=datetime.datetime(2027, 1, 1),
        timezones=st.just(datetime.UTC),
    ),
    tz_name=st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"]),
    start_hour=st.integers(0, 23),
    end_hour=st.integers(0, 23),
)
def test_after_quiet_hours_is_the_first_allowed_instant(instant, tz_name, start_hour, end_hour):
    policy = ReminderPolicy(
        quiet_start=datetime.time(start_hour), quiet_end=datetime.time(end_hour)
    )
    tz = zoneinfo.ZoneInfo(tz_name)
    allowed = after_quiet_hours(instant, policy, tz)
    assert instant <= allowed <= instant + datetime.timedelta(hours=25)
    assert not in_quiet_hours(allowed, policy, tz)
    if not in_quiet_hours(instant, policy, tz):
        assert allowed == instant


def test_a_notification_exists_once_per_key(camp):
    def create(**key):
        Notification.objects.create(
            recipient=camp.alice,
            cohort=camp.cohort,
            kind=Notification.Kind.OVERDUE,
            channel=Notification.Channel.EMAIL,
            **key,
        )

    create(period=camp.period(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        create(period=camp.period(1))
    create(period=camp.period(2))
    report = ReportFactory(student=camp.alice, period=camp.period(1))
    create(report=report)
    with pytest.raises(IntegrityError), transaction.atomic():
        create(report=report)
    with pytest.raises(IntegrityError), transaction.atomic():
        create()
    assert Notification.objects.count() == 3


def test_a_student_whose_time_comes_later_gets_a_follow_up(english):
    """Issue 8 review: bob's extension moves his escalation after alice's; the
    mentors' and the TA's later passes must still name him, once."""
    camp = english
    AllowanceFactory(
        student=camp.bob,
        period=camp.period(1),
        kind=Allowance.Kind.EXTENSION,
        extended_due_at=at("2025-03-20T23:59"),
        reason="exam week",
    )
    rows = new(run("2025-03-20T09:00"))
    assert ("mentor-a", "mentor_escalation", "email", ("alice",), "sent") in summary(rows)
    assert not [r for r in rows if "bob" in r["about"] and r["kind"] == "mentor_escalation"]

    rows = run("2025-03-23T09:00")
    escalations = {
        (r["recipient"], tuple(r["about"]), r["status"])
        for r in rows
        if r["kind"] == "mentor_escalation"
    }
    assert escalations == {
        ("mentor-a", ("alice",), "already_sent"),
        ("mentor-a", ("bob",), "sent"),
        ("mentor-b", ("carol",), "already_sent"),
        ("mentor-b", ("bob",), "sent"),
    }
    to_mentor_a = [m for m in mail.outbox if m.to == ["mentor_a@example.org"]]
    assert len(to_mentor_a) == 2
    assert "Bob (@bob)" in to_mentor_a[1].body and "Alice (@alice)" not in to_mentor_a[1].body

    # The TA's digest: alice and carol at +120 h, bob at his own +120 h.
    run("2025-03-22T09:00")
    run("2025-03-25T09:00")
    assert [r["about"] for r in new(run("2025-03-26T09:00")) if r["kind"] == "ta_escalation"] == [
        ["bob"]
    ]
    digests = [m for m in mail.outbox if m.to == ["ta@example.org"]]
    assert len(digests) == 2
    # Later passes name nobody again.
    assert not new(run("2025-03-27T09:00"))
    sent = Notification.objects.filter(kind__in=["mentor_escalation", "ta_escalation"])
    named = [(n.recipient_id, n.kind, login) for n in sent for login in n.about]
    # mentor-a: alice, bob; mentor-b: carol, bob; the TA: alice, carol, bob.
    assert len(named) == len(set(named)) == 2 + 2 + 3


def test_a_late_submission_gets_its_own_review_reminder(english):
    camp = english
    ReportFactory(student=camp.alice, period=camp.period(1), submitted_at=at("2025-03-17T10:00"))
    bob_report = ReportFactory(
        student=camp.bob, period=camp.period(1), submitted_at=at("2025-03-19T10:00")
    )
    assert ("mentor-a", "review_pending", "email", ("alice",), "sent") in summary(
        run("2025-03-20T11:00")
    )
    rows = run("2025-03-22T11:00")
    pending = {(r["recipient"], tuple(r["about"]), r["status"]) for r in rows}
    assert ("mentor-a", ("alice",), "already_sent") in pending
    assert ("mentor-a", ("bob",), "sent") in pending
    assert bob_report.notifications.count() == 0  # grouped per period, not per report


def test_the_preview_does_not_call_a_newly_due_student_already_sent(english):
    camp = english
    AllowanceFactory(
        student=camp.bob,
        period=camp.period(1),
        kind=Allowance.Kind.EXTENSION,
        extended_due_at=at("2025-03-20T23:59"),
        reason="exam week",
    )
    run("2025-03-20T09:00")
    now = at("2025-03-23T09:00")
    items = plan(load_snapshot(camp.cohort, now), now)
    mentor_a = [
        (i.about, i.status)
        for i in items
        if i.recipient_id == camp.mentor_a.pk and i.kind == "mentor_escalation"
    ]
    assert sorted(mentor_a) == [(("alice",), "already_sent"), (("bob",), "would_send")]


def test_two_passes_recording_at_once_name_each_student_once(english):
    """A pass planned before a concurrent pass committed (its snapshot is stale)
    names only the students that pass did not."""
    from reports.reminders.recording import record

    camp = english
    AllowanceFactory(
        student=camp.bob,
        period=camp.period(1),
        kind=Allowance.Kind.EXTENSION,
        extended_due_at=at("2025-03-20T23:59"),
        reason="exam week",
    )
    early, late = at("2025-03-20T09:00"), at("2025-03-23T09:00")
    stale = load_snapshot(camp.cohort, late)
    late_items = [i for i in plan(stale, late) if i.status == "would_send"]
    early_snapshot = load_snapshot(camp.cohort, early)
    record(early_snapshot, [i for i in plan(early_snapshot, early) if i.status == "would_send"])
    record(stale, late_items)
    rows = Notification.objects.filter(recipient=camp.mentor_a, kind="mentor_escalation")
    assert sorted(tuple(n.about) for n in rows) == [("alice",), ("bob",)]
