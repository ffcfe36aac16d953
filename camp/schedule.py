"""Every job beat runs on a schedule, in one place.

Beat uses django-celery-beat's DatabaseScheduler, whose table is what the
admin edits (Periodic tasks). After each `migrate` (post_migrate, connected in
CampConfig.ready) every job below is put in that table when it is missing, and
left alone when it is there: an interval a TA changed in the admin stays as
they set it, and a job added here appears on the next deploy.
CELERY_BEAT_SCHEDULE stays empty on purpose: beat writes its entries over the
table at every start, which would undo those edits.

The names are the rows' names in the table (and in databases migrated before
this module existed), the tasks are the wire names each task declares. Every
periodic task runs behind a Redis lock (camp.locks.single_instance), so a
second beat cannot double the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


@dataclass(frozen=True)
class Job:
    task: str
    every_seconds: int | None = None
    # A crontab's minute field, in UTC (every other field "*").
    crontab_minute: str | None = None


def jobs() -> dict[str, Job]:
    return {
        # Proves worker and beat are both alive (/healthz).
        "heartbeat": Job("camp.tasks.heartbeat", every_seconds=30),
        "extend-calendars": Job("reports.tasks.extend_calendars", every_seconds=6 * 3600),
        "Send reminders": Job("reports.tasks.send_reminders", crontab_minute="*/15"),
        "github-sync": Job(
            "reports.tasks.sync_github_all", every_seconds=settings.GITHUB_SYNC_SECONDS
        ),
        "github-publish-summaries": Job(
            "reports.tasks.publish_summaries", every_seconds=settings.GITHUB_PUBLISH_SECONDS
        ),
        # The write-back outbox (reports.github.writeback): catches writes that
        # bypass save() and retries whatever waits; new writes are pushed after commit.
        "github-push-writes": Job("reports.tasks.push_github_all", every_seconds=300),
        # Webhook deliveries stored but never processed (their task was lost).
        "github-stalled-deliveries": Job(
            "reports.tasks.process_stalled_deliveries", every_seconds=300
        ),
        # Students' GitHub work beside their reports, within GitHub's search
        # limit: hourly is fresh enough for a weekly loop.
        "github-collect-evidence": Job("reports.tasks.collect_evidence", every_seconds=3600),
    }


def _schedule_fields(job: Job) -> dict[str, Any]:
    if job.crontab_minute is not None:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=job.crontab_minute,
            hour="*",
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="UTC",
        )
        return {"crontab": crontab}
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=job.every_seconds, period=IntervalSchedule.SECONDS
    )
    return {"interval": interval}


def install_schedule(sender: AppConfig | None = None, **kwargs: Any) -> list[str]:
    """Add the jobs missing from beat's table; the names of those added."""
    existing = set(PeriodicTask.objects.values_list("name", flat=True))
    added = []
    for name, job in jobs().items():
        if name in existing:
            continue
        PeriodicTask.objects.create(name=name, task=job.task, **_schedule_fields(job))
        added.append(name)
    return added
