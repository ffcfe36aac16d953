"""The chat channel: one consolidated message per cohort and pass, posted to the
cohort's group-bot webhook (Feishu/Lark, DingTalk, WeCom or Slack).

Feishu/Lark and DingTalk bots can require a signature; both are an HMAC-SHA256
of "timestamp\\nsecret", but Feishu uses that string as the key over an empty
message and sends it in the body, while DingTalk keys with the secret, uses
milliseconds, and sends it in the query string.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.utils import timezone, translation

from reports.models import Notification, ReminderPolicy
from reports.notify import DeliveryError
from reports.notify.messages import STUDENT_KINDS, absolute_url, headline, period_of
from reports.reminders import policy_for

Provider = ReminderPolicy.ChatProvider
Kind = Notification.Kind
# Provider error codes that mean "slow down", worth retrying; others are config errors.
RATE_LIMIT_CODES = {11232, 130101, 45009}
TIMEOUT = 10.0


def feishu_sign(secret: str, timestamp: int) -> str:
    string_to_sign = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(string_to_sign, b"", hashlib.sha256).digest()).decode()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class ChatRequest:
    url: str
    payload: dict


def build_request(
    provider: str, url: str, secret: str, text: str, now: datetime.datetime
) -> ChatRequest:
    if provider == Provider.FEISHU:
        payload: dict = {"msg_type": "text", "content": {"text": text}}
        if secret:
            timestamp = int(now.timestamp())
            payload = {
                "timestamp": str(timestamp),
                "sign": feishu_sign(secret, timestamp),
                **payload,
            }
        return ChatRequest(url, payload)
    if provider == Provider.DINGTALK:
        if secret:
            timestamp_ms = int(now.timestamp() * 1000)
            query = urlencode(
                {"timestamp": timestamp_ms, "sign": dingtalk_sign(secret, timestamp_ms)}
            )
            url = f"{url}{'&' if '?' in url else '?'}{query}"
        return ChatRequest(url, {"msgtype": "text", "text": {"content": text}})
    if provider == Provider.WECOM:
        return ChatRequest(url, {"msgtype": "text", "text": {"content": text}})
    if provider == Provider.SLACK:
        return ChatRequest(url, {"text": text})
    raise DeliveryError(f"Unknown chat provider {provider!r}.", permanent=True)


def check_response(response: httpx.Response) -> None:
    """Raise unless the provider accepted the message. Feishu, DingTalk and WeCom
    answer HTTP 200 even on errors; the verdict is a code in the JSON body."""
    if response.status_code == 429 or response.status_code >= 500:
        raise DeliveryError(f"Chat webhook answered HTTP {response.status_code}.")
    if response.status_code >= 400:
        raise DeliveryError(
            f"Chat webhook refused the message: HTTP {response.status_code} {response.text[:200]}",
            permanent=True,
        )
    try:
        body = response.json()
    except ValueError:
        return  # Slack answers a plain "ok"
    if not isinstance(body, dict):
        return
    code = body.get("code", body.get("errcode", body.get("StatusCode", 0)))
    if code:
        message = body.get("msg") or body.get("errmsg") or body.get("StatusMessage") or ""
        raise DeliveryError(
            f"Chat webhook error {code}: {message}", permanent=code not in RATE_LIMIT_CODES
        )


def compose(batch: list[Notification]) -> str:
    """One text naming everyone concerned, grouped by period and kind."""
    cohort = batch[0].cohort
    groups: dict[tuple, list[Notification]] = defaultdict(list)
    for notification in batch:
        period = period_of(notification)
        groups[(period.number, list(Kind.values).index(notification.kind))].append(notification)
    lines = [cohort.name]
    for (_, _), notifications in sorted(groups.items()):
        first = notifications[0]
        lines.append("")
        lines.append(headline(first.kind, period_of(first), cohort.tzinfo))
        for notification in sorted(notifications, key=lambda n: str(n.recipient).lower()):
            person = f"{notification.recipient.name} (@{notification.recipient})"
            if notification.kind in STUDENT_KINDS:
                lines.append(f"- {person}")
            else:
                lines.append(
                    f"- {person}: {', '.join('@' + login for login in notification.about)}"
                )
    lines.append("")
    lines.append(absolute_url("/"))
    return "\n".join(lines)


def send(batch: list[Notification]) -> None:
    policy = policy_for(batch[0].cohort)
    if not policy.chat_provider or not policy.chat_webhook_url:
        raise DeliveryError("The cohort has no chat webhook any more.", permanent=True)
    with translation.override(settings.LANGUAGE_CODE):
        text = compose(batch)
    request = build_request(
        policy.chat_provider, policy.chat_webhook_url, policy.chat_secret, text, timezone.now()
    )
    try:
        response = httpx.post(request.url, json=request.payload, timeout=TIMEOUT)
    except httpx.HTTPError as error:
        raise DeliveryError(f"Chat webhook unreachable: {error}") from error
    check_response(response)
