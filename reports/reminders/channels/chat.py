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
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urlencode, urlsplit

import httpx
from django.conf import settings
from django.utils import timezone, translation

from camp.models import User
from reports.links import absolute_url
from reports.models import Notification, ReminderPolicy
from reports.reminders.channels import DeliveryError
from reports.reminders.messages import STUDENT_KINDS, headline, period_of
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
# What one message may hold, as each provider documents it: WeCom 2048 bytes of
# UTF-8 for a text message (4096 for markdown, which we do not send), DingTalk
# 20000 bytes, Feishu/Lark a request body of at most 20 KB, Slack 40,000
# characters with 4,000 recommended (longer texts are truncated or split badly).
TEXT_BYTES = {Provider.WECOM: 2048, Provider.DINGTALK: 20000}
BODY_BYTES = {Provider.FEISHU: 20 * 1024}
TEXT_CHARACTERS = {Provider.SLACK: 4000}
# Logins per line of a mentor's or the TAs' list: 20 of at most 39 characters
# stay far below the smallest limit (WeCom's 2048 bytes).
NAMES_PER_LINE = 20
# A mobile number where a provider takes one for a mention (DingTalk, WeCom).
MOBILE_RE = re.compile(r"^\+?\d{6,15}$")


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

    @property
    def body(self) -> bytes:
        """The bytes posted (UTF-8 JSON), which Feishu's size limit counts."""
        return json.dumps(self.payload, ensure_ascii=False).encode()


def build_request(
    provider: str,
    url: str,
    secret: str,
    text: str,
    now: datetime.datetime,
    mentions: tuple[str, ...] = (),
) -> ChatRequest:
    """The provider's request for one text message; `mentions` are the chat ids
    it names (DingTalk and WeCom notify them through lists beside the text)."""
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
        payload = {"msgtype": "text", "text": {"content": text}}
        if mentions:
            payload["at"] = {
                "atMobiles": [m for m in mentions if MOBILE_RE.match(m)],
                "atUserIds": [m for m in mentions if not MOBILE_RE.match(m)],
                "isAtAll": False,
            }
        return ChatRequest(url, payload)
    if provider == Provider.WECOM:
        content: dict = {"content": text}
        users = [m for m in mentions if not MOBILE_RE.match(m)]
        mobiles = [m for m in mentions if MOBILE_RE.match(m)]
        if users:
            content["mentioned_list"] = users
        if mobiles:
            content["mentioned_mobile_list"] = mobiles
        return ChatRequest(url, {"msgtype": "text", "text": content})
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


def slack_escape(text: str) -> str:
    """Slack reads &, < and > as markup: a name or title must show as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(provider: str, person: User) -> tuple[str, tuple[str, ...]]:
    """How a person is named in the provider's text, and the chat ids that notify
    them. `@login` notifies nobody on any provider: with a chat id from their
    profile, the provider's own mention; without one, the name, plainly."""
    name = person.name
    chat_id = person.chat_user_id
    if provider == Provider.SLACK:
        return (f"<@{chat_id}>", (chat_id,)) if chat_id else (slack_escape(name), ())
    if not chat_id:
        return name, ()
    if provider == Provider.FEISHU:
        return f'<at user_id="{chat_id}">{name}</at>', (chat_id,)
    if provider == Provider.DINGTALK:
        # DingTalk highlights the mention only where the text says @id.
        return f"{name} @{chat_id}", (chat_id,)
    return name, (chat_id,)  # WeCom: the mentioned lists notify; the text names


@dataclass
class Line:
    text: str
    mentions: tuple[str, ...] = ()


@dataclass
class Block:
    """A kind's headline and one line per person."""

    headline: str
    lines: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class ChatPart:
    text: str
    mentions: tuple[str, ...]


def compose_blocks(batch: list[Notification], provider: str) -> list[Block]:
    """Everyone concerned, grouped by period and kind, in the provider's markup."""
    escape = slack_escape if provider == Provider.SLACK else str
    cohort = batch[0].cohort
    groups: dict[tuple, list[Notification]] = defaultdict(list)
    for notification in batch:
        period = period_of(notification)
        groups[(period.number, list(Kind.values).index(notification.kind))].append(notification)
    blocks = []
    for (_, _), notifications in sorted(groups.items()):
        first = notifications[0]
        block = Block(escape(headline(first.kind, period_of(first), cohort.tzinfo)))
        for notification in sorted(notifications, key=lambda n: str(n.recipient).lower()):
            person, mentions = mention(provider, notification.recipient)
            if notification.kind in STUDENT_KINDS:
                block.lines.append(Line(f"- {person}", mentions))
            else:
                # The students a mentor or the TAs hear about are named, not pinged,
                # a few to a line so that a long digest can be split between lines.
                about = [escape(login) for login in notification.about]
                chunks = [
                    about[i : i + NAMES_PER_LINE] for i in range(0, len(about), NAMES_PER_LINE)
                ]
                block.lines.append(
                    Line(f"- {person}: {', '.join(chunks[0] if chunks else [])}", mentions)
                )
                block.lines += [Line(f"  {', '.join(chunk)}") for chunk in chunks[1:]]
        blocks.append(block)
    return blocks


def compose(batch: list[Notification], provider: str = Provider.FEISHU) -> list[ChatPart]:
    """The messages of one pass: one when it fits the provider's limit, else as
    many as it takes, each saying "(1/3)", with every person named in exactly one
    and a part that starts inside a kind repeating its headline."""
    escape = slack_escape if provider == Provider.SLACK else str
    title = escape(batch[0].cohort.name)
    footer = escape(absolute_url("/"))
    blocks = compose_blocks(batch, provider)
    whole = _render(title, blocks, footer)
    if _fits(provider, whole.text):
        return [whole]
    # Room for a "(12/12)" marker is kept while packing, then the real one is written.
    parts: list[list[Block]] = [[]]
    for block in blocks:
        for line in block.lines:
            current = parts[-1]
            candidate = _with_line(current, block.headline, line)
            if current and not _fits(provider, _render(f"{title} (99/99)", candidate, footer).text):
                parts.append([])
                candidate = _with_line([], block.headline, line)
            parts[-1] = candidate
    total = len(parts)
    return [
        _render(f"{title} ({number}/{total})", part, footer)
        for number, part in enumerate(parts, start=1)
    ]


def _with_line(part: list[Block], headline_text: str, line: Line) -> list[Block]:
    blocks = [Block(b.headline, list(b.lines)) for b in part]
    if not blocks or blocks[-1].headline != headline_text:
        blocks.append(Block(headline_text))
    blocks[-1].lines.append(line)
    return blocks


def _render(title: str, blocks: list[Block], footer: str) -> ChatPart:
    lines = [title]
    mentions: list[str] = []
    for block in blocks:
        lines += ["", block.headline]
        for line in block.lines:
            lines.append(line.text)
            mentions += [m for m in line.mentions if m not in mentions]
    lines += ["", footer]
    return ChatPart("\n".join(lines), tuple(mentions))


def _fits(provider: str, text: str) -> bool:
    if provider in TEXT_BYTES:
        return len(text.encode()) <= TEXT_BYTES[provider]
    if provider in TEXT_CHARACTERS:
        return len(text) <= TEXT_CHARACTERS[provider]
    if provider in BODY_BYTES:
        # The signature and timestamp add under 100 bytes; keep room for them.
        probe = build_request(provider, "", "", text, timezone.now())
        return len(probe.body) + 100 <= BODY_BYTES[provider]
    return True


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
        parts = compose(batch, policy.chat_provider)
    # Parts go one after the other; a failure part-way fails the batch, and its
    # retry sends every part again (at-least-once, as every channel).
    for part in parts:
        request = build_request(
            policy.chat_provider,
            policy.chat_webhook_url,
            policy.chat_secret,
            part.text,
            timezone.now(),
            part.mentions,
        )
        try:
            # Redirects are not followed (httpx's default): they could lead anywhere.
            response = httpx.post(
                request.url,
                content=request.body,
                headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=TIMEOUT,
            )
        except httpx.HTTPError as error:
            # The error's text may quote the URL, which holds the bot's token.
            raise DeliveryError(f"Chat webhook unreachable ({type(error).__name__}).") from error
        check_response(response)
