"""Celery tasks of the core. Each feature keeps its own tasks in its package
(`reports.github.tasks`, `reports.reminders.tasks`)."""

from __future__ import annotations

from celery import shared_task

from camp.locks import single_instance
from camp.models import Cohort
from reports.periods import ensure_periods


@shared_task(ignore_result=True)
@single_instance("extend-calendars", ttl=30 * 60)
def extend_calendars() -> int | None:
    """Open-ended cohorts grow new periods as time passes (None: another run holds the lock)."""
    return sum(ensure_periods(cohort) for cohort in Cohort.objects.all())
