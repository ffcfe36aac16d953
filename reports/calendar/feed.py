"""A person's deadlines as an iCalendar feed (RFC 5545), for their calendar app.

One event per due time that concerns them: a student's own reports (moved by an
extension; none for an excused period), a mentor's review reminders (the
cohort's reminder policy: this long after a period's due time), a TA's period
deadlines. Times are UTC; a UID names the person, the kind and the period, so
it stays the same across fetches while the time moves with an extension.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import icalendar
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from camp.models import Membership, Mentorship, Role, User
from reports.models import Allowance, Period, ReminderPolicy
from reports.status import effective_due_at

UID_DOMAIN = "camp-reports"


@dataclass(frozen=True)
class Deadline:
    uid: str
    at: datetime.datetime
    summary: str
    path: str


def _periods(cohort_ids) -> list[Period]:
    return list(
        Period.objects.filter(cohort__in=cohort_ids)
        .select_related("cohort")
        .order_by("cohort_id", "number")
    )


def _student_deadlines(user: User) -> list[Deadline]:
    cohorts = Membership.objects.filter(user=user, role=Role.STUDENT).values("cohort_id")
    periods = _periods(cohorts)
    allowances = {
        a.period_id: a for a in Allowance.objects.filter(student=user, period__in=periods)
    }
    deadlines = []
    for period in periods:
        allowance = allowances.get(period.id)
        if allowance is not None and allowance.kind == Allowance.Kind.EXCUSED:
            continue
        deadlines.append(
            Deadline(
                uid=f"report-{period.pk}-{user.pk}@{UID_DOMAIN}",
                at=effective_due_at(period, allowance),
                summary=_("Weekly report #%(number)d due · %(cohort)s")
                % {"number": period.number, "cohort": period.cohort.name},
                path=reverse("reports:write", args=[period.cohort.slug, period.number]),
            )
        )
    return deadlines


def _mentor_deadlines(user: User) -> list[Deadline]:
    cohorts = Mentorship.objects.filter(mentor=user).values("cohort_id")
    # A cohort without a stored policy reminds with the defaults.
    policies = {p.cohort_id: p for p in ReminderPolicy.objects.filter(cohort__in=cohorts)}
    deadlines = []
    for period in _periods(cohorts):
        policy = policies.get(period.cohort_id) or ReminderPolicy(cohort_id=period.cohort_id)
        if not (policy.enabled and policy.review_pending):
            continue
        deadlines.append(
            Deadline(
                uid=f"review-{period.pk}-{user.pk}@{UID_DOMAIN}",
                at=period.due_at + datetime.timedelta(hours=policy.review_pending_hours),
                summary=_("Review your students' reports of #%(number)d · %(cohort)s")
                % {"number": period.number, "cohort": period.cohort.name},
                path=reverse("overview", args=[period.cohort.slug]),
            )
        )
    return deadlines


def _ta_deadlines(user: User) -> list[Deadline]:
    cohorts = Membership.objects.filter(user=user, role=Role.TA).values("cohort_id")
    return [
        Deadline(
            uid=f"period-{period.pk}-{user.pk}@{UID_DOMAIN}",
            at=period.due_at,
            summary=_("Period #%(number)d deadline · %(cohort)s")
            % {"number": period.number, "cohort": period.cohort.name},
            path=reverse("overview", args=[period.cohort.slug]),
        )
        for period in _periods(cohorts)
    ]


def deadlines_of(user: User) -> list[Deadline]:
    """Every due time that concerns the user, in their language, soonest first."""
    with translation.override(user.language):
        found = _student_deadlines(user) + _mentor_deadlines(user) + _ta_deadlines(user)
    return sorted(found, key=lambda d: (d.at, d.uid))


def calendar_feed(user: User, *, site_url: str, now: datetime.datetime) -> bytes:
    """The user's deadlines as an iCalendar document."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Camp Reports//Deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    with translation.override(user.language):
        calendar.add("x-wr-calname", _("Camp Reports deadlines"))
    for deadline in deadlines_of(user):
        event = icalendar.Event()
        event.add("uid", deadline.uid)
        event.add("dtstamp", now.astimezone(datetime.UTC))
        event.add("dtstart", deadline.at.astimezone(datetime.UTC))
        event.add("summary", deadline.summary)
        event.add("url", site_url.rstrip("/") + deadline.path)
        calendar.add_component(event)
    return calendar.to_ical()
