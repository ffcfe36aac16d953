"""What a reminder says, in the reader's language, for every channel.

Each channel lays the same words out its own way: an email has a subject, a
paragraph and a list; a chat message or a GitHub comment has one line per kind.
Call these inside `translation.override(language)`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from camp.models import User
from reports.models import Notification, Period
from reports.reminders.policy import policy_for

Kind = Notification.Kind
# Kinds sent to the students themselves; the others go to mentors and TAs and
# name the students they are about.
STUDENT_KINDS = (Kind.DUE_SOON, Kind.OVERDUE, Kind.REVIEW_POSTED)


@dataclass(frozen=True)
class Message:
    subject: str
    intro: str
    students: list[User]
    link: str
    link_label: str


def local_time(instant: datetime.datetime, tz: datetime.tzinfo) -> str:
    local = instant.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} ({local.tzname()})"


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def link_for(notification: Notification) -> tuple[str, str]:
    if notification.kind in STUDENT_KINDS:
        return absolute_url(reverse("home")), _("Open Camp Reports")
    query = f"?period__cohort__id__exact={notification.cohort_id}"
    return (
        absolute_url(reverse("admin:reports_report_changelist") + query),
        _("Open the reports"),
    )


def period_of(notification: Notification) -> Period:
    return notification.period or notification.report.period


def email_message(
    notification: Notification,
    students: list[User],
    due_at: datetime.datetime,
    tz: datetime.tzinfo,
) -> Message:
    period = period_of(notification)
    values = {
        "number": period.number,
        "start": f"{period.starts_on:%Y.%m.%d}",
        "end": f"{period.ends_on:%Y.%m.%d}",
        "cohort": notification.cohort.name,
        "due": local_time(due_at, tz),
        "count": len(students),
    }
    kind = notification.kind
    if kind == Kind.DUE_SOON:
        subject = _("Your report for period %(number)s is due %(due)s") % values
        intro = (
            _(
                "Your weekly report for period %(number)s (%(start)s~%(end)s) of %(cohort)s "
                "is due at %(due)s. A draft does not count until you submit it."
            )
            % values
        )
    elif kind == Kind.OVERDUE:
        subject = _("Your report for period %(number)s is overdue") % values
        intro = (
            _(
                "Your weekly report for period %(number)s (%(start)s~%(end)s) of %(cohort)s "
                "was due at %(due)s and has not been submitted. Please submit it as soon as "
                "you can."
            )
            % values
        )
    elif kind == Kind.MENTOR_ESCALATION:
        subject = _("Your students have not submitted period %(number)s") % values
        intro = (
            _(
                "These students of yours have not submitted their report for period "
                "%(number)s of %(cohort)s, due %(due)s:"
            )
            % values
        )
    elif kind == Kind.TA_ESCALATION:
        subject = _("Reports still missing for period %(number)s") % values
        intro = (
            _("Still missing for period %(number)s of %(cohort)s, due %(due)s (%(count)s):")
            % values
        )
    elif kind == Kind.REVIEW_PENDING:
        values["hours"] = policy_for(notification.cohort).review_pending_hours
        subject = _("Reports waiting for your review (period %(number)s)") % values
        intro = (
            _(
                "These reports of your students in %(cohort)s, period %(number)s, have "
                "waited more than %(hours)s hours for your review:"
            )
            % values
        )
    elif kind == Kind.REVIEW_ESCALATION:
        values["hours"] = policy_for(notification.cohort).review_escalation_hours
        subject = _("Reviews overdue for period %(number)s") % values
        intro = (
            _(
                "These reports in %(cohort)s, period %(number)s, have waited more than "
                "%(hours)s hours for a mentor's review:"
            )
            % values
        )
    else:
        subject = _("Your report for period %(number)s has been reviewed") % values
        intro = _("Your mentor reviewed your report for period %(number)s of %(cohort)s.") % values
    link, link_label = link_for(notification)
    return Message(
        subject=subject, intro=intro, students=students, link=link, link_label=link_label
    )


def headline(kind: str, period: Period, tz: datetime.tzinfo) -> str:
    """The one-line heading of a kind in a consolidated chat message or comment."""
    values = {"number": period.number, "due": local_time(period.due_at, tz)}
    return {
        Kind.DUE_SOON: _("Period %(number)s report due %(due)s, not submitted yet:"),
        Kind.OVERDUE: _("Period %(number)s report overdue (due %(due)s):"),
        Kind.MENTOR_ESCALATION: _("Period %(number)s, mentors whose students are missing:"),
        Kind.TA_ESCALATION: _("Period %(number)s, still missing (digest for the TAs):"),
        Kind.REVIEW_PENDING: _("Period %(number)s, mentors with reports waiting for review:"),
        Kind.REVIEW_ESCALATION: _("Period %(number)s, reviews overdue (for the TAs):"),
        Kind.REVIEW_POSTED: _("Period %(number)s, reports reviewed:"),
    }[kind] % values
