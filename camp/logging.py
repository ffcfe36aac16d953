"""Log lines that say which request or which Celery task they belong to.

The request id lives in a context variable set by camp.middleware.RequestIdMiddleware;
the task id comes from Celery's current task. ContextFilter copies both onto every
record (attach it to the handler, so records from every logger get them), and
JsonFormatter writes one JSON object a line for log collectors.
"""

from __future__ import annotations

import datetime
import json
import logging
import sys
from contextvars import ContextVar

from celery import current_task

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else on a record came in through `extra=`.
_RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "request_id",
    "task_id",
}


def current_task_id() -> str | None:
    task = current_task
    # `current_task` is a proxy: falsy outside a task, also in the web process.
    return task.request.id if task else None


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.task_id = current_task_id()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "task_id"):
            if getattr(record, key, None):
                entry[key] = getattr(record, key)
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        # default=str: Django passes the request object as `extra`.
        return json.dumps(entry, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """For people reading a terminal (DEBUG): the usual line, ids at the end."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        ids = [
            f"{key}={getattr(record, key)}"
            for key in ("request_id", "task_id")
            if getattr(record, key, None)
        ]
        return f"{line} [{' '.join(ids)}]" if ids else line


def logs_to_stderr() -> None:
    """Move the log handlers that write to stdout over to stderr: for a command
    whose stdout is its result (`--json`), so that no log line gets mixed in."""
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for handler in getattr(logger, "handlers", ()):
            if isinstance(handler, logging.StreamHandler) and handler.stream is sys.stdout:
                handler.setStream(sys.stderr)


def logging_config(log_format: str, level: str, loggers: dict[str, dict] | None = None) -> dict:
    """The one logging setup of web, worker and gunicorn: every record to stdout,
    with its request or task id, as JSON or plain text."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "camp.logging.ContextFilter"}},
        "formatters": {
            "json": {"()": "camp.logging.JsonFormatter"},
            "plain": {"()": "camp.logging.PlainFormatter"},
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "filters": ["context"],
                "formatter": log_format,
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": loggers or {},
    }
