"""A cohort's reminder policy and the time rules read from it: how far back a
pass looks, and the quiet hours in the recipient's time zone."""

from __future__ import annotations

import datetime

from camp.models import Cohort
from reports.models import ReminderPolicy

# Reports may arrive up to this long after their due time and still get review reminders.
LATE_SUBMISSION_GRACE = datetime.timedelta(days=14)


def policy_for(cohort: Cohort) -> ReminderPolicy:
    """The cohort's policy, created with the defaults the first time it is needed."""
    policy, _ = ReminderPolicy.objects.get_or_create(cohort=cohort)
    return policy


def lookback(policy: ReminderPolicy) -> datetime.timedelta:
    """How long after its due time a period can still owe someone a reminder."""
    latest_hours = max(
        policy.mentor_escalation_hours,
        policy.ta_escalation_hours,
        policy.review_pending_hours,
        policy.review_escalation_hours,
    )
    return datetime.timedelta(hours=latest_hours) + LATE_SUBMISSION_GRACE


def in_quiet_hours(instant: datetime.datetime, policy: ReminderPolicy, tz: datetime.tzinfo) -> bool:
    local = instant.astimezone(tz).time()
    start, end = policy.quiet_start, policy.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window spans midnight


def after_quiet_hours(
    instant: datetime.datetime, policy: ReminderPolicy, tz: datetime.tzinfo
) -> datetime.datetime:
    """`instant`, or the end of the quiet hours it falls in (the next morning, local time)."""
    if not in_quiet_hours(instant, policy, tz):
        return instant
    local = instant.astimezone(tz)
    day = local.date()
    if local.time() >= policy.quiet_end:
        day += datetime.timedelta(days=1)
    # Built from wall-clock parts so a DST change overnight still gives 08:00 local.
    return datetime.datetime.combine(day, policy.quiet_end, tzinfo=tz)
