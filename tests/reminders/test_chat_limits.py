"""Chat messages as the providers take them: each provider's size limit (a long
reminder is split into parts that each fit, "(1/3)", nobody dropped), and
mentions that notify (the provider's own form, from the person's chat id)."""

from __future__ import annotations

import datetime
import io
import json
import re

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from camp.models import Role
from reports.models import Notification
from reports.reminders.channels.chat import slack_escape
from reports.reminders.policy import policy_for
from tests.factories import MembershipFactory, UserFactory
from tests.fakes.chat import serve

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
MORNING_AFTER = datetime.datetime(2025, 3, 18, 9, 0, tzinfo=SHANGHAI)
SUCCESS = {
    "feishu": {"code": 0, "msg": "success"},
    "dingtalk": {"errcode": 0, "errmsg": "ok"},
    "wecom": {"errcode": 0, "errmsg": "ok"},
    "slack": {"ok": True},
}


@pytest.fixture(autouse=True)
def fake_chat_host(settings):
    settings.CHAT_WEBHOOK_EXTRA_HOSTS = ["127.0.0.1"]


def run(instant: datetime.datetime = MORNING_AFTER) -> list[dict]:
    out = io.StringIO()
    with time_machine.travel(instant, tick=False):
        call_command("send_reminders", "--cohort", "camp", "--json", stdout=out)
    return [r for r in json.loads(out.getvalue())["notifications"] if r["channel"] == "chat"]


def text_of(provider: str, body: dict) -> str:
    if provider == "feishu":
        return body["content"]["text"]
    if provider == "slack":
        return body["text"]
    return body["text"]["content"]


def add_students(camp, count: int, *, long_names: bool = True) -> list:
    """Students with names of about 100 bytes (long Chinese names), so that a
    few dozen fill a message."""
    students = []
    suffix = " 护航计划集训营学员" * 3 if long_names else ""
    for n in range(count):
        user = UserFactory(username=f"student-{n:03d}", display_name=f"学员{n:03d}{suffix}")
        MembershipFactory(user=user, cohort=camp.cohort, role=Role.STUDENT, project=camp.project_a)
        students.append(user)
    return students


@pytest.mark.parametrize(
    ("provider", "students", "limit"),
    [("wecom", 60, 2048), ("dingtalk", 250, 20000), ("feishu", 250, 20 * 1024)],
)
def test_a_long_reminder_is_split_so_each_part_fits_and_nobody_is_dropped(
    camp, provider, students, limit
):
    added = add_students(camp, students)
    policy = policy_for(camp.cohort)
    with serve() as chat:
        chat.provider = provider
        chat.success = SUCCESS[provider]
        policy.chat_provider = provider
        policy.chat_webhook_url = chat.url
        policy.save()
        rows = run()

    assert {r["status"] for r in rows} == {"sent"}
    assert len(rows) == students + 3
    texts = [text_of(provider, received.body) for received in chat.received]
    assert len(texts) > 1
    for number, text in enumerate(texts, start=1):
        assert f"({number}/{len(texts)})" in text.splitlines()[0]
        if provider == "feishu":
            assert (
                len(json.dumps(chat.received[number - 1].body, ensure_ascii=False).encode())
                <= limit
            )
        else:
            assert len(text.encode()) <= limit
        assert "逾期" in text  # each part says what it is about
    named = [line[2:] for text in texts for line in text.splitlines() if line.startswith("- ")]
    expected = [s.name for s in [camp.alice, camp.bob, camp.carol, *added]]
    assert sorted(named) == sorted(expected)


@pytest.mark.parametrize("provider", ["feishu", "dingtalk", "wecom", "slack"])
def test_mentions_use_the_chat_id_and_never_a_bare_at_login(camp, provider):
    camp.alice.chat_user_id = {"slack": "U024BE7LH"}.get(provider, "ou_7d8a6e6df7621556")
    camp.alice.save()
    camp.bob.display_name = "Bob & <Co>"
    camp.bob.save()
    policy = policy_for(camp.cohort)
    with serve() as chat:
        chat.success = SUCCESS[provider]
        policy.chat_provider = provider
        policy.chat_webhook_url = chat.url
        policy.save()
        run()
    (received,) = chat.received
    body = received.body
    text = text_of(provider, body)
    alice_id = camp.alice.chat_user_id
    assert "@alice" not in text and "@bob" not in text and "@carol" not in text
    if provider == "feishu":
        assert f'<at user_id="{alice_id}">Alice</at>' in text
    elif provider == "dingtalk":
        assert f"@{alice_id}" in text
        assert body["at"] == {"atMobiles": [], "atUserIds": [alice_id], "isAtAll": False}
    elif provider == "wecom":
        assert body["text"]["mentioned_list"] == [alice_id]
        assert "- Alice" in text
    else:
        assert f"- <@{alice_id}>" in text
        assert "- Bob &amp; &lt;Co&gt;" in text
    if provider != "slack":
        assert "- Bob & <Co>" in text
    assert "- Carol" in text


def test_a_mobile_number_goes_into_the_mobile_list(camp):
    camp.alice.chat_user_id = "13800138000"
    camp.alice.save()
    policy = policy_for(camp.cohort)
    with serve() as chat:
        chat.success = SUCCESS["wecom"]
        policy.chat_provider = "wecom"
        policy.chat_webhook_url = chat.url
        policy.save()
        run()
    content = chat.received[0].body["text"]
    assert content["mentioned_mobile_list"] == ["13800138000"]
    assert "mentioned_list" not in content


def test_chat_id_with_markup_is_refused_by_the_profile(client, camp):
    client.force_login(camp.alice)
    response = client.post(
        "/accounts/profile/",
        {
            "display_name": "Alice",
            "email": "alice@example.org",
            "language": "en",
            "timezone": "Asia/Shanghai",
            "chat_user_id": '"><at user_id="all',
        },
    )
    assert response.status_code == 200
    camp.alice.refresh_from_db()
    assert camp.alice.chat_user_id == ""


@given(st.text(max_size=40))
@settings(max_examples=200)
def test_slack_escape_leaves_no_markup(text):
    escaped = slack_escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert not re.search(r"&(?!amp;|lt;|gt;)", escaped)
    assert escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


def test_staff_digest_names_every_student_across_lines(camp):
    """A TA digest about many students stays within WeCom's limit, line by line."""
    add_students(camp, 200)
    policy = policy_for(camp.cohort)
    with serve() as chat:
        chat.provider = "wecom"
        chat.success = SUCCESS["wecom"]
        policy.chat_provider = "wecom"
        policy.chat_webhook_url = chat.url
        policy.save()
        run(MORNING_AFTER + datetime.timedelta(days=6))
    texts = [text_of("wecom", r.body) for r in chat.received]
    digest = Notification.objects.filter(channel="chat", kind=Notification.Kind.TA_ESCALATION)
    assert digest.exists() and set(digest.values_list("status", flat=True)) == {"sent"}
    about = set(digest.first().about)
    joined = "\n".join(texts)
    assert all(login in joined for login in about)
