"""Request ids and task ids in log lines; JSON lines for log collectors."""

from __future__ import annotations

import io
import json
import logging
import re
import uuid

import pytest
from django.db.utils import OperationalError

from camp import health
from camp.locks import single_instance
from camp.logging import ContextFilter, JsonFormatter, PlainFormatter, request_id_var
from camp.tasks import heartbeat


@pytest.fixture
def log_lines():
    """What the production handler (settings.LOGGING) would write, as parsed lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.mark.django_db
def test_response_carries_a_generated_request_id(client):
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/accounts/login/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.django_db
def test_request_id_from_the_proxy_is_kept(client):
    response = client.get("/accounts/login/", headers={"X-Request-ID": "lb-7f3a.1:2"})
    assert response["X-Request-ID"] == "lb-7f3a.1:2"


@pytest.mark.django_db
@pytest.mark.parametrize("forged", ["two words", "x" * 129, 'a"}\n{"level": "ERROR"', "é"])
def test_request_id_that_is_not_an_id_is_replaced(client, forged):
    response = client.get("/accounts/login/", headers={"X-Request-ID": forged})
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.django_db
def test_each_request_is_logged_with_its_id(client, log_lines):
    client.get("/accounts/login/", headers={"X-Request-ID": "req-1"})
    [line] = [line for line in log_lines() if line["logger"] == "camp.request"]
    assert line["request_id"] == "req-1"
    assert line["message"] == "GET /accounts/login/ 200"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/accounts/login/", 200)
    assert line["duration_ms"] >= 0
    assert "task_id" not in line


@pytest.mark.django_db
def test_health_probes_stay_out_of_info_logs(client, log_lines):
    client.get("/healthz")
    assert not [line for line in log_lines() if line["logger"] == "camp.request"]


@pytest.mark.django_db
def test_django_error_log_of_a_failed_request_has_the_request_id(client, log_lines, monkeypatch):
    # Django logs 4xx/5xx after the middleware chain has returned.
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    client.get("/healthz", headers={"X-Request-ID": "req-503"})
    [error] = [line for line in log_lines() if line["logger"] == "django.request"]
    assert error["message"] == "Service Unavailable: /healthz"
    assert error["request_id"] == "req-503"
    assert request_id_var.get() is None  # cleared when the request finished


def test_log_line_in_a_task_has_the_task_id(log_lines):
    # The lock logs when it skips: a log line written inside the task.
    with single_instance("heartbeat", ttl=60):
        result = heartbeat.apply()
    [skipped] = [line for line in log_lines() if line["logger"] == "camp.locks"]
    assert skipped["message"] == "heartbeat is already running elsewhere; skipped"
    assert skipped["task_id"] == result.id
    assert "request_id" not in skipped


def test_outside_requests_and_tasks_there_are_no_ids(log_lines):
    logging.getLogger("camp.test").info("plain")
    [line] = log_lines()
    assert "request_id" not in line and "task_id" not in line


def test_json_line_keeps_extra_fields_unicode_and_tracebacks(log_lines):
    logger = logging.getLogger("camp.test")
    try:
        raise ValueError("坏了")
    except ValueError:
        logger.exception("周报 %s failed", 3, extra={"cohort": "camp", "at": uuid.UUID(int=1)})
    [line] = log_lines()
    assert line["message"] == "周报 3 failed"
    assert line["level"] == "ERROR"
    assert line["cohort"] == "camp"
    assert line["at"] == "00000000-0000-0000-0000-000000000001"
    assert line["exc_info"].startswith("Traceback") and "ValueError: 坏了" in line["exc_info"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


def test_plain_format_shows_the_ids_for_people():
    record = logging.LogRecord("camp.test", logging.INFO, __file__, 1, "hello", (), None)
    token = request_id_var.set("req-9")
    try:
        ContextFilter().filter(record)
    finally:
        request_id_var.reset(token)
    assert PlainFormatter().format(record).endswith("INFO camp.test hello [request_id=req-9]")
