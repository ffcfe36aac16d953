"""The cohort calendar and period matching.

Nobody types a period: the calendar generates them, and whatever date range a
person wrote (often off by days, sometimes with the wrong year) is matched to
the period it overlaps most. The matching functions are pure, so every channel
(web, GitHub comments, files, import) shares them. A camp imported from its
history gets its calendar inferred from the ranges people claimed
(`infer_periods`).
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from django.utils import timezone

from camp.models import Cohort, mark_cohort_changed
from reports.models import Period


class DateRange(Protocol):
    starts_on: datetime.date
    ends_on: datetime.date


@dataclass(frozen=True)
class PeriodDates:
    number: int
    starts_on: datetime.date
    ends_on: datetime.date
    due_at: datetime.datetime


P = TypeVar("P", bound=DateRange)


def due_at_for(
    ends_on: datetime.date,
    *,
    due_days_after_end: int,
    due_time: datetime.time,
    tzinfo: datetime.tzinfo,
) -> datetime.datetime:
    """The aware instant a period is due: local due_time, N days after its last day."""
    local_day = ends_on + datetime.timedelta(days=due_days_after_end)
    # Built from local wall-clock parts so a DST change between start and due
    # day cannot shift the deadline by an hour.
    return datetime.datetime.combine(local_day, due_time, tzinfo=tzinfo)


def calendar(
    *,
    starts_on: datetime.date,
    ends_on: datetime.date | None,
    period_days: int,
    due_days_after_end: int,
    due_time: datetime.time,
    tzinfo: datetime.tzinfo,
    until: datetime.date | None = None,
) -> list[PeriodDates]:
    """Consecutive periods from starts_on. Without ends_on, up to `until`.

    The last period may be shorter than period_days when ends_on cuts it.
    """
    if period_days < 1:
        raise ValueError("period_days must be at least 1")
    last_day = ends_on or until
    if last_day is None:
        raise ValueError("either ends_on or until is needed")
    periods = []
    start = starts_on
    number = 1
    while start <= last_day:
        end = start + datetime.timedelta(days=period_days - 1)
        if ends_on is not None:
            end = min(end, ends_on)
        due = due_at_for(
            end, due_days_after_end=due_days_after_end, due_time=due_time, tzinfo=tzinfo
        )
        periods.append(PeriodDates(number, start, end, due))
        start = end + datetime.timedelta(days=1)
        number += 1
    return periods


def overlap_days(period: DateRange, start: datetime.date, end: datetime.date) -> int:
    """Days shared by a period and the inclusive range start..end (0 if none)."""
    first = max(period.starts_on, start)
    last = min(period.ends_on, end)
    return max(0, (last - first).days + 1)


def _distance_days(period: DateRange, start: datetime.date, end: datetime.date) -> int:
    """How far apart two ranges' midpoints are, in days (for tie-breaks and near misses)."""
    period_mid = period.starts_on.toordinal() + period.ends_on.toordinal()
    claimed_mid = start.toordinal() + end.toordinal()
    return abs(period_mid - claimed_mid)


def match_claimed_range(
    periods: Sequence[P],
    start: datetime.date | None,
    end: datetime.date | None,
    *,
    max_gap_days: int = 14,
) -> P | None:
    """The period a claimed date range belongs to.

    The period it overlaps most wins; among equal overlaps, the one whose middle
    is nearest. A range with its end before its start (a typo in the year or
    month) is read from whichever date is plausible: both orders are tried. A
    range that overlaps nothing still matches the nearest period if it is
    within max_gap_days of it, since people also type the dates of the week
    they wrote the report in.
    """
    if not periods or (start is None and end is None):
        return None
    start = start or end
    end = end or start
    if end < start:
        start, end = end, start
    best = max(
        periods,
        key=lambda p: (overlap_days(p, start, end), -_distance_days(p, start, end)),
    )
    if overlap_days(best, start, end) > 0:
        return best
    gap = min(abs((best.starts_on - end).days), abs((start - best.ends_on).days))
    return best if gap <= max_gap_days else None


def period_for_instant(
    periods: Iterable[P],
    day: datetime.date,
    *,
    grace_days: int = 0,
) -> P | None:
    """The period containing `day`; or, within grace_days after a period ended and
    before the next one has started, the period just ended."""
    ordered = sorted(periods, key=lambda p: p.starts_on)
    for period in ordered:
        if period.starts_on <= day <= period.ends_on:
            return period
    ended = [p for p in ordered if p.ends_on < day]
    if ended and (day - ended[-1].ends_on).days <= grace_days:
        return ended[-1]
    return None


def submission_period(
    periods: Sequence[P],
    *,
    claimed_start: datetime.date | None,
    claimed_end: datetime.date | None,
    submitted_on: datetime.date,
    grace_days: int = 7,
) -> P | None:
    """The period of a submission: by its claimed range if it has one, else by when
    it was submitted. Reports are written at the end of a period and often in the
    days after it, so a date-less submission early in a period belongs to the one
    just ended when it falls within the grace window."""
    if claimed_start or claimed_end:
        return match_claimed_range(periods, claimed_start, claimed_end)
    ordered = sorted(periods, key=lambda p: p.starts_on)
    for index, period in enumerate(ordered):
        if period.starts_on <= submitted_on <= period.ends_on:
            previous = ordered[index - 1] if index > 0 else None
            into_period = (submitted_on - period.starts_on).days
            if previous is not None and into_period < min(grace_days, _length(period) // 2):
                return previous
            return period
    return period_for_instant(ordered, submitted_on, grace_days=grace_days)


def _length(period: DateRange) -> int:
    return (period.ends_on - period.starts_on).days + 1


def cohort_calendar(cohort: Cohort, *, until: datetime.date | None = None) -> list[PeriodDates]:
    """The generated calendar of a cohort; open-ended cohorts run up to `until`."""
    if cohort.ends_on is None and until is None:
        until = timezone.localdate(timezone=cohort.tzinfo) + datetime.timedelta(
            days=cohort.period_days
        )
    return calendar(
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
        period_days=cohort.period_days,
        due_days_after_end=cohort.due_days_after_end,
        due_time=cohort.due_time,
        tzinfo=cohort.tzinfo,
        until=until,
    )


def ensure_periods(cohort: Cohort, *, until: datetime.date | None = None) -> int:
    """Create the calendar's periods that do not exist yet; returns how many.

    Existing periods are never changed: a TA may have edited them (a break, a
    holiday), and reports already point at them.
    """
    existing = set(cohort.periods.values_list("number", flat=True))
    missing = [
        Period(
            cohort=cohort,
            number=dates.number,
            starts_on=dates.starts_on,
            ends_on=dates.ends_on,
            due_at=dates.due_at,
        )
        for dates in cohort_calendar(cohort, until=until)
        if dates.number not in existing
    ]
    Period.objects.bulk_create(missing, ignore_conflicts=True)
    if missing:
        mark_cohort_changed(cohort.pk)
    return len(missing)


def current_of(periods: Iterable[Period], now: datetime.datetime) -> Period | None:
    """The period a student should be working on now: the earliest one whose due
    time has not passed yet (so a period stays current until its report is due)."""
    upcoming = [p for p in periods if p.due_at >= now]
    return min(upcoming, key=lambda p: p.due_at) if upcoming else None


def current_period(cohort: Cohort, now: datetime.datetime | None = None) -> Period | None:
    """current_of in SQL, for one cohort."""
    now = now or timezone.now()
    return cohort.periods.filter(due_at__gte=now).order_by("due_at").first()


# ---------------------------------------------------------------- inferring a calendar

# Periods of a camp whose report files claim no dates at all.
INFERRED_PERIOD_DAYS = 14


def infer_periods(
    ranges: list[tuple[datetime.date, datetime.date]],
) -> list[tuple[datetime.date, datetime.date]]:
    """A calendar from the date ranges people claimed.

    Close ranges (overlapping by at least half of the shorter one) are one
    period; its dates are the most common range among them. Ranges are taken
    most common first, so a stray long or shifted range joins the period it
    mostly covers instead of becoming one. Where two periods still overlap,
    the later one starts the day after the earlier one ends.
    """
    remaining = Counter((start, end) for start, end in ranges if start <= end)
    chosen = []
    while remaining:
        seed = max(
            remaining,
            key=lambda r: (remaining[r], -days_in(r), -r[0].toordinal()),
        )
        chosen.append(seed)
        for candidate in list(remaining):
            if _ranges_close(candidate, seed):
                del remaining[candidate]
    calendar: list[tuple[datetime.date, datetime.date]] = []
    for start, end in sorted(chosen):
        if calendar and start <= calendar[-1][1]:
            start = calendar[-1][1] + datetime.timedelta(days=1)
            if start > end:
                continue
        calendar.append((start, end))
    return calendar


def days_in(dates: tuple[datetime.date, datetime.date]) -> int:
    return (dates[1] - dates[0]).days + 1


def _ranges_close(
    a: tuple[datetime.date, datetime.date], b: tuple[datetime.date, datetime.date]
) -> bool:
    shared = (min(a[1], b[1]) - max(a[0], b[0])).days + 1
    return shared > 0 and 2 * shared >= min(days_in(a), days_in(b))


def fallback_calendar(
    first_day: datetime.date, last_day: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    """Two-week periods from the Monday before the first submission, for a cohort
    whose files claim no dates at all."""
    start = first_day - datetime.timedelta(days=first_day.weekday())
    calendar = []
    while start <= last_day:
        end = start + datetime.timedelta(days=INFERRED_PERIOD_DAYS - 1)
        calendar.append((start, end))
        start = end + datetime.timedelta(days=1)
    return calendar
