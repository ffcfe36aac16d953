"""The email channel: one message per notification, in the recipient's language
and time zone, as text with an HTML alternative."""

from __future__ import annotations

import smtplib
import zoneinfo

from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation

from camp.models import User
from reports.markdown import render_markdown
from reports.models import Allowance, Notification
from reports.reminders.channels import DeliveryError
from reports.reminders.messages import EVENT_KINDS, STUDENT_KINDS, email_message, period_of
from reports.status import effective_due_at


def render(notification: Notification) -> EmailMultiAlternatives:
    recipient = notification.recipient
    period = period_of(notification)
    students = []
    # Staff reminders list the students; messages about one report's event do not.
    if notification.kind not in STUDENT_KINDS and notification.kind not in EVENT_KINDS:
        logins = notification.about
        students = sorted(
            User.objects.filter(Q(github_login__in=logins) | Q(username__in=logins)),
            key=lambda user: str(user).lower(),
        )
    due_at = period.due_at
    if notification.kind in (Notification.Kind.DUE_SOON, Notification.Kind.OVERDUE):
        allowance = Allowance.objects.filter(student=recipient, period=period).first()
        due_at = effective_due_at(period, allowance)
    with translation.override(recipient.language):
        message = email_message(
            notification, students, due_at, zoneinfo.ZoneInfo(recipient.timezone)
        )
        context = {
            "message": message,
            "recipient": recipient,
            "kind": notification.kind,
            # The review's or reply's Markdown, sanitised like every rendered body.
            "detail_html": render_markdown(message.detail) if message.detail else "",
        }
        subject = " ".join(render_to_string("emails/reminder_subject.txt", context).split())
        text = render_to_string("emails/reminder_body.txt", context)
        html = render_to_string("emails/reminder_body.html", context)
    email = EmailMultiAlternatives(subject, text, to=[recipient.email])
    email.attach_alternative(html, "text/html")
    return email


def send(notification: Notification) -> None:
    if not notification.recipient.email:
        raise DeliveryError("The recipient has no email address.", permanent=True)
    email = render(notification)
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(f"SMTP refused the recipient: {error}", permanent=True) from error
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"SMTP error: {error}") from error
