"""The Celery app: configured from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "camp.settings")

app = Celery("camp")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each Django app's tasks module, and those of the feature packages of `reports`.
app.autodiscover_tasks()
app.autodiscover_tasks(["reports.github", "reports.reminders"])


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Without a receiver here Celery replaces the root handler with its own plain
    one; with it, worker and beat log like web: settings.LOGGING (JSON, task ids)."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
