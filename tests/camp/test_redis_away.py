"""Redis away (the cache and the broker of production): the web keeps
answering what it can (issue 32). The API stays JSON and unthrottled rather
than failing, the overview builds without its page cache, a write that
committed answers success even when its after-commit task cannot be enqueued,
and /healthz says what is down. A webhook delivery whose task was lost is
processed by the periodic catch-up."""

from __future__ import annotations

import datetime
import logging
from unittest import mock

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError

from camp.tokens import create_token
from reports.github import tasks as github_tasks
from reports.models import Report, Review, WebhookDelivery
from reports.reminders import tasks as reminder_tasks
from tests.clients import signed_in
from tests.factories import ReportFactory, ReviewFactory
from tests.pages.test_writing import FILLED

IN_PERIOD_3 = datetime.datetime(
    2025, 4, 10, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
)

# A Redis nobody listens on: every command fails with a connection error.
UNREACHABLE = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": "redis://127.0.0.1:1/0",
}


@pytest.fixture
def redis_away(settings):
    settings.CACHES = {"default": UNREACHABLE, "pages": UNREACHABLE}


def test_a_token_client_gets_json_while_the_throttles_cache_is_away(camp, redis_away):
    _, secret = create_token(camp.mentor_a, "bot")
    response = Client().get("/api/reports/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_the_overview_is_built_without_its_page_cache(camp, redis_away):
    response = signed_in(camp.ta).get("/overview/camp/")
    assert response.status_code == 200
    assert [row.student for row in response.context["overview"].rows][:1] == [camp.alice]


def test_healthz_names_the_cache_as_down(client, db, redis_away):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "error: ConnectionError"
    assert response.json()["database"] == "ok"


def test_an_api_error_no_view_handles_answers_json(camp):
    client = signed_in(camp.alice, Client(raise_request_exception=False))
    with mock.patch("reports.api.views.ReportViewSet.list", side_effect=RuntimeError("boom")):
        response = client.get("/api/reports/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Server error."}
    # Pages keep Django's HTML 500 page.
    with mock.patch("reports.pages.views.my_reports", side_effect=RuntimeError("boom")):
        page = client.get("/reports/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_a_review_that_committed_answers_201_when_its_notice_cannot_be_enqueued(
    camp, django_capture_on_commit_callbacks, caplog
):
    report = ReportFactory(student=camp.alice, period=camp.period(2))
    refused = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch.object(reminder_tasks.send_notifications, "delay", side_effect=refused) as sent,
        django_capture_on_commit_callbacks(execute=True),
        caplog.at_level(logging.WARNING, logger="camp.celery"),
    ):
        response = signed_in(camp.mentor_a).post(
            "/api/reviews/",
            {"report": report.pk, "verdict": "approved", "body": "Good."},
            content_type="application/json",
        )
    assert response.status_code == 201
    assert sent.called
    assert Review.objects.filter(report=report, verdict="approved").count() == 1
    assert "could not enqueue reports.tasks.send_notifications" in caplog.text


@time_machine.travel(IN_PERIOD_3, tick=False)
def test_an_edit_of_a_reviewed_report_redirects_as_usual_when_the_broker_is_away(
    camp, django_capture_on_commit_callbacks
):
    report = ReportFactory(student=camp.alice, period=camp.period(3), body=FILLED)
    ReviewFactory(report=report, mentor=camp.mentor_a)
    refused = OperationalError("Connection refused.")
    with (
        mock.patch.object(reminder_tasks.send_notifications, "delay", side_effect=refused) as sent,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = signed_in(camp.alice).post(
            "/reports/write/camp/3/", {"body": FILLED + "\nmore\n", "action": "submit"}
        )
    assert response.status_code == 302
    assert sent.called  # the mentors' notice of the resubmission
    assert Report.objects.get(pk=report.pk).body == FILLED + "\nmore\n"


def test_a_delivery_whose_task_was_lost_is_processed_by_the_catch_up(db):
    stalled = WebhookDelivery.objects.create(delivery_id="lost", event="issues", payload={})
    fresh = WebhookDelivery.objects.create(delivery_id="fresh", event="issues", payload={})
    done = WebhookDelivery.objects.create(
        delivery_id="done", event="issues", payload={}, status="processed"
    )
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    WebhookDelivery.objects.filter(pk__in=[stalled.pk, done.pk]).update(received_at=long_ago)
    with mock.patch.object(github_tasks.process_github_delivery, "delay") as delay:
        assert github_tasks.process_stalled_deliveries() == 1
    delay.assert_called_once_with(stalled.pk)
    assert fresh.pk not in [call.args[0] for call in delay.call_args_list]
