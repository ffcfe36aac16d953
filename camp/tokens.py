"""Personal API tokens: create (shown once), find by the presented secret, revoke.
The same for each person's private calendar address.

Only a SHA-256 digest of each token is stored. Tokens are 256 random bits, so a
plain hash is enough: there is nothing to brute-force that a slow hash would
protect, and a fast lookup by digest keeps every API request cheap.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.utils import timezone

from camp.models import ApiToken, CalendarFeed, User

TOKEN_PREFIX = "camp_"
PREFIX_LENGTH = 12
# Recording every use would turn each API read into a write.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for the user; return it with the secret, which is never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=secret[:PREFIX_LENGTH], digest=token_digest(secret)
    )
    return token, secret


def find_token(secret: str) -> ApiToken | None:
    """The active user's token for this secret, or None; notes when it was last used."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(secret), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke_token(user: User, token_id: int) -> bool:
    """Delete one of the user's tokens; False when they have no such token."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


CALENDAR_PREFIX = "cal_"


def new_calendar_secret(user: User) -> str:
    """A new secret for the user's calendar address, replacing any earlier one
    (which stops working at once); the secret itself is never stored."""
    secret = CALENDAR_PREFIX + secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(user=user, defaults={"digest": token_digest(secret)})
    return secret


def calendar_user(secret: str) -> User | None:
    """The active user whose calendar address has this secret, or None."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(digest=token_digest(secret), user__is_active=True)
        .first()
    )
    return feed.user if feed else None


def stop_calendar(user: User) -> bool:
    """Delete the user's calendar address; False when they had none."""
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    return bool(deleted)
