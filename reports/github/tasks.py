"""Celery tasks of the GitHub integration: thin, they take ids and call the
same functions as the sync_github and publish_summary commands. A rate limit
reschedules the task for when GitHub allows it again; a worker never sleeps.

Task names are a wire contract, not a module path: beat's table, messages
already queued and workers of the previous release use them, so they keep the
names they had before the tasks moved into this package.
"""

from __future__ import annotations

import datetime
import logging
from functools import partial

from celery import Task, shared_task
from django.utils import timezone

from camp.celery import enqueue_after_commit
from camp.locks import single_instance
from camp.models import Cohort, Project
from reports.github.client import GitHubError, RateLimited
from reports.github.evidence import FRESH_FOR, collect_evidence
from reports.github.poll import run_sync
from reports.github.publish import CannotPublish, periods_to_keep_current, publish_summary
from reports.github.webhooks import process_delivery, stalled_deliveries
from reports.github.writeback import push_writes
from reports.models import WebhookDelivery

logger = logging.getLogger(__name__)


@shared_task(
    bind=True, ignore_result=True, max_retries=None, name="reports.tasks.sync_github_cohort"
)
def sync_github_cohort(self, cohort_id: int) -> dict | None:
    """Poll one cohort's repository."""
    cohort = Cohort.objects.filter(pk=cohort_id).exclude(github_repo="").first()
    if cohort is None:
        return None
    try:
        result = run_sync(cohort)
    except RateLimited as exc:
        raise self.retry(eta=exc.retry_at, exc=exc) from exc
    return result.as_dict() if result is not None else None


@shared_task(ignore_result=True, name="reports.tasks.sync_github_all")
@single_instance("github-sync", ttl=5 * 60)
def sync_github_all() -> int | None:
    """Scheduled by beat: one sync task per cohort linked to GitHub."""
    return _per_linked_cohort(sync_github_cohort)


@shared_task(
    bind=True, ignore_result=True, max_retries=None, name="reports.tasks.process_github_delivery"
)
def process_github_delivery(self, delivery_id: int) -> dict | None:
    """Apply a stored webhook delivery; a redelivered task finds it processed."""
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return None
    try:
        return process_delivery(delivery, resync=partial(enqueue_after_commit, sync_github_cohort))
    except RateLimited as exc:
        raise self.retry(eta=exc.retry_at, exc=exc) from exc


@shared_task(ignore_result=True, name="reports.tasks.process_stalled_deliveries")
@single_instance("github-stalled-deliveries", ttl=5 * 60)
def process_stalled_deliveries() -> int:
    """Scheduled by beat: a task for each stored delivery whose own task never
    ran (its enqueue failed after the webhook answered, or it was lost)."""
    ids = stalled_deliveries(timezone.now())
    for delivery_id in ids:
        process_github_delivery.delay(delivery_id)
    return len(ids)


@shared_task(
    bind=True, ignore_result=True, max_retries=None, name="reports.tasks.publish_cohort_summaries"
)
def publish_cohort_summaries(self, cohort_id: int) -> list[dict]:
    """Keep the summary issues of a cohort's recent periods current; each write
    happens only when the text changed."""
    cohort = Cohort.objects.filter(pk=cohort_id).exclude(github_repo="").first()
    if cohort is None:
        return []
    results = []
    with single_instance(f"github-publish:{cohort.pk}", ttl=15 * 60) as acquired:
        if not acquired:
            return []
        for period in periods_to_keep_current(cohort, timezone.now()):
            try:
                results.append(publish_summary(cohort, period).as_dict())
            except RateLimited as exc:
                raise self.retry(eta=exc.retry_at, exc=exc) from exc
            except CannotPublish as exc:
                logger.info("summary of %s #%s not published: %s", cohort.slug, period.number, exc)
            except Exception as exc:  # whatever it was, one period's failure is recorded
                # and must not keep the others stale; the next beat run tries again.
                logger.warning(
                    "summary of %s #%s failed: %s",
                    cohort.slug,
                    period.number,
                    exc,
                    exc_info=not isinstance(exc, GitHubError),
                )
                results.append(
                    {
                        "action": "failed",
                        "period": period.number,
                        "error": f"{exc.__class__.__name__}: {exc}",
                    }
                )
    return results


@shared_task(ignore_result=True, name="reports.tasks.publish_summaries")
@single_instance("github-publish-summaries", ttl=5 * 60)
def publish_summaries() -> int | None:
    """Scheduled by beat: one publishing task per cohort linked to GitHub."""
    return _per_linked_cohort(publish_cohort_summaries)


@shared_task(
    bind=True, ignore_result=True, max_retries=None, name="reports.tasks.collect_cohort_evidence"
)
def collect_cohort_evidence(self, cohort_id: int, started_at: str | None = None) -> dict | None:
    """Collect the students' GitHub work of a cohort's started, not yet final
    periods. A rate limit (search or GraphQL) reschedules the task for its reset
    with the run's start, so the rerun skips what the run already fetched (and
    anything fetched within FRESH_FOR, e.g. by a command)."""
    cohort = Cohort.objects.filter(pk=cohort_id).first()
    if cohort is None:
        return None
    run_started = datetime.datetime.fromisoformat(started_at) if started_at else timezone.now()
    with single_instance(f"github-evidence:{cohort.pk}", ttl=30 * 60) as acquired:
        if not acquired:
            return None
        try:
            result = collect_evidence(
                cohort, wait=False, fresh_for=FRESH_FOR, run_started=run_started
            )
        except RateLimited as exc:
            raise self.retry(
                eta=exc.retry_at,
                exc=exc,
                kwargs={"cohort_id": cohort_id, "started_at": run_started.isoformat()},
            ) from exc
        return result.as_dict()


@shared_task(ignore_result=True, name="reports.tasks.collect_evidence")
@single_instance("github-collect-evidence", ttl=5 * 60)
def collect_all_evidence() -> int | None:
    """Scheduled by beat: one evidence task per cohort that tracks repositories.
    A filter in Python, not SQL: JSON emptiness differs between SQLite and PostgreSQL."""
    tracking = {pk for pk, repos in Cohort.objects.values_list("pk", "repositories") if repos}
    tracking |= {
        cohort_id
        for cohort_id, repos in Project.objects.values_list("cohort_id", "repositories")
        if repos
    }
    cohort_ids = sorted(tracking)
    for cohort_id in cohort_ids:
        collect_cohort_evidence.delay(cohort_id)
    return len(cohort_ids)


@shared_task(
    bind=True, ignore_result=True, max_retries=None, name="reports.tasks.push_github_cohort"
)
def push_github_cohort(self, cohort_id: int) -> list[dict]:
    """Perform the cohort's pending GitHub writes (reports.github.writeback); a
    rate limit reschedules the task for when GitHub allows it again."""
    cohort = Cohort.objects.filter(pk=cohort_id, github_write_back=True).first()
    if cohort is None:
        return []
    try:
        return [outcome.as_dict() for outcome in push_writes(cohort)]
    except RateLimited as exc:
        raise self.retry(eta=exc.retry_at, exc=exc) from exc


@shared_task(ignore_result=True, name="reports.tasks.push_github_all")
@single_instance("github-push-writes", ttl=5 * 60)
def push_github_all() -> int:
    """Scheduled by beat: one push task per cohort that writes back."""
    cohort_ids = list(
        Cohort.objects.filter(github_write_back=True)
        .exclude(github_repo="")
        .values_list("pk", flat=True)
    )
    for cohort_id in cohort_ids:
        push_github_cohort.delay(cohort_id)
    return len(cohort_ids)


def _per_linked_cohort(task: Task) -> int:
    """Enqueue `task` once for each cohort linked to a GitHub repository."""
    cohort_ids = list(Cohort.objects.exclude(github_repo="").values_list("pk", flat=True))
    for cohort_id in cohort_ids:
        task.delay(cohort_id)
    return len(cohort_ids)
