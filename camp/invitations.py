"""Invitations: a one-time, expiring link by email for each rostered person
without a usable password, in their own language."""

from __future__ import annotations

import datetime
import hashlib
import secrets
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from camp.models import Invitation, Membership, User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class InviteResult:
    sent: list[User]
    skipped: list[tuple[User, str]]


def needs_invitation(user: User) -> str | None:
    """Why this user cannot be invited, or None when they can."""
    if not user.is_active:
        return "inactive"
    if user.has_usable_password():
        return "already has a password"
    if not user.email:
        return "no email address"
    return None


@transaction.atomic
def invite(user: User, *, base_url: str, sent_by: User | None = None) -> str:
    """Create a fresh link (revoking earlier unused ones) and email it; returns the token."""
    now = timezone.now()
    Invitation.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        token_hash=_hash(token),
        expires_at=now + datetime.timedelta(days=settings.INVITATION_VALID_DAYS),
        sent_by=sent_by,
    )
    link = base_url.rstrip("/") + reverse("accept-invitation", args=[token])
    transaction.on_commit(lambda: _send_invitation_email(invitation, link))
    return token


def invite_users(users: list[User], *, base_url: str, sent_by: User | None = None) -> InviteResult:
    result = InviteResult(sent=[], skipped=[])
    for user in users:
        reason = needs_invitation(user)
        if reason:
            result.skipped.append((user, reason))
            continue
        invite(user, base_url=base_url, sent_by=sent_by)
        result.sent.append(user)
    return result


def _send_invitation_email(invitation: Invitation, link: str) -> None:
    user = invitation.user
    cohorts = [m.cohort.name for m in Membership.objects.filter(user=user).select_related("cohort")]
    context = {
        "user": user,
        "link": link,
        "expires_at": invitation.expires_at.astimezone(_tz(user)),
        "cohorts": sorted(set(cohorts)),
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = render_to_string("emails/invitation_subject.txt", context).strip()
        text = render_to_string("emails/invitation.txt", context)
        html = render_to_string("emails/invitation.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    message.attach_alternative(html, "text/html")
    message.send()


def _tz(user: User):
    try:
        return zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


def usable_invitation(token: str) -> Invitation | None:
    """The invitation behind a token if it can still be used: unknown, used,
    revoked and expired links all look the same to the visitor."""
    invitation = (
        Invitation.objects.select_related("user")
        .filter(token_hash=_hash(token), used_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if (
        invitation is None
        or invitation.expires_at <= timezone.now()
        or not invitation.user.is_active
    ):
        return None
    return invitation


@transaction.atomic
def accept_invitation(token: str, password: str) -> User | None:
    """Set the password and use up the link; None when the link is not usable.
    The password is validated by Django's validators (ValidationError)."""
    invitation = usable_invitation(token)
    if invitation is None:
        return None
    # Claim the link with a conditional update so two tabs cannot both use it.
    claimed = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not claimed:
        return None
    user = invitation.user
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
