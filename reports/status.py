"""Where one student stands for one period: the single rule behind every page,
export and reminder that says on time, late, missing, reviewed or excused."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import models
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from reports.models import Allowance, Period, Report, Review, Revision


class State(models.TextChoices):
    FUTURE = "future", _("Future")
    OPEN = "open", _("Open")
    DRAFT = "draft", _("Draft")
    MISSING = "missing", _("Missing")
    ON_TIME = "on_time", _("Submitted on time")
    LATE = "late", _("Submitted late")
    NEEDS_CHANGES = "needs_changes", _("Needs changes")
    RESUBMITTED = "resubmitted", _("Resubmitted, waiting for re-review")
    REVIEWED = "reviewed", _("Reviewed")
    EXCUSED = "excused", _("Excused")


SUBMITTED_STATES = frozenset(
    {State.ON_TIME, State.LATE, State.NEEDS_CHANGES, State.RESUBMITTED, State.REVIEWED}
)

# Submitted reports a mentor still has to look at: never reviewed, or changed
# since their latest review.
AWAITING_REVIEW_STATES = frozenset({State.ON_TIME, State.LATE, State.RESUBMITTED})


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


def latest_review_at_sql(report: str = "pk") -> Subquery:
    """When the newest review of the report was written (NULL: not reviewed)."""
    reviews = Review.objects.filter(report=OuterRef(report)).order_by(*NEWEST_REVIEW_FIRST)
    return Subquery(reviews.values("created_at")[:1])


def revised_after_review(
    latest_revision_at: datetime.datetime | None, latest_review_at: datetime.datetime | None
) -> bool:
    """Whether the report has a revision newer than its latest review, whatever
    door the revision came through (web, API, GitHub comment edit, PR file)."""
    return (
        latest_revision_at is not None
        and latest_review_at is not None
        and latest_revision_at > latest_review_at
    )


def revised_after_review_sql(report: str = "pk") -> Exists:
    """revised_after_review for a queryset whose `report` field names the report."""
    # Inside the revisions' subquery, "report" is the revision's own report.
    return Exists(
        Revision.objects.filter(
            report=OuterRef(report), created_at__gt=latest_review_at_sql("report")
        )
    )


def with_review_facts(
    reports: QuerySet[Report], reviews: QuerySet[Review] | None = None
) -> QuerySet[Report]:
    """Reports annotated with what report_state needs beyond the row itself:
    `latest_verdict` and `revised_after_review`, judged from `reviews` (all of
    them unless given: a viewer who may not read a report's reviews learns no
    verdict from its state)."""
    if reviews is None:
        return reports.annotate(
            latest_verdict=latest_review_verdict_sql(),
            revised_after_review=revised_after_review_sql(),
        )

    def newest(report: str) -> QuerySet[Review]:
        return reviews.filter(report=OuterRef(report)).order_by(*NEWEST_REVIEW_FIRST)

    return reports.annotate(
        latest_verdict=Subquery(newest("pk").values("verdict")[:1]),
        revised_after_review=Exists(
            Revision.objects.filter(
                report=OuterRef("pk"),
                created_at__gt=Subquery(newest("report").values("created_at")[:1]),
            )
        ),
    )


# Waiting for review, the rule every door shares (the home page's count, the
# admin's queue, the overview's waiting list and each mentor's count, the
# reminders to mentors and TAs, the API): a submitted report that was never
# reviewed, or that changed since its latest review (resubmitted). A report
# with "needs changes" that the student has not touched yet waits for the
# student, not for a mentor.


def awaits_review(state: State) -> bool:
    """Whether a report in `state` (report_state) waits for a mentor."""
    return state in AWAITING_REVIEW_STATES


def awaiting_review_sql() -> ExpressionWrapper:
    """awaits_review for a queryset of reports, as a boolean to filter or annotate."""
    return ExpressionWrapper(
        Q(status=Report.Status.SUBMITTED)
        & (~Exists(Review.objects.filter(report=OuterRef("pk"))) | revised_after_review_sql()),
        output_field=BooleanField(),
    )


def awaiting_review(reports: QuerySet[Report]) -> QuerySet[Report]:
    """The reports among `reports` that wait for a mentor (awaits_review)."""
    return reports.filter(awaiting_review_sql())


def waiting_since(
    submitted_at: datetime.datetime, resubmitted_at: datetime.datetime | None
) -> datetime.datetime:
    """Since when a report waits for review: its first revision after the
    latest review (a resubmission), else its submission."""
    return resubmitted_at or submitted_at


def resubmitted_at_sql(report: str = "pk") -> Subquery:
    """When the report first changed after its latest review (NULL: not
    reviewed, or unchanged since), for a queryset whose `report` field names it."""
    first_after = Revision.objects.filter(
        report=OuterRef(report), created_at__gt=latest_review_at_sql("report")
    ).order_by("created_at", "id")
    return Subquery(first_after.values("created_at")[:1])


def waiting_since_sql() -> Coalesce:
    """waiting_since for a queryset of reports."""
    return Coalesce(resubmitted_at_sql(), F("submitted_at"))


def report_state(
    *,
    period: Period,
    report: Report | None,
    allowance: Allowance | None,
    verdict: str | None,
    now: datetime.datetime,
    show_drafts: bool = False,
    revised_after_review: bool = False,
) -> State:
    """The state of a student's report for a period at `now`.

    `verdict` is the latest review's verdict (None when unreviewed). Any review
    counts: only the student's mentors, the cohort's TAs (reports.access) and the
    importer (a review found in the file, its mentor unknown) can write one, and a
    TA stepping in for an absent mentor is exactly what should clear the queue.
    Drafts count as nothing submitted, except on the student's own pages
    (show_drafts). A reviewed report changed since its latest review
    (`revised_after_review`) is resubmitted, whatever the verdict was: it goes
    back to its mentors.
    """
    submitted = report is not None and report.status == Report.Status.SUBMITTED
    if submitted:
        if verdict is not None and revised_after_review:
            return State.RESUBMITTED
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
