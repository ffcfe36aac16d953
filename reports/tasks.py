from celery import shared_task

from camp.models import Cohort
from reports.github.client import RateLimited
from reports.github.sync import run_sync
from reports.github.webhooks import process_delivery
from reports.models import WebhookDelivery
from reports.periods import ensure_periods


@shared_task(ignore_result=True)
def extend_calendars() -> int:
    """Open-ended cohorts grow new periods as time passes."""
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
def sync_github_all() -> int:
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
