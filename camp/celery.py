"""The Celery app: configured from Django settings (CELERY_* names)."""

import logging
import os
from typing import Any

from celery import Celery, Task
from celery.signals import setup_logging
from django.db import transaction
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "camp.settings")

app = Celery("camp")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each Django app's tasks module, and those of the feature packages of `reports`.
app.autodiscover_tasks()
app.autodiscover_tasks(["reports.github", "reports.reminders"])

logger = logging.getLogger(__name__)


def enqueue_after_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send `task` once the current transaction commits (at once outside one).

    The write it follows has committed by then, so a broker that cannot take
    the message (Redis away) must not turn that write into an error: the
    failure is logged and left to the periodic job that covers this work (the
    reminder pass, the write-back push, the webhook catch-up; docs/reliability.md)."""

    def send() -> None:
        try:
            task.delay(*args, **kwargs)
        except (OperationalError, OSError) as exc:
            logger.warning(
                "could not enqueue %s%r after commit (%s); the periodic catch-up will run it",
                task.name,
                args,
                exc,
            )

    transaction.on_commit(send)


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Without a receiver here Celery replaces the root handler with its own plain
    one; with it, worker and beat log like web: settings.LOGGING (JSON, task ids)."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
