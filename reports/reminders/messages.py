"""What a reminder says, in the reader's language, for every channel.

Each channel lays the same words out its own way: an email has a subject, a
paragraph and a list; a chat message or a GitHub comment has one line per kind.
Call these inside `translation.override(language)`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from camp.models import User
from reports.links import absolute_url, queue_path, report_path, workspace_path
from reports.models import AllowanceRequest, Blocker, Notification, Period, Reply, Review
from reports.reminders.policy import policy_for

Kind = Notification.Kind
# Kinds sent to the students themselves; the others go to mentors and TAs and
# name the students they are about.
STUDENT_KINDS = (Kind.DUE_SOON, Kind.OVERDUE, Kind.REVIEW_POSTED, Kind.REQUEST_DECIDED)
# Kinds about one event of one report (reports.reviewing.events): they carry
# the review's or reply's text and name no list of students.
EVENT_KINDS = (Kind.REVIEW_POSTED, Kind.RESUBMITTED, Kind.REPLY_POSTED)


@dataclass(frozen=True)
class Message:
    subject: str
    intro: str
    students: list[User]
    link: str
    link_label: str
    # The review's or reply's own words (Markdown), for the event kinds.
    detail: str = ""


def local_time(instant: datetime.datetime, tz: datetime.tzinfo) -> str:
    local = instant.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} ({local.tzname()})"


def link_for(notification: Notification) -> tuple[str, str]:
    kind = notification.kind
    report = notification.report
    to_student = report is not None and notification.recipient_id == report.student_id
    if kind == Kind.REQUEST_DECIDED:
        return absolute_url(reverse("reports:mine")), _("Open your reports")
    if kind in (Kind.REVIEW_POSTED, Kind.REPLY_POSTED) and to_student:
        return absolute_url(report_path(report.pk)), _("Open your report")
    if kind in (Kind.RESUBMITTED, Kind.REPLY_POSTED):
        return absolute_url(workspace_path(report.pk)), _("Review the report")
    if kind in (Kind.REVIEW_PENDING, Kind.REVIEW_ESCALATION):
        return absolute_url(queue_path(notification.cohort_id)), _("Open the review queue")
    if kind in (Kind.BLOCKER_MENTOR, Kind.BLOCKER_TA):
        path = reverse("blockers:cohort", args=[notification.cohort.slug])
        return absolute_url(path), _("Open the blockers")
    if kind in (Kind.MENTOR_ESCALATION, Kind.TA_ESCALATION):
        # The overview filtered to the students still missing (and, for a
        # mentor, to their own students): the admin lists only submitted reports.
        query = {"status": "missing"}
        if kind == Kind.MENTOR_ESCALATION:
            query["mentor"] = notification.recipient_id
        path = reverse("overview", args=[notification.cohort.slug]) + "?" + urlencode(query)
        return absolute_url(path), _("Open the overview")
    return absolute_url(reverse("reports:home")), _("Open Camp Reports")


def event_of(notification: Notification) -> Review | Reply | None:
    """The review or reply an event notification announces ("review:12")."""
    event, _sep, pk = notification.fingerprint.partition(":")
    if not pk.isdigit():
        return None
    if event == "review":
        return Review.objects.filter(pk=int(pk)).select_related("mentor").first()
    if event == "reply":
        return Reply.objects.filter(pk=int(pk)).select_related("author").first()
    return None


def _decision_message(
    notification: Notification, values: dict, tz: datetime.tzinfo
) -> tuple[str, str, str]:
    """Subject, intro and the decider's words for a decided request."""
    _event, _sep, pk = notification.fingerprint.partition(":")
    request = (
        AllowanceRequest.objects.filter(pk=int(pk)).select_related("decided_by").first()
        if pk.isdigit()
        else None
    )
    granted = request is not None and request.status == AllowanceRequest.Status.GRANTED
    values["what"] = request.get_kind_display() if request else "-"
    values["who"] = request.decided_by.name if request and request.decided_by else "-"
    if granted:
        subject = _("Your request for period %(number)s was granted") % values
        intro = (
            _("%(who)s granted your request (%(what)s) for period %(number)s of %(cohort)s.")
            % values
        )
        if request.extended_until:
            values["until"] = local_time(request.extended_until, tz)
            intro += " " + _("Your report is now due %(until)s.") % values
    else:
        subject = _("Your request for period %(number)s was declined") % values
        intro = (
            _("%(who)s declined your request (%(what)s) for period %(number)s of %(cohort)s.")
            % values
        )
    return subject, intro, request.answer if request else ""


def _event_message(notification: Notification, values: dict) -> tuple[str, str, str]:
    """Subject, intro and the event's own words of an event kind."""
    kind = notification.kind
    event = event_of(notification)
    values["student"] = notification.report.student.name
    if kind == Kind.REVIEW_POSTED:
        review = event if isinstance(event, Review) else None
        values["verdict"] = review.get_verdict_display() if review else "-"
        values["reviewer"] = review.mentor.name if review and review.mentor else _("your mentor")
        subject = _("Review of your report for period %(number)s: %(verdict)s") % values
        intro = (
            _(
                "%(reviewer)s reviewed your report for period %(number)s of %(cohort)s. "
                "Verdict: %(verdict)s."
            )
            % values
        )
        return subject, intro, review.body if review else ""
    if kind == Kind.RESUBMITTED:
        subject = _("%(student)s changed their report for period %(number)s") % values
        intro = (
            _(
                "%(student)s changed their report for period %(number)s of %(cohort)s after "
                "its review. It is waiting for your re-review."
            )
            % values
        )
        return subject, intro, ""
    reply = event if isinstance(event, Reply) else None
    values["author"] = reply.author.name if reply and reply.author else "-"
    subject = _("%(author)s replied about the report for period %(number)s") % values
    intro = (
        _(
            "%(author)s replied in the conversation about %(student)s's report for period "
            "%(number)s of %(cohort)s:"
        )
        % values
    )
    return subject, intro, reply.body if reply else ""


def _blocker_message(notification: Notification, values: dict) -> tuple[str, str, str]:
    """Subject, intro and the list of a report's blockers still open."""
    report = notification.report
    blockers = Blocker.objects.filter(report=report, resolved_at__isnull=True).order_by("opened_at")
    values["student"] = report.student.name
    values["days"] = (
        policy_for(notification.cohort).blocker_mentor_days
        if notification.kind == Kind.BLOCKER_MENTOR
        else policy_for(notification.cohort).blocker_ta_days
    )
    subject = _("%(student)s has been blocked for more than %(days)s days") % values
    intro = (
        _(
            "%(student)s wrote in their report for period %(number)s of %(cohort)s that they "
            "are blocked, and it has not been resolved for more than %(days)s days:"
        )
        % values
    )
    detail = "\n".join(f"- {blocker.text}" for blocker in blockers)
    return subject, intro, detail


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
    detail = ""
    if kind in EVENT_KINDS:
        subject, intro, detail = _event_message(notification, values)
    elif kind == Kind.REQUEST_DECIDED:
        subject, intro, detail = _decision_message(notification, values, tz)
    elif kind in (Kind.BLOCKER_MENTOR, Kind.BLOCKER_TA):
        subject, intro, detail = _blocker_message(notification, values)
    elif kind == Kind.DUE_SOON:
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
    link, link_label = link_for(notification)
    return Message(
        subject=subject,
        intro=intro,
        students=students,
        link=link,
        link_label=link_label,
        detail=detail,
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
        Kind.BLOCKER_MENTOR: _("Period %(number)s, blockers open too long (for the mentors):"),
        Kind.BLOCKER_TA: _("Period %(number)s, blockers open too long (for the TAs):"),
    }[kind] % values
