"""Chat channel: each provider's payload and signature, and a real webhook
(the fake server) that fails, then recovers."""

from __future__ import annotations

import datetime
import io
import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from reports.models import Notification, ReminderPolicy
from reports.reminders.channels import DeliveryError
from reports.reminders.channels.chat import (
    build_request,
    check_response,
    dingtalk_sign,
    feishu_sign,
    webhook_url_allowed,
)
from reports.reminders.policy import policy_for
from tests.fakes.chat import serve

SECRET = "SECabc123"
NOW = datetime.datetime(2025, 3, 16, 2, 0, tzinfo=datetime.UTC)  # 1742090400
# Computed independently with openssl:
#   printf '' | openssl dgst -sha256 -hmac "$(printf '1742090400\nSECabc123')" -binary | base64
FEISHU_SIGN = "Ft+qYTEDn5k+lg7S3/coAdDfdz2++cacMos0MsuloAY="
#   printf '1742090400000\nSECabc123' | openssl dgst -sha256 -hmac SECabc123 -binary | base64
DINGTALK_SIGN = "eRcUocvQOV8lSpRR+qF8WTvhZMZk+ubVf0mjv3dBI1U="
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
MORNING_AFTER = datetime.datetime(2025, 3, 18, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def fake_chat_host(settings):
    """The fake chat server listens on 127.0.0.1 over http."""
    settings.CHAT_WEBHOOK_EXTRA_HOSTS = ["127.0.0.1"]


def test_signatures_match_the_test_vectors():
    assert int(NOW.timestamp()) == 1742090400
    assert feishu_sign(SECRET, 1742090400) == FEISHU_SIGN
    assert dingtalk_sign(SECRET, 1742090400000) == DINGTALK_SIGN


def test_feishu_payload():
    request = build_request("feishu", "https://open.feishu.cn/hook/x", SECRET, "hi", NOW)
    assert request.url == "https://open.feishu.cn/hook/x"
    assert request.payload == {
        "timestamp": "1742090400",
        "sign": FEISHU_SIGN,
        "msg_type": "text",
        "content": {"text": "hi"},
    }
    unsigned = build_request("feishu", "https://open.feishu.cn/hook/x", "", "hi", NOW)
    assert unsigned.payload == {"msg_type": "text", "content": {"text": "hi"}}


def test_dingtalk_payload_signs_the_url():
    url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    request = build_request("dingtalk", url, SECRET, "hi", NOW)
    parts = urlsplit(request.url)
    query = parse_qs(parts.query)
    assert query == {
        "access_token": ["abc"],
        "timestamp": ["1742090400000"],
        "sign": [DINGTALK_SIGN],
    }
    assert "sign=eRcUocvQOV8lSpRR%2BqF8WTvhZMZk%2BubVf0mjv3dBI1U%3D" in request.url
    assert request.payload == {"msgtype": "text", "text": {"content": "hi"}}


def test_wecom_and_slack_payloads():
    wecom = build_request("wecom", "https://qyapi.weixin.qq.com/hook?key=k", "", "hi", NOW)
    assert wecom.payload == {"msgtype": "text", "text": {"content": "hi"}}
    assert wecom.url == "https://qyapi.weixin.qq.com/hook?key=k"
    slack = build_request("slack", "https://hooks.slack.com/services/T/B/X", "", "hi", NOW)
    assert slack.payload == {"text": "hi"}


@pytest.mark.parametrize(
    ("status", "body", "permanent"),
    [
        (503, {}, False),
        (429, {}, False),
        (404, {}, True),
        (200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}, True),
        (200, {"code": 11232, "msg": "frequency limited"}, False),
        (200, {"errcode": 310000, "errmsg": "sign not match"}, True),
        (200, {"errcode": 45009, "errmsg": "api freq out of limit"}, False),
    ],
)
def test_provider_errors(status, body, permanent):
    with pytest.raises(DeliveryError) as error:
        check_response(httpx.Response(status, json=body))
    assert error.value.permanent is permanent


def test_provider_successes():
    check_response(httpx.Response(200, json={"code": 0, "msg": "success"}))
    check_response(httpx.Response(200, json={"StatusCode": 0, "StatusMessage": "success"}))
    check_response(httpx.Response(200, json={"errcode": 0, "errmsg": "ok"}))
    check_response(httpx.Response(200, text="ok"))


def run(instant: datetime.datetime) -> list[dict]:
    out = io.StringIO()
    with time_machine.travel(instant, tick=False):
        call_command("send_reminders", "--cohort", "camp", "--json", stdout=out)
    return [r for r in json.loads(out.getvalue())["notifications"] if r["channel"] == "chat"]


@pytest.mark.parametrize(
    ("provider", "success"),
    [
        ("feishu", {"code": 0, "msg": "success"}),
        ("dingtalk", {"errcode": 0, "errmsg": "ok"}),
        ("wecom", {"errcode": 0, "errmsg": "ok"}),
        ("slack", {"ok": True}),
    ],
)
def test_one_message_per_pass_through_a_webhook_that_fails_then_recovers(camp, provider, success):
    policy = policy_for(camp.cohort)
    with serve() as chat:
        chat.failures = 1
        chat.success = success
        policy.chat_provider = provider
        policy.chat_webhook_url = chat.url
        policy.chat_secret = SECRET if provider in ("feishu", "dingtalk") else ""
        policy.save()

        rows = run(MORNING_AFTER)
        assert {(r["recipient"], r["status"]) for r in rows} == {
            ("alice", "failed"),
            ("bob", "failed"),
            ("carol", "failed"),
        }
        assert len(chat.received) == 1
        assert len(mail.outbox) == 3  # email does not wait for chat
        failed = Notification.objects.filter(channel="chat")
        assert {(n.status, n.attempts) for n in failed} == {("pending", 1)}
        assert "HTTP 503" in failed[0].error

        # Before the backoff has passed: no new attempt.
        run(MORNING_AFTER + datetime.timedelta(minutes=1))
        assert len(chat.received) == 1
        # After it: one message naming all three.
        rows = run(MORNING_AFTER + datetime.timedelta(minutes=3))
        assert {r["status"] for r in rows} == {"sent"}
        assert len(chat.received) == 2
        # Later passes post nothing more.
        run(MORNING_AFTER + datetime.timedelta(minutes=20))
        assert len(chat.received) == 2

    body = chat.received[-1].body
    text = {
        "feishu": lambda b: b["content"]["text"],
        "dingtalk": lambda b: b["text"]["content"],
        "wecom": lambda b: b["text"]["content"],
        "slack": lambda b: b["text"],
    }[provider](body)
    assert "第 1 期周报已逾期" in text
    # Named plainly (nobody has a chat id here): "@login" would notify no one.
    for name in ["Alice", "Bob", "Carol"]:
        assert f"- {name}" in text
    assert "@" not in text.replace(SECRET, "")
    if provider == "feishu":
        assert feishu_sign(SECRET, int(body["timestamp"])) == body["sign"]
    if provider == "dingtalk":
        query = chat.received[-1].query
        assert dingtalk_sign(SECRET, int(query["timestamp"][0])) == query["sign"][0]
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_a_misconfigured_webhook_fails_for_good_and_shows_in_the_log(camp):
    policy = policy_for(camp.cohort)
    with serve() as chat:
        chat.success = {"code": 19021, "msg": "sign match fail"}
        policy.chat_provider = ReminderPolicy.ChatProvider.FEISHU
        policy.chat_webhook_url = chat.url
        policy.save()
        rows = run(MORNING_AFTER)
    assert {r["status"] for r in rows} == {"failed"}
    failed = Notification.objects.filter(channel="chat")
    assert {n.status for n in failed} == {"failed"}
    assert "sign match fail" in failed[0].error


@pytest.mark.parametrize(
    ("provider", "url", "allowed"),
    [
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/x", True),
        ("feishu", "https://open.larksuite.com/open-apis/bot/v2/hook/x", True),
        ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=a", True),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", True),
        ("slack", "https://hooks.slack.com/services/T/B/X", True),
        ("feishu", "http://open.feishu.cn/open-apis/bot/v2/hook/x", False),
        ("feishu", "https://open.feishu.cn:8443/hook", False),
        ("feishu", "https://open.feishu.cn@169.254.169.254/latest", False),
        ("feishu", "https://open.feishu.cn.evil.example/hook", False),
        ("slack", "https://oapi.dingtalk.com/robot/send", False),
        ("slack", "https://127.0.0.1/hook", False),
        ("slack", "https://[::1/hook", False),
        ("", "https://hooks.slack.com/services/T/B/X", False),
    ],
)
def test_webhook_urls_must_be_on_the_providers_hosts(settings, provider, url, allowed):
    settings.CHAT_WEBHOOK_EXTRA_HOSTS = []
    assert webhook_url_allowed(provider, url) is allowed


def test_extra_hosts_come_from_the_setting_only(settings):
    settings.CHAT_WEBHOOK_EXTRA_HOSTS = []
    assert not webhook_url_allowed("slack", "http://127.0.0.1:8080/hook")
    settings.CHAT_WEBHOOK_EXTRA_HOSTS = ["127.0.0.1"]
    assert webhook_url_allowed("slack", "http://127.0.0.1:8080/hook")
    assert not webhook_url_allowed("slack", "ftp://127.0.0.1/hook")


def test_a_webhook_elsewhere_is_never_called(camp, settings):
    policy = policy_for(camp.cohort)
    with serve() as chat:
        policy.chat_provider = ReminderPolicy.ChatProvider.SLACK
        policy.chat_webhook_url = chat.url
        policy.save()
        settings.CHAT_WEBHOOK_EXTRA_HOSTS = []
        rows = run(MORNING_AFTER)
    assert {r["status"] for r in rows} == {"failed"}
    assert chat.received == []
    failed = Notification.objects.filter(channel="chat")
    assert {n.status for n in failed} == {"failed"}
    assert "not on the provider's hosts" in failed[0].error


@pytest.mark.parametrize("status", [400, 503])
def test_the_answer_of_a_failed_call_is_not_stored(camp, status):
    policy = policy_for(camp.cohort)
    with serve() as chat:
        chat.failures = 1
        chat.failure_status = status
        chat.failure_body = {"metadata": "instance-secret-token", "detail": "x" * 500}
        policy.chat_provider = ReminderPolicy.ChatProvider.SLACK
        policy.chat_webhook_url = chat.url
        policy.save()
        run(MORNING_AFTER)
    error = Notification.objects.filter(channel="chat").first().error
    assert error.startswith("Chat webhook")
    assert f"HTTP {status}" in error
    assert "instance-secret-token" not in error and "xxx" not in error


def test_a_providers_error_reason_is_kept_short():
    with pytest.raises(DeliveryError) as error:
        check_response(httpx.Response(200, json={"code": 19021, "msg": "bad\n" + "y" * 5000}))
    assert len(str(error.value)) < 150 and "\n" not in str(error.value)
    with pytest.raises(DeliveryError) as error:
        check_response(httpx.Response(404, text="<html>internal page</html>"))
    assert str(error.value) == "Chat webhook refused the message: HTTP 404 Not Found"
