"""Sending notifications: claim the row, send it through its channel, record the outcome.

Every send is claimed first (`reports.reminders.recording.claim`), so two
workers, a rerun or a redelivered task never send twice.

Each message is claimed right before it is sent, not all of a task's rows at
once: otherwise a slow send (a hung SMTP server) would let the claims of the
rows still waiting go stale, and the next pass would claim and send those too
while this worker later sends them again. Sends are bounded (EMAIL_TIMEOUT,
the chat and GitHub clients' timeouts) far below CLAIM_TIMEOUT, and a task
gets at most SEND_CHUNK rows (`chunks`).

Delivery is at-least-once, not exactly-once: if a worker dies between the
claim and marking the row sent, the claim goes stale after CLAIM_TIMEOUT and
the next pass (`retry_due`) claims and sends it again. A crash after the
message left but before the row was marked sent therefore repeats that one
message; a crash before it left loses nothing.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone

from reports.models import Notification
from reports.reminders.channels import DeliveryError, chat, email, github
from reports.reminders.recording import MAX_ATTEMPTS, claim, claimable

logger = logging.getLogger(__name__)


# Rows per send task (a chat message or GitHub comment naming more stays whole).
SEND_CHUNK = 20


def backoff(attempts: int) -> datetime.timedelta:
    """2, 4, 8, 16 ... minutes after the n-th failed attempt, at most a day."""
    return min(datetime.timedelta(minutes=2**attempts), datetime.timedelta(days=1))


def _mark_sent(batch: list[Notification], now: datetime.datetime) -> None:
    Notification.objects.filter(
        pk__in=[n.pk for n in batch], claim_token=batch[0].claim_token
    ).update(
        status=Notification.Status.SENT, sent_at=now, error="", claim_token=None, retry_at=None
    )


def _mark_failed(batch: list[Notification], error: DeliveryError, now: datetime.datetime) -> str:
    attempts = max(n.attempts for n in batch)
    give_up = error.permanent or attempts >= MAX_ATTEMPTS
    Notification.objects.filter(
        pk__in=[n.pk for n in batch], claim_token=batch[0].claim_token
    ).update(
        status=Notification.Status.FAILED if give_up else Notification.Status.PENDING,
        error=str(error)[:2000],
        claim_token=None,
        claimed_at=None,
        retry_at=None if give_up else error.retry_at or now + backoff(attempts),
    )
    return Notification.Status.FAILED if give_up else Notification.Status.PENDING


def _batches(notifications: list[Notification]) -> list[list[Notification]]:
    """One email per row; one chat message per cohort and one GitHub comment per
    period, naming everyone concerned, per pass."""
    batches: dict[tuple, list[Notification]] = defaultdict(list)
    for notification in notifications:
        if notification.channel == Notification.Channel.EMAIL:
            batches[("email", notification.pk)].append(notification)
        elif notification.channel == Notification.Channel.CHAT:
            batches[("chat", notification.cohort_id)].append(notification)
        else:
            batches[("github", notification.period_id)].append(notification)
    return list(batches.values())


def _send(batch: list[Notification]) -> None:
    channel = batch[0].channel
    if channel == Notification.Channel.EMAIL:
        email.send(batch[0])
    elif channel == Notification.Channel.CHAT:
        chat.send(batch)
    else:
        github.send(batch)


def chunks(ids: Iterable[int], size: int = SEND_CHUNK) -> list[list[int]]:
    """The rows split for send tasks of about `size` rows each, keeping each
    message's rows (a chat message, a GitHub comment) in one task."""
    ids = list(ids)
    if not ids:
        return []
    rows = Notification.objects.filter(pk__in=ids).only("pk", "channel", "cohort", "period")
    packed: list[list[int]] = []
    for batch in _batches(list(rows.order_by("pk"))):
        pks = [n.pk for n in batch]
        if packed and len(packed[-1]) + len(pks) <= size:
            packed[-1].extend(pks)
        else:
            packed.append(pks)
    return packed


def deliver(ids: Iterable[int]) -> dict[int, str]:
    """Claim and send the given rows, each message claimed just before it is
    sent; returns each handled row's outcome: "sent", "failed" (given up) or
    "pending" (failed, will be retried)."""
    outcome: dict[int, str] = {}
    waiting = list(
        Notification.objects.filter(claimable(timezone.now()), pk__in=list(ids)).order_by("pk")
    )
    for planned in _batches(waiting):
        # Rows another worker took meanwhile are not in the claimed batch.
        batch = claim([n.pk for n in planned], timezone.now())
        if not batch:
            continue
        try:
            _send(batch)
        except DeliveryError as error:
            logger.warning("notification %s failed: %s", [n.pk for n in batch], error)
            status = _mark_failed(batch, error, timezone.now())
        except Exception as error:
            # A bug or an outage we did not foresee: record it on the row (the TA
            # sees it in the log) and retry like any transient failure, rather
            # than leave the claim to go stale.
            logger.exception("notification %s failed", [n.pk for n in batch])
            unexpected = DeliveryError(f"{type(error).__name__}: {error}")
            status = _mark_failed(batch, unexpected, timezone.now())
        else:
            _mark_sent(batch, timezone.now())
            status = Notification.Status.SENT
        for notification in batch:
            outcome[notification.pk] = status
    return outcome


def resend(notifications: Iterable[Notification]) -> list[int]:
    """Put failed rows back in the queue (the admin's resend action)."""
    ids = [n.pk for n in notifications if n.status == Notification.Status.FAILED]
    Notification.objects.filter(pk__in=ids, status=Notification.Status.FAILED).update(
        status=Notification.Status.PENDING,
        attempts=0,
        claimed_at=None,
        claim_token=None,
        retry_at=None,
    )
    return ids
