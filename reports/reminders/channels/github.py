"""The GitHub channel: one comment per period and pass on the period's summary
issue, @mentioning the students still missing.

Posted with the sync's GitHub client (the cohort's token or GITHUB_TOKEN,
GITHUB_API_URL, retries of 5xx answers); a rate limit comes back as a
transient failure retried when GitHub allows it again.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.utils import translation

from camp.models import User
from reports.github.client import GitHubError, RateLimited, client_for, repo_path
from reports.links import absolute_url
from reports.models import Notification
from reports.reminders.channels import DeliveryError
from reports.reminders.messages import headline


def github_name(person: User) -> str:
    """@login for people whose GitHub login the camp knows; the others by name,
    without @: their app username may be a stranger's GitHub login."""
    return f"@{person.github_login}" if person.github_login else person.name


def comment_body(batch: list[Notification]) -> str:
    cohort = batch[0].cohort
    period = batch[0].period
    by_kind: dict[str, list[str]] = defaultdict(list)
    for notification in batch:
        by_kind[notification.kind].append(github_name(notification.recipient))
    paragraphs = []
    for kind in Notification.Kind.values:
        if kind in by_kind:
            mentions = " ".join(sorted(by_kind[kind], key=str.lower))
            paragraphs.append(f"{headline(kind, period, cohort.tzinfo)}\n\n{mentions}")
    paragraphs.append(absolute_url("/"))
    return "\n\n".join(paragraphs)


def send(batch: list[Notification]) -> None:
    cohort = batch[0].cohort
    period = batch[0].period
    if not cohort.github_repo or period is None or not period.summary_issue_number:
        raise DeliveryError("The period has no summary issue on GitHub.", permanent=True)
    with translation.override(settings.LANGUAGE_CODE):
        body = comment_body(batch)
    path = repo_path(cohort.github_repo, "issues", period.summary_issue_number, "comments")
    try:
        with client_for(cohort) as client:
            # The answer's body is not needed: a 2xx means the comment exists.
            client.request("POST", path, json={"body": body})
    except RateLimited as error:
        raise DeliveryError(str(error), retry_at=error.retry_at) from error
    except GitHubError as error:
        # No status: GitHub was unreachable. 5xx: the client does not repeat a
        # POST (GitHub may have made the comment anyway), so the next pass tries
        # again: at-least-once, like every channel. Any other answer will not pass.
        transient = error.status is None or error.status >= 500
        raise DeliveryError(f"GitHub: {error}", permanent=not transient) from error
