"""Mentors' reviews of reports: the one write path for a review, whatever door
(admin change page, bulk action, API) it comes from. Reviews found in a camp's
history are written by the repository importer, in bulk.

A review is always recorded as the person who is signed in, and only someone
allowed to review the report (reports.access) may add one. Reviews are an
append-only record: a mentor who changes their mind posts another review, and
the latest verdict counts (reports.status.latest_review_verdict).

Each new review is announced with the `review_posted` signal, inside the
review's transaction; the review loop (reports.reviewing.events) receives it
and has the student told by the worker once the transaction commits, through
the same Notification row and claim-then-send as the reminders, keyed on the
review, so it is announced exactly once. A signal keeps the core free of the
features that react to it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from camp.models import Cohort, User, mark_cohorts_changed
from reports.access import can_review, reviewable_reports
from reports.models import Report, Review, Source
from reports.status import latest_review_verdict_sql

MAX_REVIEW_LENGTH = 20_000

# Sent with `review=` for every review added here, inside its transaction.
review_posted = Signal()


def add_review(
    report: Report,
    reviewer: User,
    body: str,
    verdict: str,
    source: str = Source.ADMIN,
) -> Review:
    """Record `reviewer`'s review of `report`; refuse anyone not allowed to review it."""
    if verdict not in Review.Verdict.values:
        raise ValidationError(_("Unknown verdict: %(verdict)s") % {"verdict": verdict})
    if len(body) > MAX_REVIEW_LENGTH:
        raise ValidationError(
            _("A review may be at most %(limit)d characters long.") % {"limit": MAX_REVIEW_LENGTH}
        )
    if report.student_id == reviewer.pk:
        raise PermissionDenied(_("Nobody reviews their own report."))
    if not can_review(reviewer, report):
        raise PermissionDenied(_("You may not review this report."))
    with transaction.atomic():
        review = Review.objects.create(
            report=report,
            mentor=reviewer,
            body=body.strip(),
            verdict=verdict,
            source=source,
            created_at=timezone.now(),
        )
        review_posted.send(sender=Review, review=review)
    return review


def approve_reports(
    reviewer: User, reports: Iterable[Report], body: str = "LGTM"
) -> tuple[list[Review], list[Report]]:
    """Add an approving review by `reviewer` to each report that is theirs to review
    and not already approved. Returns (reviews added, reports skipped)."""
    reports = list(reports)
    added: list[Review] = []
    with transaction.atomic():
        # Lock the selected rows so two clicks on the action cannot both approve
        # the same report; `of` keeps the lock off the joined tables. The latest
        # verdicts are read after the lock is held, in a statement of their own,
        # so a review committed by the other click is seen.
        locked_ids = list(
            reviewable_reports(reviewer)
            .filter(pk__in=[report.pk for report in reports])
            .order_by("pk")
            .select_for_update(of=("self",))
            .values_list("pk", flat=True)
        )
        already_approved = set(
            Report.objects.filter(pk__in=locked_ids)
            .annotate(latest_verdict=latest_review_verdict_sql())
            .filter(latest_verdict=Review.Verdict.APPROVED)
            .values_list("pk", flat=True)
        )
        now = timezone.now()
        added = [
            Review(
                report_id=report_id,
                mentor=reviewer,
                body=body,
                verdict=Review.Verdict.APPROVED,
                source=Source.ADMIN,
                created_at=now,
            )
            for report_id in locked_ids
            if report_id not in already_approved
        ]
        Review.objects.bulk_create(added)
        if added:
            mark_cohorts_changed(Cohort.objects.filter(periods__reports__in=locked_ids))
        for review in Review.objects.filter(pk__in=[r.pk for r in added]).select_related(
            "report__period__cohort", "report__student"
        ):
            review_posted.send(sender=Review, review=review)
    reviewed_ids = {review.report_id for review in added}
    skipped = [report for report in reports if report.pk not in reviewed_ids]
    return added, skipped
