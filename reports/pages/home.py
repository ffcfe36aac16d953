"""What the home page tells each person: their cohorts, their role there, the
current period and its due time, and what they owe."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from camp.models import Cohort, Membership, Mentorship, Role, User
from reports.access import reviewable_reports
from reports.links import queue_path
from reports.models import Allowance, Period, Report
from reports.periods import current_period
from reports.status import (
    State,
    awaiting_review,
    effective_due_at,
    report_state,
    with_review_facts,
)


@dataclass
class CohortCard:
    cohort: Cohort
    roles: list[str]
    period: Period | None
    due_local: datetime.datetime | None
    # An extension moved this student's due time.
    extended: bool = False
    # student
    my_state: State | None = None
    my_report: Report | None = None
    # mentor and TA
    awaiting_review: int = 0
    # Sees the cohort's overview: its TAs and mentors, and superusers.
    oversees: bool = False
    # The admin's queue filtered to exactly the reports counted above.
    review_queue_url: str = ""
    not_submitted: list[User] = field(default_factory=list)
    expected: int = 0


def home_cards(user: User, now: datetime.datetime | None = None) -> list[CohortCard]:
    now = now or timezone.now()
    roles_by_cohort: dict[int, list[str]] = {}
    cohorts: dict[int, Cohort] = {}
    for membership in Membership.objects.filter(user=user).select_related("cohort"):
        roles_by_cohort.setdefault(membership.cohort_id, []).append(membership.role)
        cohorts[membership.cohort_id] = membership.cohort
    if user.is_superuser:
        # A superuser oversees every cohort, on its roster or not.
        for cohort in Cohort.objects.exclude(pk__in=cohorts):
            roles_by_cohort[cohort.pk] = []
            cohorts[cohort.pk] = cohort
    waiting = awaiting_review(reviewable_reports(user)).values_list("period__cohort_id", flat=True)
    waiting_by_cohort: dict[int, int] = {}
    for cohort_id in waiting:
        waiting_by_cohort[cohort_id] = waiting_by_cohort.get(cohort_id, 0) + 1

    cards = []
    for cohort_id, cohort in cohorts.items():
        roles = roles_by_cohort[cohort_id]
        period = current_period(cohort, now)
        card = CohortCard(
            cohort=cohort,
            roles=roles,
            period=period,
            due_local=period.due_at.astimezone(cohort.tzinfo) if period else None,
            awaiting_review=waiting_by_cohort.get(cohort_id, 0),
            review_queue_url=queue_path(cohort_id),
        )
        if period and Role.STUDENT in roles:
            report = with_review_facts(Report.objects.filter(student=user, period=period)).first()
            allowance = Allowance.objects.filter(student=user, period=period).first()
            card.my_report = report
            card.due_local = effective_due_at(period, allowance).astimezone(cohort.tzinfo)
            card.extended = allowance is not None and allowance.kind == Allowance.Kind.EXTENSION
            card.my_state = report_state(
                period=period,
                report=report,
                allowance=allowance,
                verdict=None if report is None else report.latest_verdict,
                now=now,
                show_drafts=True,
                revised_after_review=bool(report and report.revised_after_review),
            )
        card.oversees = user.is_superuser or Role.TA in roles or Role.MENTOR in roles
        if period and card.oversees:
            card.expected, card.not_submitted = _not_submitted(
                user, cohort, period, ta=user.is_superuser or Role.TA in roles
            )
        cards.append(card)
    return sorted(cards, key=lambda c: (c.cohort.starts_on, c.cohort.slug), reverse=True)


def _not_submitted(
    user: User, cohort: Cohort, period: Period, *, ta: bool
) -> tuple[int, list[User]]:
    """How many students (all for a TA, own mentees for a mentor) owe a report
    for the period, excused ones left out, and who has not submitted it yet."""
    students = User.objects.filter(memberships__cohort=cohort, memberships__role=Role.STUDENT)
    if not ta:
        mentees = Mentorship.objects.filter(cohort=cohort, mentor=user).values("student_id")
        students = students.filter(pk__in=mentees)
    excused = Q(allowances__period=period, allowances__kind=Allowance.Kind.EXCUSED)
    expected = students.exclude(pk__in=students.filter(excused).values("pk"))
    submitted = Q(reports__period=period, reports__status=Report.Status.SUBMITTED)
    not_submitted = expected.exclude(pk__in=students.filter(submitted).values("pk"))
    return expected.count(), list(not_submitted.order_by("github_login"))
