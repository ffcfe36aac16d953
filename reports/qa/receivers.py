"""Receivers of the Q&A archive: whichever door saved a report, a review or a
reply, or wrote reports in bulk (the importer), its questions and answers
follow (reports.qa.entries). Imported by ReportsConfig.ready(), which
connects them."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from reports import reviews, submissions
from reports.models import Reply, Report, Review
from reports.qa.entries import answer_from_reply, answer_from_review, sync_report, sync_reports


@receiver(post_save, sender=Report, dispatch_uid="qa-report-saved")
def report_saved(
    sender: type,
    instance: Report,
    created: bool = False,
    raw: bool = False,
    update_fields=None,
    **kwargs: Any,
) -> None:
    if raw or (update_fields and not {"body", "status"} & set(update_fields)):
        return
    sync_report(instance, created=created)


@receiver(post_save, sender=Review, dispatch_uid="qa-review-saved")
def review_saved(sender: type, instance: Review, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        answer_from_review(instance)


@receiver(reviews.review_posted, dispatch_uid="qa-review-posted")
def review_posted(sender: type, review: Review, **kwargs: Any) -> None:
    # Bulk approval writes its reviews past save(); it announces each one.
    answer_from_review(review)


@receiver(post_save, sender=Reply, dispatch_uid="qa-reply-saved")
def reply_saved(sender: type, instance: Reply, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        answer_from_reply(instance)


@receiver(submissions.reports_written_in_bulk, dispatch_uid="qa-bulk")
def reports_written_in_bulk(sender: type, report_ids: list[int], **kwargs: Any) -> None:
    sync_reports(report_ids)
