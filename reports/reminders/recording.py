"""Recording and claiming reminders: a planned message becomes a Notification
row, and a row is sent only by whoever claims it.

Recording leans on the unique constraints of Notification: a rerun, a retried
task or a second worker inserting the same message finds it there already.
Claiming is a conditional UPDATE:
only the worker whose UPDATE matched a row sends it. `run_pass` plans, records
and returns the ids of the rows owed; the caller (the Celery task or the
send_reminders command) hands them to `reports.reminders.delivery`.
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from camp.models import Cohort
from reports.models import Notification, ReminderPolicy
from reports.reminders.planning import (
    GROUPED_KINDS,
    Planned,
    PlannedStatus,
    Snapshot,
    load_snapshot,
    plan,
)

# One send blocks for at most a few socket timeouts (SMTP: connect, TLS, login,
# data); a claim lasts far longer, so it goes stale only when its worker died.
CLAIM_TIMEOUT = max(
    datetime.timedelta(minutes=10), 10 * datetime.timedelta(seconds=settings.EMAIL_TIMEOUT)
)
# Sends of one row before it is given up as failed.
MAX_ATTEMPTS = 5


@dataclass
class PassResult:
    cohort: Cohort
    now: datetime.datetime
    snapshot: Snapshot
    items: list[Planned]
    # The items due now, recorded as rows, and the ids of the rows to send now.
    recorded: list[Planned] = field(default_factory=list)
    owed: list[int] = field(default_factory=list)
    # Planned.key -> final status after this pass (sent / failed / already_sent ...)
    outcome: dict[tuple, str] = field(default_factory=dict)

    def status_of(self, item: Planned) -> str:
        return self.outcome.get(item.key, item.status)


def record(snapshot: Snapshot, items: Iterable[Planned]) -> list[int]:
    """Insert a Notification row for each message due now (rows that exist
    already are left alone: the unique constraints see to that, even when two
    passes insert at once) and return the ids of those rows still waiting for
    their first claim. Two passes may both return a row; `claim` decides
    which one sends it."""
    items = list(items)
    if not items:
        return []
    with transaction.atomic():
        # Passes of one cohort record one after the other, so a pass planned on
        # a snapshot taken before another pass committed does not name a student
        # that pass named already (their sets of students may differ when a
        # student's time came in between, and then no unique key would collide).
        ReminderPolicy.objects.select_for_update().filter(pk=snapshot.policy.pk).first()
        items = _not_yet_named(snapshot, items)
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=item.recipient_id,
                    cohort=snapshot.cohort,
                    kind=item.kind,
                    channel=item.channel,
                    period_id=None if item.report_id else item.period_id,
                    report_id=item.report_id,
                    about=list(item.about),
                    fingerprint=item.fingerprint,
                )
                for item in items
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
    wanted = {item.key for item in items}
    period_ids = {item.period_id for item in items if not item.report_id}
    report_ids = {item.report_id for item in items if item.report_id}
    rows = (
        Notification.objects.filter(
            cohort=snapshot.cohort, status=Notification.Status.PENDING, claimed_at__isnull=True
        )
        .filter(Q(period_id__in=period_ids, report__isnull=True) | Q(report_id__in=report_ids))
        .values_list(
            "pk", "recipient_id", "kind", "channel", "period_id", "report_id", "fingerprint"
        )
    )
    return [pk for pk, *key in rows if tuple(key) in wanted]


def _not_yet_named(snapshot: Snapshot, items: list[Planned]) -> list[Planned]:
    """The items with the students already named by a grouped row of the same
    recipient, kind, channel and period left out (as they are now in the database)."""
    grouped = [item for item in items if item.kind in GROUPED_KINDS]
    if not grouped:
        return items
    named: dict[tuple, set[str]] = defaultdict(set)
    for *key, about in Notification.objects.filter(
        cohort=snapshot.cohort,
        kind__in=GROUPED_KINDS,
        period_id__in={item.period_id for item in grouped},
    ).values_list("recipient_id", "kind", "channel", "period_id", "about"):
        named[tuple(key)].update(about)
    kept = []
    for item in items:
        if item.kind in GROUPED_KINDS:
            already = named[(item.recipient_id, item.kind, item.channel, item.period_id)]
            about = tuple(login for login in item.about if login not in already)
            if not about:
                continue
            item = dataclasses.replace(item, about=about)
        kept.append(item)
    return kept


def run_pass(
    cohort: Cohort, now: datetime.datetime | None = None, *, dry_run: bool = False
) -> PassResult:
    """One reminder pass for a cohort: plan at `now`, then (unless dry_run)
    record what is due. The result's `owed` lists the rows to send now, for the
    caller to deliver (or to enqueue after commit)."""
    now = now or timezone.now()
    snapshot = load_snapshot(cohort, now)
    items = plan(snapshot, now)
    result = PassResult(cohort=cohort, now=now, snapshot=snapshot, items=items)
    if dry_run:
        return result
    result.recorded = [item for item in items if item.status == PlannedStatus.WOULD_SEND]
    recorded = record(snapshot, result.recorded)
    # Earlier rows still owed: failed attempts whose backoff has passed, and
    # claims left behind by a worker that died mid-send (at-least-once).
    result.owed = sorted(set(recorded) | set(retry_due(cohort.pk)))
    return result


def note_outcome(result: PassResult, statuses: dict[int, str]) -> None:
    """Put what delivery did with the pass's rows on its planned items, for the
    command's report."""
    for pk, *key in Notification.objects.filter(pk__in=statuses).values_list(
        "pk", "recipient_id", "kind", "channel", "period_id", "report_id", "fingerprint"
    ):
        # A failed attempt that will be retried still failed on this pass.
        sent = statuses[pk] == Notification.Status.SENT
        result.outcome[tuple(key)] = PlannedStatus.SENT if sent else PlannedStatus.FAILED
    for item in result.recorded:
        # Claimed and sent by a concurrent pass.
        result.outcome.setdefault(item.key, PlannedStatus.ALREADY_SENT)


def claimable(now: datetime.datetime) -> Q:
    """Rows waiting to be sent at `now`: pending, not held by a live claim, and
    past any backoff."""
    return (
        Q(status=Notification.Status.PENDING)
        & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        & (Q(retry_at__isnull=True) | Q(retry_at__lte=now))
    )


def claim(ids: Iterable[int], now: datetime.datetime) -> list[Notification]:
    """Take the rows no one else holds; returns those this caller must send."""
    token = uuid.uuid4()
    Notification.objects.filter(claimable(now), pk__in=list(ids)).update(
        claim_token=token, claimed_at=now, attempts=F("attempts") + 1
    )
    return list(
        Notification.objects.filter(claim_token=token)
        .select_related("recipient", "cohort", "period", "report__period")
        .order_by("pk")
    )


def retry_due(cohort_id: int | None = None, now: datetime.datetime | None = None) -> list[int]:
    """Rows that should go out now but have not: failed attempts whose backoff has
    passed, and claims gone stale because their worker died mid-send. A row
    whose attempts have run out that way is marked failed instead."""
    now = now or timezone.now()
    rows = Notification.objects.filter(claimable(now))
    if cohort_id is not None:
        rows = rows.filter(cohort_id=cohort_id)
    rows.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Notification.Status.FAILED,
        error="The sending worker stopped too many times; given up.",
        claim_token=None,
    )
    return list(rows.filter(attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True))
