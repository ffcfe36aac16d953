"""Blocker entries: derived from each submitted report's blockers section,
carried forward until resolved, resolved by the student, a mentor or a TA.

`sync_report` is the one place entries are written from a report; the
receivers (reports.blockers.receivers) call it for every report any door
saves, and for the importer's bulk writes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from camp.models import Cohort, User, mark_cohort_changed
from reports.access import manages_blocker
from reports.blockers.extraction import blocker_key, blocker_texts, blocker_titles
from reports.models import Blocker, Period, Report


def sync_report(report: Report, *, created: bool = False) -> None:
    """Make the student's blocker entries agree with this report.

    A point that names a blocker still open (from an earlier period) moves its
    last_seen_period on; a new point opens an entry. Entries this report
    opened that it no longer names, and that nobody resolved, go: the
    student took them back. Drafts open nothing."""
    period = report.period
    cohort = period.cohort
    texts = blocker_texts(report.body, blocker_titles(cohort)) if report.is_submitted else []
    wanted = {blocker_key(text): text for text in texts}
    if created and not wanted:
        return  # a new report that names no blocker: nothing to open or drop
    Blocker.objects.filter(report=report, resolved_at__isnull=True).exclude(
        key__in=list(wanted)
    ).delete()
    open_by_key = {
        blocker.key: blocker
        for blocker in Blocker.objects.filter(
            cohort=cohort, student=report.student_id, resolved_at__isnull=True, key__in=list(wanted)
        ).select_related("last_seen_period")
    }
    for key, text in wanted.items():
        blocker = open_by_key.get(key)
        if blocker is None:
            Blocker.objects.create(
                cohort=cohort,
                student_id=report.student_id,
                report=report,
                opened_period=period,
                last_seen_period=period,
                text=text,
                key=key,
                opened_at=report.submitted_at or timezone.now(),
            )
        elif blocker.last_seen_period.number < period.number:
            blocker.last_seen_period = period
            blocker.save(update_fields=["last_seen_period"])


def sync_reports(report_ids: Iterable[int]) -> None:
    """sync_report for many reports, oldest period first (the importer's)."""
    reports = Report.objects.filter(pk__in=list(report_ids)).select_related(
        "period__cohort", "student"
    )
    for report in sorted(reports, key=lambda r: (r.period.cohort_id, r.period.number, r.pk)):
        sync_report(report)


def open_blockers(cohort: Cohort) -> QuerySet[Blocker]:
    return (
        Blocker.objects.filter(cohort=cohort, resolved_at__isnull=True)
        .select_related("student", "opened_period", "last_seen_period", "report")
        .order_by("opened_at", "pk")
    )


def carried_into(student: User, period: Period) -> list[Blocker]:
    """The student's blockers still open from the periods before `period`:
    what their writing page asks about ("still blocked?")."""
    return list(
        open_blockers(period.cohort).filter(
            student=student, opened_period__number__lt=period.number
        )
    )


def age(blocker: Blocker, now: datetime.datetime) -> datetime.timedelta:
    end = blocker.resolved_at or now
    return max(end - blocker.opened_at, datetime.timedelta())


def age_days(blocker: Blocker, now: datetime.datetime) -> int:
    return age(blocker, now).days


@dataclass(frozen=True)
class StudentBlockers:
    """A student's open blockers, for the mark on their row of the overview."""

    count: int
    oldest_days: int


def open_by_student(cohort: Cohort, now: datetime.datetime) -> dict[int, StudentBlockers]:
    """Per student id: how many blockers are open and the age of the oldest."""
    result: dict[int, StudentBlockers] = {}
    for student_id, opened_at in Blocker.objects.filter(
        cohort=cohort, resolved_at__isnull=True
    ).values_list("student_id", "opened_at"):
        days = max((now - opened_at).days, 0)
        known = result.get(student_id)
        result[student_id] = StudentBlockers(
            count=(known.count if known else 0) + 1,
            oldest_days=max(days, known.oldest_days if known else 0),
        )
    return result


@transaction.atomic
def resolve(blocker: Blocker, by: User, now: datetime.datetime | None = None) -> Blocker:
    """Mark the blocker resolved; its student, their mentors and the TAs may."""
    if not manages_blocker(by, blocker):
        raise PermissionDenied(_("You may not resolve this blocker."))
    locked = Blocker.objects.select_for_update().get(pk=blocker.pk)
    if locked.resolved_at is not None:
        raise ValidationError(_("This blocker is resolved already."))
    locked.resolved_at = now or timezone.now()
    locked.resolved_by = by
    locked.save(update_fields=["resolved_at", "resolved_by"])
    mark_cohort_changed(locked.cohort_id)
    return locked


@transaction.atomic
def still_open(blocker: Blocker, by: User, period: Period) -> Blocker:
    """The student says, writing for `period`, that the blocker still holds."""
    if by.pk != blocker.student_id:
        raise PermissionDenied(_("Only the student says whether they are still blocked."))
    if blocker.resolved_at is not None:
        raise ValidationError(_("This blocker is resolved already."))
    if period.cohort_id != blocker.cohort_id:
        raise ValidationError(_("That period is of another cohort."))
    if blocker.last_seen_period.number < period.number:
        blocker.last_seen_period = period
        blocker.save(update_fields=["last_seen_period"])
    return blocker
