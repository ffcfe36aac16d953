"""The GitHub channel: one comment per period and pass on the period's summary
issue, @mentioning the students still missing.

The GitHub client of the sync (reports/github/client.py) is not on main yet,
so this posts with httpx directly, honouring GITHUB_API_URL (GitHub Enterprise
included) and GITHUB_TOKEN.
"""

from __future__ import annotations

from collections import defaultdict

import httpx
from django.conf import settings
from django.utils import translation

from reports.models import Notification
from reports.notify import DeliveryError
from reports.notify.messages import absolute_url, headline

TIMEOUT = 15.0


def comment_body(batch: list[Notification]) -> str:
    cohort = batch[0].cohort
    period = batch[0].period
    by_kind: dict[str, list[str]] = defaultdict(list)
    for notification in batch:
        by_kind[notification.kind].append(f"@{notification.recipient}")
    paragraphs = []
    for kind in Notification.Kind.values:
        if kind in by_kind:
            mentions = " ".join(sorted(by_kind[kind], key=str.lower))
            paragraphs.append(f"{headline(kind, period, cohort.tzinfo)}\n\n{mentions}")
    paragraphs.append(absolute_url("/"))
    return "\n\n".join(paragraphs)


def issue_comments_url(repo: str, number: int) -> str:
    return f"{settings.GITHUB_API_URL}/repos/{repo}/issues/{number}/comments"


def send(batch: list[Notification]) -> None:
    cohort = batch[0].cohort
    period = batch[0].period
    if not cohort.github_repo or period is None or not period.summary_issue_number:
        raise DeliveryError("The period has no summary issue on GitHub.", permanent=True)
    with translation.override(settings.LANGUAGE_CODE):
        body = comment_body(batch)
    headers = {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "camp-reports",
    }
    if settings.GITHUB_TOKEN:
        headers["Authorization"] = f"Bearer {settings.GITHUB_TOKEN}"
    url = issue_comments_url(cohort.github_repo, period.summary_issue_number)
    try:
        response = httpx.post(url, json={"body": body}, headers=headers, timeout=TIMEOUT)
    except httpx.HTTPError as error:
        raise DeliveryError(f"GitHub unreachable: {error}") from error
    if response.status_code == 201:
        return
    # GitHub signals rate limits with 403 or 429 and these headers; they pass.
    rate_limited = response.status_code == 429 or (
        response.status_code == 403
        and (
            response.headers.get("x-ratelimit-remaining") == "0"
            or "retry-after" in response.headers
        )
    )
    transient = rate_limited or response.status_code >= 500
    raise DeliveryError(
        f"GitHub answered HTTP {response.status_code}: {response.text[:200]}",
        permanent=not transient,
    )
