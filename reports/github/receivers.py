"""Receivers of the GitHub write-back: whichever door saved a report, a review
or a pull request, its outbox rows (reports.github.writeback) are planned in
the same transaction and pushed after it commits. Imported by
ReportsConfig.ready(), which connects them."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from camp.celery import enqueue_after_commit
from reports.github.tasks import push_github_cohort
from reports.github.writeback import plan_pull, plan_report
from reports.models import GitHubPullRequest, Report, Review


@receiver(post_save, sender=Report, dispatch_uid="github-writeback-report")
@receiver(post_save, sender=Review, dispatch_uid="github-writeback-review")
def plan_after_save(
    sender: type, instance: Report | Review, raw: bool = False, **kwargs: Any
) -> None:
    """Whichever door saved a report or review, its outbox rows are written in
    the same transaction and sent after it commits."""
    if raw:
        return
    report = instance if isinstance(instance, Report) else instance.report
    cohort_id = plan_report(report)
    if cohort_id is not None:
        enqueue_after_commit(push_github_cohort, cohort_id)


@receiver(post_save, sender=GitHubPullRequest, dispatch_uid="github-writeback-pull")
def check_after_save(
    sender: type, instance: GitHubPullRequest, raw: bool = False, **kwargs: Any
) -> None:
    """A pull request seen open at a new head commit (webhook or poll) gets its
    report check."""
    if raw:
        return
    cohort_id = plan_pull(instance)
    if cohort_id is not None:
        enqueue_after_commit(push_github_cohort, cohort_id)
