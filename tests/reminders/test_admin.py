"""The TA's side of reminders: the preview page, the notification log and the resend action."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from reports.models import Notification
from reports.reminders import tasks
from reports.reminders.policy import policy_for
from tests.clients import signed_in

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
SUNDAY_MORNING = datetime.datetime(2025, 3, 16, 9, 0, tzinfo=SHANGHAI)


def preview_url(slug: str = "camp") -> str:
    return reverse("reminders:preview", args=[slug])


@pytest.mark.parametrize("who", ["ta", "admin"])
def test_the_preview_shows_the_next_pass_and_the_coming_week(camp, client, who):
    signed_in(getattr(camp, who), client, language=None)
    with time_machine.travel(SUNDAY_MORNING, tick=False):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get(preview_url())
    assert response.status_code == 200
    next_pass = response.context["next_pass"]
    assert {(r["recipient"].login, r["status"]) for r in next_pass} == {
        ("alice", "would_send"),
        ("bob", "would_send"),
        ("carol", "would_send"),
    }
    coming = {(r["recipient"].login, r["kind"], r["send_at"]) for r in response.context["coming"]}
    # Overdue at 03-17 23:59 falls in the quiet hours: 08:00 the next morning.
    overdue_at = datetime.datetime(2025, 3, 18, 8, 0, tzinfo=SHANGHAI)
    assert ("alice", "Report overdue", overdue_at) in coming
    assert (
        "mentor-a",
        "Students missing (to mentor)",
        overdue_at + datetime.timedelta(days=2),
    ) in coming
    assert b"Will be sent" in response.content
    # A preview sends and records nothing.
    assert not Notification.objects.exists()


@pytest.mark.parametrize("who", ["other_ta", "mentor_a", "alice", "outsider", "stranger"])
def test_the_preview_is_not_found_for_others(camp, client, who):
    signed_in(getattr(camp, who), client, language=None)
    assert client.get(preview_url()).status_code == 404


def test_the_preview_needs_a_sign_in_and_a_real_cohort(camp, client):
    response = client.get(preview_url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    signed_in(camp.admin, client, language=None)
    assert client.get(preview_url("nope")).status_code == 404


def failed_row(camp, cohort=None, recipient=None) -> Notification:
    return Notification.objects.create(
        recipient=recipient or camp.alice,
        cohort=cohort or camp.cohort,
        kind=Notification.Kind.OVERDUE,
        channel=Notification.Channel.EMAIL,
        period=(cohort or camp.cohort).periods.get(number=1),
        status=Notification.Status.FAILED,
        attempts=5,
        error="SMTP error: connection refused",
    )


def test_the_ta_sees_failures_of_their_cohort_only(camp, client):
    mine = failed_row(camp)
    theirs = failed_row(camp, cohort=camp.other_cohort, recipient=camp.outsider)
    signed_in(camp.ta, client, language=None)
    url = reverse("admin:reports_notification_changelist")
    response = client.get(url + "?status__exact=failed")
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown == [mine]
    assert b"SMTP error: connection refused" in response.content
    assert camp.cohort.name.encode() in response.content
    assert camp.other_cohort.name.encode() not in response.content
    change = reverse("admin:reports_notification_change", args=[theirs.pk])
    assert client.get(change).status_code == 302  # not found: back to the admin index


@pytest.mark.parametrize("who", ["mentor_a", "alice"])
def test_others_cannot_open_the_log(camp, client, who):
    failed_row(camp)
    signed_in(getattr(camp, who), client, language=None)
    response = client.get(reverse("admin:reports_notification_changelist"))
    assert response.status_code in (302, 403)


def test_resend_puts_failed_rows_back_and_sends_them(
    camp, client, django_capture_on_commit_callbacks
):
    row = failed_row(camp)
    signed_in(camp.ta, client, language=None)
    with (
        mock.patch.object(tasks.send_notifications, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("admin:reports_notification_changelist"),
            {"action": "resend_failed", "_selected_action": [row.pk]},
        )
    assert response.status_code == 302
    delay.assert_called_once_with([row.pk])
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    tasks.send_notifications([row.pk])
    row.refresh_from_db()
    assert row.status == "sent"


def test_the_ta_edits_their_policy(camp, client):
    policy = policy_for(camp.cohort)
    other = policy_for(camp.other_cohort)
    signed_in(camp.ta, client, language=None)
    assert (
        client.get(reverse("admin:reports_reminderpolicy_change", args=[policy.pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("admin:reports_reminderpolicy_change", args=[other.pk])).status_code
        == 302
    )


SLACK_URL = "https://hooks.slack.com/services/T000/B000/tokentokentoken"
SECRET = "SECverysecret"


def policy_form(policy, **changes) -> dict:
    """The change form's fields as the browser posts them (write-only ones empty)."""
    data = {
        "enabled": "on",
        "due_soon": "on",
        "due_soon_hours": policy.due_soon_hours,
        "overdue": "on",
        "review_posted": "on",
        "mentor_escalation": "on",
        "mentor_escalation_hours": policy.mentor_escalation_hours,
        "ta_escalation": "on",
        "ta_escalation_hours": policy.ta_escalation_hours,
        "review_pending": "on",
        "review_pending_hours": policy.review_pending_hours,
        "review_escalation": "on",
        "review_escalation_hours": policy.review_escalation_hours,
        "quiet_start": "22:00",
        "quiet_end": "08:00",
        "chat_provider": policy.chat_provider,
        "chat_webhook_url": "",
        "chat_secret": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def chat_policy(camp):
    policy = policy_for(camp.cohort)
    policy.chat_provider = "slack"
    policy.chat_webhook_url = SLACK_URL
    policy.chat_secret = SECRET
    policy.save()
    return policy


def change_url(policy) -> str:
    return reverse("admin:reports_reminderpolicy_change", args=[policy.pk])


def test_the_webhook_and_secret_are_never_shown(camp, client, chat_policy):
    signed_in(camp.ta, client, language=None)
    response = client.get(change_url(chat_policy))
    assert response.status_code == 200
    assert b"tokentokentoken" not in response.content
    assert SECRET.encode() not in response.content
    assert b"hooks.slack.com/services" not in response.content
    assert response.context["adminform"].form.initial.get("chat_webhook_url") is None
    assert b'alt="True"' in response.content  # set, as the "set" columns say


def test_blank_keeps_the_webhook_and_secret(camp, client, chat_policy):
    signed_in(camp.ta, client, language=None)
    response = client.post(change_url(chat_policy), policy_form(chat_policy, due_soon_hours=24))
    assert response.status_code == 302, response.context["adminform"].form.errors
    chat_policy.refresh_from_db()
    assert (chat_policy.due_soon_hours, chat_policy.chat_webhook_url, chat_policy.chat_secret) == (
        24,
        SLACK_URL,
        SECRET,
    )


def test_checkboxes_remove_the_webhook_and_secret(camp, client, chat_policy):
    signed_in(camp.ta, client, language=None)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = policy_form(chat_policy, clear_chat_secret="on")
    assert client.post(change_url(chat_policy), data).status_code == 302
    chat_policy.refresh_from_db()
    assert (chat_policy.chat_webhook_url, chat_policy.chat_secret) == (SLACK_URL, "")
    # The URL cannot go while a provider needs it; with the provider, it can.
    data = policy_form(chat_policy, clear_chat_webhook_url="on")
    response = client.post(change_url(chat_policy), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["chat_webhook_url"] == [
        "A chat provider needs a webhook URL."
    ]
    data = policy_form(chat_policy, chat_provider="", clear_chat_webhook_url="on")
    assert client.post(change_url(chat_policy), data).status_code == 302
    chat_policy.refresh_from_db()
    assert (chat_policy.chat_provider, chat_policy.chat_webhook_url) == ("", "")


@pytest.mark.parametrize(
    ("provider", "url"),
    [
        ("slack", "http://hooks.slack.com/services/T/B/X"),
        ("slack", "https://169.254.169.254/latest/meta-data"),
        ("slack", "https://127.0.0.1:6379/"),
        ("feishu", "https://hooks.slack.com/services/T/B/X"),
        ("dingtalk", "https://oapi.dingtalk.com.example.org/robot/send"),
    ],
)
def test_a_webhook_elsewhere_is_refused_with_a_clear_error(
    camp, client, chat_policy, provider, url
):
    signed_in(camp.ta, client, language=None)
    data = policy_form(chat_policy, chat_provider=provider, chat_webhook_url=url)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(change_url(chat_policy), data)
    assert response.status_code == 200
    (error,) = response.context["adminform"].form.errors["chat_webhook_url"]
    assert error.startswith("Enter the https address of a") and "bot webhook, on" in error
    chat_policy.refresh_from_db()
    assert (chat_policy.chat_provider, chat_policy.chat_webhook_url) == ("slack", SLACK_URL)


def test_a_new_webhook_on_the_providers_host_is_saved(camp, client, chat_policy, settings):
    signed_in(camp.ta, client, language=None)
    feishu = "https://open.feishu.cn/open-apis/bot/v2/hook/abc"
    data = policy_form(chat_policy, chat_provider="feishu", chat_webhook_url=feishu)
    assert client.post(change_url(chat_policy), data).status_code == 302
    chat_policy.refresh_from_db()
    assert (chat_policy.chat_provider, chat_policy.chat_webhook_url) == ("feishu", feishu)
    # A local server only when the setting names its host.
    local = "http://127.0.0.1:9000/hook"
    data = policy_form(chat_policy, chat_webhook_url=local)
    assert client.post(change_url(chat_policy), data).status_code == 200
    settings.CHAT_WEBHOOK_EXTRA_HOSTS = ["127.0.0.1"]
    assert client.post(change_url(chat_policy), data).status_code == 302
    chat_policy.refresh_from_db()
    assert chat_policy.chat_webhook_url == local
