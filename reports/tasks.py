from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from camp.models import Cohort
from reports.models import Notification
from reports.notify import backoff, deliver
from reports.periods import ensure_periods
from reports.reminders import run_pass


@shared_task(ignore_result=True)
def extend_calendars() -> int:
    """Open-ended cohorts grow new periods as time passes."""
    return sum(ensure_periods(cohort) for cohort in Cohort.objects.all())


@shared_task(ignore_result=True)
def send_reminders() -> None:
    """Run by beat every 15 minutes: one reminder pass per cohort, each its own task."""
    for cohort_id in Cohort.objects.values_list("pk", flat=True):
        reminder_pass.delay(cohort_id)


def _enqueue(notification_ids: list[int]) -> None:
    # After commit: a worker must not look for rows this transaction has not
    # yet made visible (and must not send rows a rollback would undo).
    transaction.on_commit(lambda: send_notifications.delay(notification_ids))


@shared_task(ignore_result=True)
def reminder_pass(cohort_id: int, now: str | None = None) -> None:
    """Plan and record one cohort's pass; the sending happens in send_notifications.
    Idempotent: a rerun or redelivery records nothing new (unique constraints)."""
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    if cohort is None:
        return
    instant = parse_datetime(now) if now else timezone.now()
    with transaction.atomic():
        run_pass(cohort, instant, deliver=_enqueue)


@shared_task(bind=True, ignore_result=True, max_retries=None)
def send_notifications(self, notification_ids: list[int]) -> None:
    """Claim and send; rows already claimed or sent are skipped, so a redelivered
    task sends nothing twice. Transient failures come back with backoff until
    the attempts run out (then the row is marked failed, for the admin)."""
    outcome = deliver(notification_ids)
    again = [pk for pk, status in outcome.items() if status == Notification.Status.PENDING]
    if again:
        attempts = Notification.objects.filter(pk__in=again).aggregate(n=Max("attempts"))["n"]
        raise self.retry(args=(again,), countdown=backoff(attempts or 1).total_seconds())
