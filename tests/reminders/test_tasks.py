"""Reminder tasks: claims, retries, recovery, and a real Celery worker on Redis."""

from __future__ import annotations

import datetime
import io
import os
import time
from types import SimpleNamespace
from unittest import mock

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from camp.celery import app
from reports.models import Notification
from reports.reminders import tasks
from reports.reminders.channels import DeliveryError
from reports.reminders.delivery import chunks, deliver
from reports.reminders.delivery import email as email_channel
from reports.reminders.policy import policy_for
from reports.reminders.recording import CLAIM_TIMEOUT, MAX_ATTEMPTS, claim, retry_due

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
# The morning after period 1's due time: alice, bob and carol are all overdue.
MORNING_AFTER = datetime.datetime(2025, 3, 18, 9, 0, tzinfo=SHANGHAI)


def overdue_rows(camp) -> list[Notification]:
    return [
        Notification.objects.create(
            recipient=student,
            cohort=camp.cohort,
            kind=Notification.Kind.OVERDUE,
            channel=Notification.Channel.EMAIL,
            period=camp.period(1),
            about=[student.github_login],
        )
        for student in [camp.alice, camp.bob, camp.carol]
    ]


def test_beat_runs_the_pass_every_15_minutes(db):
    entry = PeriodicTask.objects.get(name="Send reminders")
    assert entry.task == "reports.tasks.send_reminders"
    assert entry.crontab.minute == "*/15" and entry.enabled


def test_the_pass_enqueues_sends_after_commit(camp, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.send_notifications, "delay") as delay,
        time_machine.travel(MORNING_AFTER, tick=False),
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            tasks.reminder_pass(camp.cohort.pk)
        assert not delay.called  # nothing leaves before the commit
        for callback in callbacks:
            callback()
    (ids,), _ = delay.call_args
    assert sorted(Notification.objects.values_list("pk", flat=True)) == sorted(ids)
    assert mail.outbox == []


def test_a_claimed_row_is_not_claimed_twice(camp):
    rows = overdue_rows(camp)
    now = datetime.datetime(2025, 3, 18, 1, 0, tzinfo=datetime.UTC)
    first = claim([r.pk for r in rows], now)
    assert len(first) == 3
    assert claim([r.pk for r in rows], now) == []
    # Still held a minute before the claim times out; free after it.
    assert claim([r.pk for r in rows], now + CLAIM_TIMEOUT - datetime.timedelta(minutes=1)) == []
    assert (
        len(claim([r.pk for r in rows], now + CLAIM_TIMEOUT + datetime.timedelta(seconds=1))) == 3
    )


def test_a_redelivered_task_sends_nothing_twice(camp):
    ids = [r.pk for r in overdue_rows(camp)]
    tasks.send_notifications(ids)
    tasks.send_notifications(ids)
    assert len(mail.outbox) == 3
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_a_crash_between_claim_and_send_is_recovered(camp):
    """The worker claimed the rows and died: after the claim timeout, the next pass
    sends them (at-least-once)."""
    rows = overdue_rows(camp)
    with time_machine.travel(MORNING_AFTER, tick=False):
        claim([r.pk for r in rows], MORNING_AFTER)
        call_command("send_reminders", "--cohort", "camp", "--json", stdout=io.StringIO())
        assert mail.outbox == []  # the claim is still fresh: maybe that worker is just slow
    with time_machine.travel(MORNING_AFTER + CLAIM_TIMEOUT + datetime.timedelta(minutes=5)):
        call_command("send_reminders", "--cohort", "camp", "--json", stdout=io.StringIO())
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@example.org",
        "bob@example.org",
        "carol@example.org",
    ]
    assert set(Notification.objects.values_list("attempts", flat=True)) == {2}


def test_smtp_failures_retry_with_backoff_then_give_up(camp, monkeypatch):
    rows = overdue_rows(camp)[:1]
    send = mock.Mock(side_effect=DeliveryError("SMTP error: connection refused"))
    monkeypatch.setattr("reports.reminders.channels.email.send", send)
    start = MORNING_AFTER
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with time_machine.travel(start, tick=False):
            outcome = deliver([rows[0].pk])
            row = Notification.objects.get(pk=rows[0].pk)
            assert row.attempts == attempt
            assert row.error == "SMTP error: connection refused"
            # Not again before the backoff has passed.
            assert deliver([rows[0].pk]) == {}
        start = row.retry_at or start
    assert outcome == {rows[0].pk: "failed"}
    assert row.status == "failed" and row.retry_at is None
    assert send.call_count == MAX_ATTEMPTS


def test_a_refused_address_fails_at_once(camp, monkeypatch):
    rows = overdue_rows(camp)[:1]
    refused = DeliveryError("SMTP refused the recipient", permanent=True)
    monkeypatch.setattr("reports.reminders.channels.email.send", mock.Mock(side_effect=refused))
    assert deliver([rows[0].pk]) == {rows[0].pk: "failed"}
    assert Notification.objects.get(pk=rows[0].pk).attempts == 1


redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")


@redis
def test_two_concurrent_passes_on_a_real_worker_send_each_reminder_once(transactional_camp):
    camp = transactional_camp
    policy_for(camp.cohort)
    app.control.purge()
    with (
        time_machine.travel(MORNING_AFTER, tick=True),
        start_worker(
            app, pool="threads", concurrency=4, perform_ping_check=False, loglevel="WARNING"
        ),
    ):
        # The same pass twice at once, as two beats or a rerun would.
        tasks.reminder_pass.delay(camp.cohort.pk)
        tasks.reminder_pass.delay(camp.cohort.pk)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done = Notification.objects.filter(status="sent").count()
            if done >= 3 and len(mail.outbox) >= 3:
                break
            time.sleep(0.2)
        time.sleep(1)  # let a would-be duplicate show up
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@example.org",
        "bob@example.org",
        "carol@example.org",
    ]
    assert Notification.objects.count() == 3
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_an_unexpected_error_is_recorded_and_retried(camp, monkeypatch):
    rows = overdue_rows(camp)[:1]
    monkeypatch.setattr(
        "reports.reminders.channels.email.send", mock.Mock(side_effect=KeyError("oops"))
    )
    assert deliver([rows[0].pk]) == {rows[0].pk: "pending"}
    row = Notification.objects.get(pk=rows[0].pk)
    assert (row.status, row.claimed_at, row.error) == ("pending", None, "KeyError: 'oops'")


def test_a_row_whose_worker_kept_dying_is_given_up(camp):
    row = overdue_rows(camp)[0]
    long_ago = datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)
    Notification.objects.filter(pk=row.pk).update(attempts=MAX_ATTEMPTS, claimed_at=long_ago)
    others = sorted(Notification.objects.exclude(pk=row.pk).values_list("pk", flat=True))
    assert sorted(retry_due(camp.cohort.pk)) == others
    row.refresh_from_db()
    assert row.status == "failed" and "given up" in row.error


def test_rows_still_waiting_are_not_claimed_while_a_slow_send_runs(camp, monkeypatch):
    """Issue 8 review: each send takes most of a claim's lifetime (a slow SMTP
    server); meanwhile another pass looks for stale claims. Rows the first
    worker has not reached yet must not be claimed by it, or both send them."""
    ids = [r.pk for r in overdue_rows(camp)]
    sent: list[str] = []
    real_send = email_channel.send

    with time_machine.travel(MORNING_AFTER, tick=False) as clock:

        def slow_send(notification):
            sent.append(notification.recipient.username)
            clock.shift(CLAIM_TIMEOUT * 0.6)
            if len(sent) == 2:
                # While the second message is still on its way, the next pass runs.
                deliver(retry_due(camp.cohort.pk))
            real_send(notification)

        monkeypatch.setattr("reports.reminders.channels.email.send", slow_send)
        deliver(ids)
    assert sorted(sent) == ["alice", "bob", "carol"]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@example.org",
        "bob@example.org",
        "carol@example.org",
    ]
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_a_pass_enqueues_bounded_chunks_and_keeps_a_chat_message_whole(
    camp, django_capture_on_commit_callbacks
):
    rows = overdue_rows(camp)
    many = [
        Notification.objects.create(
            recipient=camp.alice,
            cohort=camp.cohort,
            kind=Notification.Kind.OVERDUE,
            channel=Notification.Channel.EMAIL,
            period=camp.period(n),
        )
        for n in range(2, 10)
    ]
    chat = [
        Notification.objects.create(
            recipient=student,
            cohort=camp.cohort,
            kind=Notification.Kind.OVERDUE,
            channel=Notification.Channel.CHAT,
            period=camp.period(1),
        )
        for student in [camp.alice, camp.bob, camp.carol]
    ]
    ids = [r.pk for r in rows + many + chat]
    assert len(ids) == 14
    packed = chunks(ids, size=4)
    assert sorted(pk for chunk in packed for pk in chunk) == sorted(ids)
    assert all(len(chunk) <= 4 for chunk in packed)
    assert [c for c in packed if set(c) & {n.pk for n in chat}] == [[n.pk for n in chat]]
    with (
        mock.patch.object(tasks.send_notifications, "delay") as delay,
        mock.patch("reports.reminders.tasks.chunks", lambda ids: chunks(ids, size=4)),
        mock.patch("reports.reminders.tasks.run_pass", return_value=SimpleNamespace(owed=ids)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.reminder_pass(camp.cohort.pk)
    assert [call.args[0] for call in delay.call_args_list] == packed


def test_a_claim_outlasts_any_single_send(settings):
    from reports.github.client import DEFAULT_TIMEOUT
    from reports.reminders.channels.chat import TIMEOUT as CHAT_TIMEOUT

    one_send = datetime.timedelta(seconds=max(settings.EMAIL_TIMEOUT, CHAT_TIMEOUT))
    assert 10 * one_send <= CLAIM_TIMEOUT
    assert 10 * datetime.timedelta(seconds=DEFAULT_TIMEOUT.read) <= CLAIM_TIMEOUT
