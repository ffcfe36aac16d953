"""Receivers of the review loop: the core write paths announce a review posted
(reports.reviews.review_posted) and a reviewed report changed
(reports.submissions.report_resubmitted); the other side hears of it at once
(reports.reviewing.events). Imported by ReportsConfig.ready(), which connects
them."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from reports import reviews, submissions
from reports.models import Report, Review
from reports.reviewing import events


@receiver(reviews.review_posted, dispatch_uid="reviewing-review-posted")
def review_posted(sender: type, review: Review, **kwargs: Any) -> None:
    events.review_posted(review)


@receiver(submissions.report_resubmitted, dispatch_uid="reviewing-report-resubmitted")
def report_resubmitted(sender: type, report: Report, **kwargs: Any) -> None:
    events.resubmitted(report)
