"""What a student sees on "My reports" and on a report page: every period of
their cohorts with its due time in the cohort's time zone, how long is left or
how late it is, and where they stand."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from camp.models import Cohort, User
from camp.roles import cohorts_where
from reports.access import visible_reviews
from reports.models import Allowance, Period, Report, Review
from reports.periods import current_period
from reports.status import (
    State,
    effective_due_at,
    latest_review_verdict,
    report_state,
    revised_after_review,
    with_review_facts,
)


@dataclass
class PeriodRow:
    period: Period
    report: Report | None
    allowance: Allowance | None
    state: State
    due_local: datetime.datetime
    extended: bool
    is_current: bool
    due_passed: bool
    late_by: datetime.timedelta | None


@dataclass
class CohortReports:
    cohort: Cohort
    current: PeriodRow | None
    rows: list[PeriodRow]


def _state(
    period: Period, report: Report | None, allowance: Allowance | None, now: datetime.datetime
) -> State:
    return report_state(
        period=period,
        report=report,
        allowance=allowance,
        verdict=report.latest_verdict if report else None,
        now=now,
        show_drafts=True,
        revised_after_review=bool(report and report.revised_after_review),
    )


def my_reports(student: User, now: datetime.datetime | None = None) -> list[CohortReports]:
    """Per cohort where the user is a student: all its periods, newest first,
    and the current one (the period to act on now) picked out."""
    now = now or timezone.now()
    result = []
    for cohort in cohorts_where(student, "student").order_by("-starts_on", "slug"):
        periods = list(cohort.periods.order_by("-number"))
        reports = {
            r.period_id: r
            for r in with_review_facts(
                Report.objects.filter(student=student, period__cohort=cohort)
            )
        }
        allowances = {
            a.period_id: a for a in Allowance.objects.filter(student=student, period__cohort=cohort)
        }
        current = current_period(cohort, now)
        rows = []
        for period in periods:
            period.cohort = cohort
            report, allowance = reports.get(period.pk), allowances.get(period.pk)
            due = effective_due_at(period, allowance)
            rows.append(
                PeriodRow(
                    period=period,
                    report=report,
                    allowance=allowance,
                    state=_state(period, report, allowance, now),
                    due_local=due.astimezone(cohort.tzinfo),
                    extended=due != period.due_at,
                    is_current=current is not None and period.pk == current.pk,
                    due_passed=now > due,
                    late_by=_late_by(report, due),
                )
            )
        current_row = next((row for row in rows if row.is_current), None)
        result.append(CohortReports(cohort=cohort, current=current_row, rows=rows))
    return result


def _late_by(report: Report | None, due: datetime.datetime) -> datetime.timedelta | None:
    if report is not None and report.is_submitted and report.submitted_at > due:
        return report.submitted_at - due
    return None


@dataclass
class ReportStanding:
    state: State
    due_local: datetime.datetime
    submitted_local: datetime.datetime | None
    late_by: datetime.timedelta | None
    extended: bool
    reviews: list[Review]


def report_standing(
    report: Report, *, viewer: User, now: datetime.datetime | None = None
) -> ReportStanding:
    """Status, due and submission times (cohort time zone), lateness and reviews of one report."""
    now = now or timezone.now()
    period = report.period
    tz = period.cohort.tzinfo
    allowance = Allowance.objects.filter(student=report.student, period=period).first()
    # A shared report's reviews stay between the student, their mentors and the
    # TAs (the same rule as the API): a peer sees neither the text nor the verdict.
    reviews = list(
        visible_reviews(viewer)
        .filter(report=report)
        .select_related("mentor")
        .order_by("created_at", "id")
    )
    verdict = latest_review_verdict(reviews)
    latest_revision = report.revisions.order_by("-created_at").values_list("created_at", flat=True)
    state = report_state(
        period=period,
        report=report,
        allowance=allowance,
        verdict=verdict,
        now=now,
        show_drafts=viewer.pk == report.student_id,
        revised_after_review=revised_after_review(
            latest_revision.first(), reviews[-1].created_at if reviews else None
        ),
    )
    due = effective_due_at(period, allowance)
    return ReportStanding(
        state=state,
        due_local=due.astimezone(tz),
        submitted_local=report.submitted_at.astimezone(tz) if report.submitted_at else None,
        late_by=_late_by(report, due),
        extended=due != period.due_at,
        reviews=reviews,
    )
