"""Beat's jobs come from one place (camp.schedule) into the scheduler's table,
and what a TA changes there stays."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from camp.celery import app
from camp.schedule import install_schedule, jobs

pytestmark = pytest.mark.django_db


def test_migrate_installs_every_job_of_the_schedule():
    assert settings.CELERY_BEAT_SCHEDULE == {}
    rows = {row.name: row for row in PeriodicTask.objects.all()}
    for name, job in jobs().items():
        assert rows[name].task == job.task and rows[name].enabled
    assert rows["github-sync"].interval.every == settings.GITHUB_SYNC_SECONDS
    assert rows["Send reminders"].crontab.minute == "*/15"


def test_every_job_names_a_task_the_worker_knows():
    app.loader.import_default_modules()
    assert {job.task for job in jobs().values()} <= set(app.tasks)


def test_an_interval_changed_in_the_admin_survives_the_next_migrate():
    row = PeriodicTask.objects.get(name="github-sync")
    row.interval, _ = IntervalSchedule.objects.get_or_create(
        every=3600, period=IntervalSchedule.SECONDS
    )
    row.save()
    call_command("migrate", verbosity=0)
    assert PeriodicTask.objects.get(name="github-sync").interval.every == 3600
    assert install_schedule() == []


def test_a_job_missing_from_the_table_comes_back_once():
    PeriodicTask.objects.filter(name="github-push-writes").delete()
    assert install_schedule() == ["github-push-writes"]
    assert install_schedule() == []
    assert PeriodicTask.objects.filter(task="reports.tasks.push_github_all").count() == 1
