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
from http import HTTPStatus
from urllib.parse import urlencode, urlsplit

import httpx
from django.conf import settings
from django.utils import timezone, translation

from reports.models import Notification, ReminderPolicy
from reports.reminders.channels import DeliveryError
from reports.reminders.messages import STUDENT_KINDS, absolute_url, headline, period_of
from reports.reminders.policy import policy_for

Provider = ReminderPolicy.ChatProvider
Kind = Notification.Kind
# Provider error codes that mean "slow down", worth retrying; others are config errors.
RATE_LIMIT_CODES = {11232, 130101, 45009}
TIMEOUT = 10.0
# Where each provider's group bots live. The webhook URL is typed in the admin
# by a TA, and the worker posts to it: any other host would let the policy make
# the worker call an internal address (SSRF).
PROVIDER_HOSTS = {
    Provider.FEISHU: ("open.feishu.cn", "open.larksuite.com"),
    Provider.DINGTALK: ("oapi.dingtalk.com",),
    Provider.WECOM: ("qyapi.weixin.qq.com",),
    Provider.SLACK: ("hooks.slack.com",),
}
# Short and fixed: a provider's error message, never the rest of its answer.
MAX_REASON = 100


def webhook_url_allowed(provider: str, url: str) -> bool:
    """https on one of the provider's hosts (default port, no user info), or
    any host of the CHAT_WEBHOOK_EXTRA_HOSTS setting (a local test server, an
    internal relay the operator chose; plain http is accepted there)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if not host or parts.username is not None or parts.password is not None:
        return False
    if host in {h.lower() for h in settings.CHAT_WEBHOOK_EXTRA_HOSTS}:
        return parts.scheme in ("http", "https")
    return (
        parts.scheme == "https" and port in (None, 443) and host in PROVIDER_HOSTS.get(provider, ())
    )


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
    # The status and the provider's short reason only: the rest of an answer
    # is not ours to store or show.
    if response.status_code == 429 or response.status_code >= 500:
        raise DeliveryError(f"Chat webhook answered HTTP {response.status_code}.")
    if response.status_code >= 400:
        raise DeliveryError(
            f"Chat webhook refused the message: HTTP {response.status_code} "
            f"{_reason_phrase(response.status_code)}",
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
        reason = " ".join(str(message).split())[:MAX_REASON]
        raise DeliveryError(
            f"Chat webhook error {str(code)[:20]}: {reason}",
            permanent=code not in RATE_LIMIT_CODES,
        )


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


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
    if not webhook_url_allowed(policy.chat_provider, policy.chat_webhook_url):
        # A URL stored before hosts were checked, or a setting since changed.
        raise DeliveryError(
            "The chat webhook URL is not on the provider's hosts; set it again in the policy.",
            permanent=True,
        )
    with translation.override(settings.LANGUAGE_CODE):
        text = compose(batch)
    request = build_request(
        policy.chat_provider, policy.chat_webhook_url, policy.chat_secret, text, timezone.now()
    )
    try:
        # Redirects are not followed (httpx's default): they could lead anywhere.
        response = httpx.post(request.url, json=request.payload, timeout=TIMEOUT)
    except httpx.HTTPError as error:
        # The error's text may quote the URL, which holds the bot's token.
        raise DeliveryError(f"Chat webhook unreachable ({type(error).__name__}).") from error
    check_response(response)
