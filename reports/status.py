"""Where one student stands for one period: the single rule behind every page,
export and reminder that says on time, late, missing, reviewed or excused."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from reports.models import Allowance, Period, Report, Review


class State(models.TextChoices):
    FUTURE = "future", _("Future")
    OPEN = "open", _("Open")
    DRAFT = "draft", _("Draft")
    MISSING = "missing", _("Missing")
    ON_TIME = "on_time", _("Submitted on time")
    LATE = "late", _("Submitted late")
    NEEDS_CHANGES = "needs_changes", _("Needs changes")
    REVIEWED = "reviewed", _("Reviewed")
    EXCUSED = "excused", _("Excused")


SUBMITTED_STATES = frozenset({State.ON_TIME, State.LATE, State.NEEDS_CHANGES, State.REVIEWED})


# Each rule below is written once in Python, with its twin in SQL beside it for
# the admin and the API, which filter and sort on it.

# Newest first; the id orders reviews saved in the same instant.
NEWEST_REVIEW_FIRST = ("-created_at", "-id")


def effective_due_at(period: Period, allowance: Allowance | None) -> datetime.datetime:
    """The period's due time, or the student's extension of it."""
    if allowance is not None and allowance.kind == Allowance.Kind.EXTENSION:
        return allowance.extended_due_at
    return period.due_at


def effective_due_at_sql() -> Coalesce:
    """effective_due_at for a queryset of reports."""
    extension = Allowance.objects.filter(
        student=OuterRef("student"), period=OuterRef("period"), kind=Allowance.Kind.EXTENSION
    )
    return Coalesce(Subquery(extension.values("extended_due_at")[:1]), F("period__due_at"))


def is_late(report: Report, period: Period, allowance: Allowance | None) -> bool:
    return bool(
        report.status == Report.Status.SUBMITTED
        and report.submitted_at > effective_due_at(period, allowance)
    )


def latest_review_verdict(reviews: Iterable[Review]) -> str | None:
    """The verdict of the newest review (None: not reviewed)."""
    newest = max(reviews, key=lambda r: (r.created_at, r.pk or 0), default=None)
    return newest.verdict if newest is not None else None


def latest_review_verdict_sql(report: str = "pk") -> Subquery:
    """latest_review_verdict for a queryset whose `report` field (its own pk for
    reports) names the report."""
    reviews = Review.objects.filter(report=OuterRef(report)).order_by(*NEWEST_REVIEW_FIRST)
    return Subquery(reviews.values("verdict")[:1])


def report_state(
    *,
    period: Period,
    report: Report | None,
    allowance: Allowance | None,
    verdict: str | None,
    now: datetime.datetime,
    show_drafts: bool = False,
) -> State:
    """The state of a student's report for a period at `now`.

    `verdict` is the latest review's verdict (None when unreviewed). Any review
    counts: only the student's mentors, the cohort's TAs (reports.access) and the
    importer (a review found in the file, its mentor unknown) can write one, and a
    TA stepping in for an absent mentor is exactly what should clear the queue.
    Drafts count as nothing submitted, except on the student's own pages
    (show_drafts).
    """
    submitted = report is not None and report.status == Report.Status.SUBMITTED
    if submitted:
        if verdict == Review.Verdict.NEEDS_CHANGES:
            return State.NEEDS_CHANGES
        if verdict is not None:
            return State.REVIEWED
        return State.LATE if is_late(report, period, allowance) else State.ON_TIME
    if allowance is not None and allowance.kind == Allowance.Kind.EXCUSED:
        return State.EXCUSED
    if show_drafts and report is not None:
        return State.DRAFT
    if now < period_start_instant(period):
        return State.FUTURE
    if now <= effective_due_at(period, allowance):
        return State.OPEN
    return State.MISSING


def period_start_instant(period: Period) -> datetime.datetime:
    """Midnight of the period's first day in the cohort's time zone."""
    return datetime.datetime.combine(
        period.starts_on, datetime.time.min, tzinfo=period.cohort.tzinfo
    )
