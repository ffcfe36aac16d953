"""Telling the other side of the review loop at once: a review reaches the
student, a resubmission or a reply reaches the mentors (or the student).

These messages are the reminders' Notification rows, keyed on the event
(`fingerprint` "review:12", "reply:7", "resubmitted:12"), so the unique
constraint one_notification_per_report lets each event be recorded once; the
worker sends them with the reminders' claim-then-send
(reports.reminders.delivery.deliver), enqueued after the event's transaction
commits. The reminder pass does not announce reviews any more.
"""

from __future__ import annotations

from collections.abc import Iterable

from camp.celery import enqueue_after_commit
from camp.models import Mentorship, User
from reports.models import Notification, Reply, Report, Review
from reports.reminders.policy import policy_for
from reports.reminders.tasks import send_notifications

Kind = Notification.Kind


def _emailable(people: Iterable[User]) -> list[User]:
    """The reminders' rule for the email channel: an address, and not opted out."""
    return [person for person in people if person.email and person.email_notifications]


def _record(report: Report, kind: str, event: str, recipients: Iterable[User]) -> list[int]:
    """One email row per recipient for this event (none when it exists already),
    sent by the worker once the current transaction commits."""
    recipients = {person.pk: person for person in _emailable(recipients)}
    if not recipients:
        return []
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=recipient_id,
                cohort_id=report.period.cohort_id,
                kind=kind,
                channel=Notification.Channel.EMAIL,
                report=report,
                about=[str(report.student)],
                fingerprint=event,
            )
            for recipient_id in recipients
        ],
        ignore_conflicts=True,
    )
    ids = list(
        Notification.objects.filter(
            report=report,
            kind=kind,
            fingerprint=event,
            recipient_id__in=recipients,
            status=Notification.Status.PENDING,
            claimed_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    if ids:
        enqueue_after_commit(send_notifications, ids)
    return ids


def mentors_of(report: Report) -> list[User]:
    return list(
        User.objects.filter(
            pk__in=Mentorship.objects.filter(
                student=report.student_id, cohort=report.period.cohort_id
            ).values("mentor_id")
        )
    )


def review_posted(review: Review) -> list[int]:
    """Tell the student about a review (unless the cohort's policy says not to)."""
    report = review.report
    if not policy_for(report.period.cohort).review_posted:
        return []
    return _record(report, Kind.REVIEW_POSTED, f"review:{review.pk}", [report.student])


def resubmitted(report: Report) -> list[int]:
    """Tell the mentors (and whoever reviewed last) that a reviewed report
    changed. Once per review: edits after the same review announce nothing new."""
    latest = report.reviews.order_by("-created_at", "-id").select_related("mentor").first()
    if latest is None:
        return []
    recipients = mentors_of(report)
    if latest.mentor is not None:
        recipients.append(latest.mentor)
    return _record(report, Kind.RESUBMITTED, f"resubmitted:{latest.pk}", recipients)


def reply_posted(reply: Reply) -> list[int]:
    """Tell the other side: the student's reply goes to their mentors and the
    reviewers of the report; a reviewer's reply goes to the student."""
    report = reply.report
    if reply.author_id == report.student_id:
        reviewers = User.objects.filter(
            pk__in=report.reviews.exclude(mentor=None).values("mentor_id")
        )
        recipients = [*mentors_of(report), *reviewers]
    else:
        recipients = [report.student]
    recipients = [person for person in recipients if person.pk != reply.author_id]
    return _record(report, Kind.REPLY_POSTED, f"reply:{reply.pk}", recipients)
