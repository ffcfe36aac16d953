"""Planning reminders: who is due what, at a given instant, under a cohort's policy.

Planning is split in two. `load_snapshot` reads everything a pass needs in a
fixed number of queries (however many students the cohort has); `plan` is a
pure function of that snapshot and an instant, so the timeline can be tested
at any frozen time and the TA preview can look ahead without sending anything.
`reports.reminders.recording.run_pass` then records what is due as
Notification rows.
"""

from __future__ import annotations

import datetime
import hashlib
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from camp.models import Cohort, Membership, Mentorship, Role
from reports.models import Allowance, Blocker, Notification, Period, ReminderPolicy, Report
from reports.reminders.policy import after_quiet_hours, in_quiet_hours, lookback, policy_for
from reports.status import awaiting_review_sql, effective_due_at, waiting_since_sql

Kind = Notification.Kind

Channel = Notification.Channel

# An overdue reminder that could not go out within a week (a worker down, a
# policy switched on mid-cohort, an imported history) is no longer worth sending.
OVERDUE_STALE_AFTER = datetime.timedelta(days=7)

# Kinds about students still missing that the summary-issue comment @mentions.
GITHUB_KINDS = frozenset({Kind.DUE_SOON, Kind.OVERDUE})

# Kinds sent to mentors or TAs that name several students of a period. Each
# student is named once per recipient, kind and channel: students whose time
# comes later (an extension, a late submission) get a follow-up message.
GROUPED_KINDS = frozenset(
    {Kind.MENTOR_ESCALATION, Kind.TA_ESCALATION, Kind.REVIEW_PENDING, Kind.REVIEW_ESCALATION}
)


def fingerprint_of(kind: str, about: Iterable[str]) -> str:
    """What keeps the rows of a grouped kind unique: the students they name."""
    if kind not in GROUPED_KINDS:
        return ""
    return hashlib.sha256("\n".join(sorted(about)).encode()).hexdigest()


@dataclass(frozen=True)
class Person:
    id: int
    login: str
    name: str
    email: str
    language: str
    timezone: str
    email_notifications: bool

    @property
    def tzinfo(self) -> datetime.tzinfo:
        return zoneinfo.ZoneInfo(self.timezone)


@dataclass(frozen=True)
class ReportRow:
    id: int
    student_id: int
    period_id: int
    submitted_at: datetime.datetime | None
    # Since when it waits for a mentor (reports.status.waiting_since): None
    # when it does not wait (reviewed and unchanged since, or not submitted).
    waiting_since: datetime.datetime | None


@dataclass(frozen=True)
class BlockerRow:
    """The oldest open blocker a report named (reports.blockers): a blocker
    reminder is about one report's blockers, once per recipient and channel."""

    report_id: int
    student_id: int
    period_id: int
    period_number: int
    opened_at: datetime.datetime


# Kinds about blockers open too long; each row is keyed on the report that
# named them.
BLOCKER_KINDS = frozenset({Kind.BLOCKER_MENTOR, Kind.BLOCKER_TA})


@dataclass
class Snapshot:
    cohort: Cohort
    policy: ReminderPolicy
    periods: list[Period]
    people: dict[int, Person]
    student_ids: list[int]
    ta_ids: list[int]
    mentors_of: dict[int, list[int]]
    reports: dict[tuple[int, int], ReportRow]
    allowances: dict[tuple[int, int], Allowance]
    # (recipient_id, kind, channel, period_id, report_id) -> [(status, about)] of the
    # existing rows: one, or for grouped kinds one per follow-up
    existing: dict[tuple, list[tuple[str, tuple[str, ...]]]]
    blockers: list[BlockerRow] = field(default_factory=list)


@dataclass(frozen=True)
class Planned:
    """One message to one person through one channel (status as seen at `now`)."""

    recipient_id: int
    kind: str
    channel: str
    period_id: int
    period_number: int
    report_id: int | None
    about: tuple[str, ...]
    fires_at: datetime.datetime
    send_at: datetime.datetime
    status: str

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.kind, self.about)

    @property
    def key(self) -> tuple:
        """The Notification's unique key: per report when there is one, else per
        period (and, for grouped kinds, the students named)."""
        period_id = None if self.report_id else self.period_id
        return (
            self.recipient_id,
            self.kind,
            self.channel,
            period_id,
            self.report_id,
            self.fingerprint,
        )


class PlannedStatus:
    WOULD_SEND = "would_send"
    SENT = "sent"
    FAILED = "failed"
    DEFERRED = "deferred"
    ALREADY_SENT = "already_sent"
    SCHEDULED = "scheduled"


def load_snapshot(
    cohort: Cohort, now: datetime.datetime, *, horizon: datetime.timedelta | None = None
) -> Snapshot:
    """Everything planning needs, in a fixed number of queries."""
    policy = policy_for(cohort)
    ahead = datetime.timedelta(hours=policy.due_soon_hours) + (horizon or datetime.timedelta())
    periods = list(
        Period.objects.filter(
            cohort=cohort, due_at__gte=now - lookback(policy), due_at__lte=now + ahead
        )
        .select_related("cohort")
        .order_by("number")
    )
    period_ids = [p.pk for p in periods]

    people: dict[int, Person] = {}
    student_ids: list[int] = []
    ta_ids: list[int] = []
    for row in (
        Membership.objects.filter(cohort=cohort)
        .order_by("user__github_login", "user__username")
        .values(
            "role",
            "user_id",
            "user__github_login",
            "user__username",
            "user__display_name",
            "user__first_name",
            "user__last_name",
            "user__email",
            "user__language",
            "user__timezone",
            "user__email_notifications",
            "user__is_active",
        )
    ):
        if not row["user__is_active"]:
            continue
        user_id = row["user_id"]
        login = row["user__github_login"] or row["user__username"]
        full_name = f"{row['user__first_name']} {row['user__last_name']}".strip()
        people[user_id] = Person(
            id=user_id,
            login=login,
            name=row["user__display_name"] or full_name or login,
            email=row["user__email"],
            language=row["user__language"],
            timezone=row["user__timezone"],
            email_notifications=row["user__email_notifications"],
        )
        if row["role"] == Role.STUDENT:
            student_ids.append(user_id)
        elif row["role"] == Role.TA:
            ta_ids.append(user_id)

    mentors_of: dict[int, list[int]] = defaultdict(list)
    for student_id, mentor_id in Mentorship.objects.filter(cohort=cohort).values_list(
        "student_id", "mentor_id"
    ):
        if mentor_id in people:
            mentors_of[student_id].append(mentor_id)

    reports = {
        (row["student_id"], row["period_id"]): ReportRow(
            id=row["id"],
            student_id=row["student_id"],
            period_id=row["period_id"],
            submitted_at=row["submitted_at"] if row["status"] == Report.Status.SUBMITTED else None,
            waiting_since=row["waiting_since"] if row["awaiting_review"] else None,
        )
        for row in Report.objects.filter(period_id__in=period_ids)
        .annotate(awaiting_review=awaiting_review_sql(), waiting_since=waiting_since_sql())
        .values(
            "id",
            "student_id",
            "period_id",
            "status",
            "submitted_at",
            "awaiting_review",
            "waiting_since",
        )
    }
    allowances = {
        (a.student_id, a.period_id): a for a in Allowance.objects.filter(period_id__in=period_ids)
    }
    existing: dict[tuple, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    for *key, status, about in Notification.objects.filter(
        cohort=cohort, period_id__in=period_ids
    ).values_list("recipient_id", "kind", "channel", "period_id", "report_id", "status", "about"):
        existing[tuple(key)].append((status, tuple(about)))
    blockers = load_blockers(cohort, existing)
    return Snapshot(
        cohort=cohort,
        policy=policy,
        periods=periods,
        people=people,
        student_ids=student_ids,
        ta_ids=ta_ids,
        mentors_of=dict(mentors_of),
        reports=reports,
        allowances=allowances,
        existing=dict(existing),
        blockers=blockers,
    )


def load_blockers(cohort: Cohort, existing: dict[tuple, list]) -> list[BlockerRow]:
    """The cohort's open blockers, one row per report (its oldest), and into
    `existing` the blocker reminders already recorded: two queries."""
    oldest: dict[int, BlockerRow] = {}
    for row in (
        Blocker.objects.filter(cohort=cohort, resolved_at__isnull=True)
        .order_by("opened_at", "pk")
        .values(
            "report_id", "student_id", "report__period_id", "report__period__number", "opened_at"
        )
    ):
        oldest.setdefault(
            row["report_id"],
            BlockerRow(
                report_id=row["report_id"],
                student_id=row["student_id"],
                period_id=row["report__period_id"],
                period_number=row["report__period__number"],
                opened_at=row["opened_at"],
            ),
        )
    for *key, status, about in Notification.objects.filter(
        cohort=cohort, kind__in=BLOCKER_KINDS
    ).values_list("recipient_id", "kind", "channel", "period_id", "report_id", "status", "about"):
        existing[tuple(key)].append((status, tuple(about)))
    return list(oldest.values())


@dataclass
class _Due:
    """A reminder a recipient is owed, before channels: fires at `fires_at`."""

    recipient_id: int
    kind: str
    period_id: int
    period_number: int
    report_id: int | None
    # (student login, when this student's part fires)
    members: list[tuple[str, datetime.datetime]] = field(default_factory=list)


def plan(
    snapshot: Snapshot, now: datetime.datetime, *, horizon: datetime.timedelta | None = None
) -> list[Planned]:
    """Every message due at `now` (would_send, deferred, already_sent, failed) and,
    with a horizon, those that will fall due before now + horizon (scheduled),
    assuming nobody submits or reviews in between."""
    policy = snapshot.policy
    if not policy.enabled:
        return []
    until = now + (horizon or datetime.timedelta())
    owed = _owed(snapshot, now, until)
    planned: list[Planned] = []
    for due in owed:
        planned.extend(_planned_for(snapshot, due, now, until))
    planned.sort(key=lambda p: (p.send_at, p.kind, p.channel, p.recipient_id))
    return planned


def _owed(snapshot: Snapshot, now: datetime.datetime, until: datetime.datetime) -> list[_Due]:
    policy = snapshot.policy
    people = snapshot.people
    hours = datetime.timedelta(hours=1)
    grouped: dict[tuple[int, str, int], _Due] = {}

    def add(recipient_id: int, kind: str, period: Period, login: str, fires_at) -> None:
        if fires_at > until:
            return
        due = grouped.setdefault(
            (recipient_id, kind, period.pk),
            _Due(recipient_id, kind, period.pk, period.number, None),
        )
        due.members.append((login, fires_at))

    owed: list[_Due] = []
    for period in snapshot.periods:
        for student_id in snapshot.student_ids:
            login = people[student_id].login
            allowance = snapshot.allowances.get((student_id, period.pk))
            report = snapshot.reports.get((student_id, period.pk))
            submitted_at = report.submitted_at if report else None
            if submitted_at is None or submitted_at > now:
                if allowance is not None and allowance.kind == Allowance.Kind.EXCUSED:
                    continue
                due_at = effective_due_at(period, allowance)
                soon = due_at - policy.due_soon_hours * hours
                if policy.due_soon and soon < due_at and now < due_at:
                    add(student_id, Kind.DUE_SOON, period, login, soon)
                if policy.overdue and now < due_at + OVERDUE_STALE_AFTER:
                    add(student_id, Kind.OVERDUE, period, login, due_at)
                if policy.mentor_escalation:
                    fires = due_at + policy.mentor_escalation_hours * hours
                    for mentor_id in snapshot.mentors_of.get(student_id, []):
                        add(mentor_id, Kind.MENTOR_ESCALATION, period, login, fires)
                if policy.ta_escalation:
                    fires = due_at + policy.ta_escalation_hours * hours
                    for ta_id in snapshot.ta_ids:
                        add(ta_id, Kind.TA_ESCALATION, period, login, fires)
            elif report.waiting_since is not None:
                if policy.review_pending:
                    fires = report.waiting_since + policy.review_pending_hours * hours
                    for mentor_id in snapshot.mentors_of.get(student_id, []):
                        add(mentor_id, Kind.REVIEW_PENDING, period, login, fires)
                if policy.review_escalation:
                    fires = report.waiting_since + policy.review_escalation_hours * hours
                    for ta_id in snapshot.ta_ids:
                        add(ta_id, Kind.REVIEW_ESCALATION, period, login, fires)
    owed.extend(grouped.values())
    owed.extend(blocker_dues(snapshot, now, until))

    # Reviews reach the student from the worker as soon as they are written
    # (reports.reviewing.events), not from this pass.
    return owed


def blocker_dues(
    snapshot: Snapshot, now: datetime.datetime, until: datetime.datetime
) -> list[_Due]:
    """Blockers open longer than the policy's days: the student's mentors are
    reminded first, the TAs later, once per report that named them. A
    reminder that could not go out within a week (an imported history, a
    policy switched on late) is no longer sent, like an overdue one."""
    policy = snapshot.policy
    student_ids = set(snapshot.student_ids)
    days = datetime.timedelta(days=1)
    owed: list[_Due] = []
    for blocker in snapshot.blockers:
        if blocker.student_id not in student_ids:
            continue
        recipients: list[tuple[str, list[int], datetime.datetime]] = []
        if policy.blocker_mentor:
            fires = blocker.opened_at + policy.blocker_mentor_days * days
            recipients.append(
                (Kind.BLOCKER_MENTOR, snapshot.mentors_of.get(blocker.student_id, []), fires)
            )
        if policy.blocker_ta:
            fires = blocker.opened_at + policy.blocker_ta_days * days
            recipients.append((Kind.BLOCKER_TA, snapshot.ta_ids, fires))
        login = snapshot.people[blocker.student_id].login
        for kind, recipient_ids, fires_at in recipients:
            if fires_at > until or now >= fires_at + OVERDUE_STALE_AFTER:
                continue
            for recipient_id in recipient_ids:
                due = _Due(
                    recipient_id, kind, blocker.period_id, blocker.period_number, blocker.report_id
                )
                due.members.append((login, fires_at))
                owed.append(due)
    return owed


def _channels(snapshot: Snapshot, due: _Due, period: Period | None) -> list[str]:
    policy = snapshot.policy
    person = snapshot.people[due.recipient_id]
    channels = []
    if person.email and person.email_notifications:
        channels.append(Channel.EMAIL)
    if policy.chat_provider and policy.chat_webhook_url:
        channels.append(Channel.CHAT)
    if (
        policy.github_comments
        and due.kind in GITHUB_KINDS
        and snapshot.cohort.github_repo
        and period is not None
        and period.summary_issue_number
    ):
        channels.append(Channel.GITHUB)
    return channels


def _planned_for(
    snapshot: Snapshot, due: _Due, now: datetime.datetime, until: datetime.datetime
) -> Iterable[Planned]:
    periods = {p.pk: p for p in snapshot.periods}
    for channel in _channels(snapshot, due, periods.get(due.period_id)):
        # Email follows the recipient's clock; a message in the cohort's shared
        # chat or issue follows the cohort's.
        tz = (
            snapshot.people[due.recipient_id].tzinfo
            if channel == Channel.EMAIL
            else snapshot.cohort.tzinfo
        )
        period_key = None if due.report_id else due.period_id
        rows = snapshot.existing.get(
            (due.recipient_id, due.kind, channel, period_key, due.report_id), []
        )
        yield from _planned_on_channel(snapshot, due, channel, tz, rows, now, until)


def _planned_on_channel(
    snapshot: Snapshot,
    due: _Due,
    channel: str,
    tz: datetime.tzinfo,
    rows: list[tuple[str, tuple[str, ...]]],
    now: datetime.datetime,
    until: datetime.datetime,
) -> Iterable[Planned]:
    """The messages of one due reminder on one channel: those already recorded
    (already_sent or failed), one for the students whose time has come and no
    message named yet, and (with a horizon) those still to come."""
    policy = snapshot.policy

    def planned(about: list[str], fires_at, send_at, status: str) -> Planned:
        return Planned(
            recipient_id=due.recipient_id,
            kind=due.kind,
            channel=channel,
            period_id=due.period_id,
            period_number=due.period_number,
            report_id=due.report_id,
            about=tuple(sorted(about)),
            fires_at=fires_at,
            send_at=send_at,
            status=status,
        )

    if due.kind in GROUPED_KINDS:
        covered = {login: status for status, about in rows for login in about}
    elif rows:  # one row covers the whole reminder
        covered = {login: rows[0][0] for login, _ in due.members}
    else:
        covered = {}
    fired = [(login, f) for login, f in due.members if f <= now]
    told: dict[str, list[tuple[str, datetime.datetime]]] = defaultdict(list)
    for login, fires_at in fired:
        if login in covered:
            failed = covered[login] == Notification.Status.FAILED
            told[PlannedStatus.FAILED if failed else PlannedStatus.ALREADY_SENT].append(
                (login, fires_at)
            )
    for status, members in sorted(told.items()):
        fires_at = min(f for _, f in members)
        send_at = after_quiet_hours(now, policy, tz)
        yield planned([login for login, _ in members], fires_at, send_at, status)

    untold = [(login, f) for login, f in fired if login not in covered]
    if untold:
        status = (
            PlannedStatus.DEFERRED if in_quiet_hours(now, policy, tz) else PlannedStatus.WOULD_SEND
        )
        fires_at = min(f for _, f in untold)
        yield planned(
            [login for login, _ in untold], fires_at, after_quiet_hours(now, policy, tz), status
        )

    # Students whose time is still to come, grouped by when a pass will send them.
    coming: dict[datetime.datetime, list[tuple[str, datetime.datetime]]] = defaultdict(list)
    for login, fires_at in due.members:
        if fires_at > now and login not in covered:
            coming[after_quiet_hours(fires_at, policy, tz)].append((login, fires_at))
    for send_at, members in sorted(coming.items()):
        if send_at <= until:
            fires_at = min(f for _, f in members)
            yield planned(
                [login for login, _ in members], fires_at, send_at, PlannedStatus.SCHEDULED
            )


def preview(
    cohort: Cohort, now: datetime.datetime | None = None, *, days: int = 7
) -> tuple[list[Planned], list[Planned], Snapshot]:
    """What the next pass would send, and what falls due over the coming days."""
    now = now or timezone.now()
    horizon = datetime.timedelta(days=days)
    snapshot = load_snapshot(cohort, now, horizon=horizon)
    items = plan(snapshot, now, horizon=horizon)
    next_pass = [i for i in items if i.status != PlannedStatus.SCHEDULED]
    coming = [i for i in items if i.status == PlannedStatus.SCHEDULED]
    return next_pass, coming, snapshot
