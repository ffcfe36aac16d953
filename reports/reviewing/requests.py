"""Extension and excuse requests: a student asks, their mentors or the cohort's
TAs decide. Granting writes the Allowance that already moves the due time and
the reminders (reports.status.effective_due_at, reports.reminders.planning);
the student is told the outcome by email once the decision commits."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from camp.celery import enqueue_after_commit
from camp.models import Membership, Mentorship, Role, User
from camp.roles import managed_cohorts
from reports.models import Allowance, AllowanceRequest, Notification, Period, Report
from reports.reminders.tasks import send_notifications
from reports.status import period_start_instant

MAX_REASON_LENGTH = 2000
# An extension longer than this is a conversation with the TAs, not a form.
MAX_EXTENSION = datetime.timedelta(days=30)


def decidable_requests(user: User) -> QuerySet[AllowanceRequest]:
    """Requests the user may decide: their mentees', and any in a cohort they
    assist (every one for the superuser)."""
    requests = AllowanceRequest.objects.all()
    if not user.is_authenticated or not user.is_active:
        return requests.none()
    if user.is_superuser:
        return requests
    mentors = Mentorship.objects.filter(
        mentor=user, student=OuterRef("student"), cohort=OuterRef("period__cohort")
    )
    return requests.filter(Q(period__cohort__in=managed_cohorts(user)) | Exists(mentors))


def may_ask(student: User, period: Period, now: datetime.datetime) -> bool:
    """A student of the cohort, for a period that has started and has no
    submitted report (open, or missed)."""
    return (
        Membership.objects.filter(user=student, cohort=period.cohort_id, role=Role.STUDENT).exists()
        and now >= period_start_instant(period)
        and not Report.objects.filter(
            student=student, period=period, status=Report.Status.SUBMITTED
        ).exists()
    )


def ask(
    student: User,
    period: Period,
    *,
    kind: str,
    reason: str,
    extended_until: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> AllowanceRequest:
    """Record the student's request; refuse what could not be granted."""
    now = now or timezone.now()
    reason = reason.strip()
    if kind not in Allowance.Kind.values:
        raise ValidationError(_("Ask for an extension or an excuse."))
    if not reason:
        raise ValidationError(_("Give a reason."))
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            _("A reason may be at most %(limit)d characters long.") % {"limit": MAX_REASON_LENGTH}
        )
    if not may_ask(student, period, now):
        raise PermissionDenied(_("You cannot ask for this period."))
    if kind == Allowance.Kind.EXTENSION:
        if extended_until is None:
            raise ValidationError(_("Say until when you need the extension."))
        if extended_until <= max(period.due_at, now):
            raise ValidationError(_("The new due time must be later than the current one and now."))
        if extended_until > period.due_at + MAX_EXTENSION:
            raise ValidationError(
                _("An extension can be at most %(days)d days; ask your TA for more.")
                % {"days": MAX_EXTENSION.days}
            )
    else:
        extended_until = None
    try:
        with transaction.atomic():
            return AllowanceRequest.objects.create(
                student=student,
                period=period,
                kind=kind,
                extended_until=extended_until,
                reason=reason,
                created_at=now,
            )
    except IntegrityError as error:
        raise ValidationError(_("You already have a request waiting for this period.")) from error


@transaction.atomic
def decide(request: AllowanceRequest, decider: User, *, grant: bool, answer: str = "") -> None:
    """Grant (creating or replacing the student's allowance for the period) or
    decline a pending request, and tell the student."""
    locked = (
        decidable_requests(decider)
        .select_for_update(of=("self",))
        .filter(pk=request.pk)
        .select_related("period__cohort", "student")
        .first()
    )
    if locked is None:
        raise PermissionDenied(_("You may not decide this request."))
    if locked.status != AllowanceRequest.Status.PENDING:
        raise ValidationError(_("This request has been decided already."))
    now = timezone.now()
    locked.status = AllowanceRequest.Status.GRANTED if grant else AllowanceRequest.Status.DECLINED
    locked.answer = answer.strip()
    locked.decided_by = decider
    locked.decided_at = now
    locked.save()
    if grant:
        Allowance.objects.update_or_create(
            student=locked.student,
            period=locked.period,
            defaults={
                "kind": locked.kind,
                "extended_due_at": locked.extended_until,
                "reason": locked.reason,
                "granted_by": decider,
            },
        )
    _tell_student(locked)
    request.status, request.answer = locked.status, locked.answer


def _tell_student(request: AllowanceRequest) -> None:
    student = request.student
    if not (student.email and student.email_notifications):
        return
    row, created = Notification.objects.get_or_create(
        recipient=student,
        kind=Notification.Kind.REQUEST_DECIDED,
        channel=Notification.Channel.EMAIL,
        period=request.period,
        fingerprint=f"request:{request.pk}",
        report=None,
        defaults={"cohort": request.period.cohort, "about": [str(student)]},
    )
    if created:
        enqueue_after_commit(send_notifications, [row.pk])
