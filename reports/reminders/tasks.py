"""Celery tasks of the reminders: thin, they take ids and call the same
functions as the send_reminders command.

Task names are a wire contract, not a module path: beat's table, messages
already queued and workers of the previous release use them, so they keep the
names they had before the tasks moved into this package.
"""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from camp.celery import enqueue_after_commit
from camp.locks import single_instance
from camp.models import Cohort
from reports.models import Notification
from reports.reminders.delivery import backoff, chunks, deliver
from reports.reminders.recording import run_pass


@shared_task(ignore_result=True, name="reports.tasks.send_reminders")
@single_instance("send-reminders", ttl=10 * 60)
def send_reminders() -> None:
    """Run by beat every 15 minutes: one reminder pass per cohort, each its own task."""
    for cohort_id in Cohort.objects.values_list("pk", flat=True):
        reminder_pass.delay(cohort_id)


@shared_task(ignore_result=True, name="reports.tasks.reminder_pass")
def reminder_pass(cohort_id: int, now: str | None = None) -> None:
    """Plan and record one cohort's pass; the sending happens in send_notifications.
    Idempotent: a rerun or redelivery records nothing new (unique constraints)."""
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    if cohort is None:
        return
    instant = parse_datetime(now) if now else timezone.now()
    with transaction.atomic():
        result = run_pass(cohort, instant)
        # After commit: a worker must not look for rows this transaction has not
        # yet made visible (and must not send rows a rollback would undo).
        # Bounded chunks, so one task never holds a long queue of sends.
        for chunk in chunks(result.owed):
            enqueue_after_commit(send_notifications, chunk)


@shared_task(
    bind=True, ignore_result=True, max_retries=None, name="reports.tasks.send_notifications"
)
def send_notifications(self, notification_ids: list[int]) -> None:
    """Claim and send; rows already claimed or sent are skipped, so a redelivered
    task sends nothing twice. Transient failures come back when every row's
    retry_at has come (its backoff, or when a rate limit lifts) until the
    attempts run out (then the row is marked failed, for the admin)."""
    outcome = deliver(notification_ids)
    again = [pk for pk, status in outcome.items() if status == Notification.Status.PENDING]
    if again:
        retry_at = Notification.objects.filter(pk__in=again).aggregate(at=Max("retry_at"))["at"]
        raise self.retry(args=(again,), eta=retry_at or timezone.now() + backoff(1))
