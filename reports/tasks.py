from __future__ import annotations

import logging
from functools import partial

from celery import shared_task
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from camp.locks import single_instance
from camp.models import Cohort
from reports.github.client import GitHubError, RateLimited
from reports.github.publish import (
    CannotPublish,
    periods_to_keep_current,
    publish_summary,
)
from reports.github.sync import run_sync, sync_lock
from reports.github.webhooks import process_delivery
from reports.models import Notification, WebhookDelivery
from reports.notify import backoff, chunks, deliver
from reports.periods import ensure_periods
from reports.reminders import run_pass

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
@single_instance("extend-calendars", ttl=30 * 60)
def extend_calendars() -> int | None:
    """Open-ended cohorts grow new periods as time passes (None: another run holds the lock)."""
    return sum(ensure_periods(cohort) for cohort in Cohort.objects.all())


@shared_task(bind=True, ignore_result=True, max_retries=None)
def sync_github_cohort(self, cohort_id: int) -> dict | None:
    """Poll one cohort's repository. A rate limit reschedules the task for when
    GitHub allows it again; the worker never sleeps on it."""
    cohort = Cohort.objects.filter(pk=cohort_id).exclude(github_repo="").first()
    if cohort is None:
        return None
    try:
        result = run_sync(cohort)
    except RateLimited as exc:
        raise self.retry(eta=exc.retry_at, exc=exc) from exc
    return result.as_dict() if result is not None else None


@shared_task(ignore_result=True)
@single_instance("github-sync", ttl=5 * 60)
def sync_github_all() -> int | None:
    """Scheduled by beat: one sync task per cohort linked to GitHub."""
    cohort_ids = list(Cohort.objects.exclude(github_repo="").values_list("pk", flat=True))
    for cohort_id in cohort_ids:
        sync_github_cohort.delay(cohort_id)
    return len(cohort_ids)


@shared_task(bind=True, ignore_result=True, max_retries=None)
def process_github_delivery(self, delivery_id: int) -> dict | None:
    """Apply a stored webhook delivery; a redelivered task finds it processed."""
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return None
    try:
        return process_delivery(delivery)
    except RateLimited as exc:
        raise self.retry(eta=exc.retry_at, exc=exc) from exc
    except IntegrityError as exc:
        # A poll inserted the same comment at the same moment: try again shortly.
        raise self.retry(countdown=5, max_retries=3, exc=exc) from exc


@shared_task(bind=True, ignore_result=True, max_retries=None)
def publish_cohort_summaries(self, cohort_id: int) -> list[dict]:
    """Keep the summary issues of a cohort's recent periods current; each write
    happens only when the text changed."""
    cohort = Cohort.objects.filter(pk=cohort_id).exclude(github_repo="").first()
    if cohort is None:
        return []
    results = []
    with sync_lock(f"publish:{cohort.pk}") as acquired:
        if not acquired:
            return []
        for period in periods_to_keep_current(cohort, timezone.now()):
            try:
                results.append(publish_summary(cohort, period).as_dict())
            except RateLimited as exc:
                raise self.retry(eta=exc.retry_at, exc=exc) from exc
            except CannotPublish as exc:
                logger.info("summary of %s #%s not published: %s", cohort.slug, period.number, exc)
            except GitHubError as exc:
                # One period's failure must not keep the others stale; the next
                # beat run tries it again.
                logger.warning("summary of %s #%s failed: %s", cohort.slug, period.number, exc)
    return results


@shared_task(ignore_result=True)
@single_instance("github-publish-summaries", ttl=5 * 60)
def publish_summaries() -> int | None:
    """Scheduled by beat: one publishing task per cohort linked to GitHub."""
    cohort_ids = list(Cohort.objects.exclude(github_repo="").values_list("pk", flat=True))
    for cohort_id in cohort_ids:
        publish_cohort_summaries.delay(cohort_id)
    return len(cohort_ids)


@shared_task(ignore_result=True)
@single_instance("send-reminders", ttl=10 * 60)
def send_reminders() -> None:
    """Run by beat every 15 minutes: one reminder pass per cohort, each its own task."""
    for cohort_id in Cohort.objects.values_list("pk", flat=True):
        reminder_pass.delay(cohort_id)


def _enqueue(notification_ids: list[int]) -> None:
    # After commit: a worker must not look for rows this transaction has not
    # yet made visible (and must not send rows a rollback would undo). Bounded
    # chunks, so one task never holds a long queue of sends.
    for chunk in chunks(notification_ids):
        transaction.on_commit(partial(send_notifications.delay, chunk))


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
    task sends nothing twice. Transient failures come back when every row's
    retry_at has come (its backoff, or when a rate limit lifts) until the
    attempts run out (then the row is marked failed, for the admin)."""
    outcome = deliver(notification_ids)
    again = [pk for pk, status in outcome.items() if status == Notification.Status.PENDING]
    if again:
        retry_at = Notification.objects.filter(pk__in=again).aggregate(at=Max("retry_at"))["at"]
        raise self.retry(args=(again,), eta=retry_at or timezone.now() + backoff(1))
