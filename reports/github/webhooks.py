"""GitHub webhooks: check the signature, store each delivery once, process it in
the worker. Polling stays the safety net for deliveries that never arrive."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from django.db import IntegrityError, transaction
from django.utils import timezone

from camp.models import Cohort, mark_cohort_changed
from reports.github.client import RateLimited, app_login_for, client_for
from reports.github.ingest import (
    FetchedPull,
    LoginIndex,
    SyncResult,
    apply_comment,
    apply_pull,
    fetch_pull,
    link_summary_issue,
    mark_comment_deleted,
    period_for_issue_title,
)
from reports.models import GitHubPullRequest, WebhookDelivery

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 5 * 1024 * 1024
HANDLED_EVENTS = frozenset({"issue_comment", "issues", "pull_request"})
# The pull_request actions that can change a report; labeled, assigned,
# review_requested and the rest would only cost a listing of the files.
PULL_ACTIONS = frozenset({"opened", "reopened", "synchronize", "closed", "edited"})


class BadDelivery(ValueError):
    pass


def signature_is_valid(secret: str, body: bytes, signature: str) -> bool:
    """X-Hub-Signature-256: HMAC-SHA256 of the raw body, compared in constant time.
    Without a configured secret nothing is valid: an open endpoint would let
    anyone write reports."""
    if not secret or not signature.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode())


def parse_payload(body: bytes, content_type: str) -> dict:
    """JSON, or the form encoding GitHub offers as an alternative (payload=...)."""
    try:
        if content_type.startswith("application/x-www-form-urlencoded"):
            text = parse_qs(body.decode("utf-8")).get("payload", [""])[0]
        else:
            text = body.decode("utf-8")
        payload = json.loads(text)
    # RecursionError: a body nested deeper than Python's json module follows.
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadDelivery("The body is not a JSON payload.") from exc
    if not isinstance(payload, dict):
        raise BadDelivery("The payload is not a JSON object.")
    return payload


def store_delivery(delivery_id: str, event: str, payload: dict) -> tuple[WebhookDelivery, bool]:
    """One row per X-GitHub-Delivery; a redelivery finds the existing row.
    Returns the row and whether it is new."""
    handled = event in HANDLED_EVENTS
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                delivery_id=delivery_id,
                event=event,
                action=str(payload.get("action") or "")[:50],
                repository=str((payload.get("repository") or {}).get("full_name") or "")[:200],
                payload=payload,
                status=WebhookDelivery.Status.RECEIVED
                if handled
                else WebhookDelivery.Status.IGNORED,
            )
    except IntegrityError:
        return WebhookDelivery.objects.get(delivery_id=delivery_id), False
    return delivery, True


# A delivery still `received` this long after it arrived lost its task (the
# broker was away when the webhook answered, or a worker died with it).
STALLED_AFTER = datetime.timedelta(minutes=2)


def stalled_deliveries(now: datetime.datetime) -> list[int]:
    """Ids of stored deliveries that no task has processed, oldest first."""
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.RECEIVED, received_at__lt=now - STALLED_AFTER
        )
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)
    )


def cohorts_for_repo(full_name: str) -> list[Cohort]:
    if not full_name:
        return []
    return list(Cohort.objects.filter(github_repo__iexact=full_name).order_by("pk"))


def process_delivery(
    delivery: WebhookDelivery, *, resync: Callable[[int], object] | None = None
) -> dict[str, Any]:
    """Apply one stored delivery. Raises RateLimited (the task reschedules); any
    other error marks the delivery failed (never left `received`), and the next
    poll catches up.
    `resync(cohort_id)` asks for a full sync of a cohort after commit, when the
    delivery says more changed than it carries (the caller enqueues it)."""
    if delivery.status != WebhookDelivery.Status.RECEIVED:
        return delivery.result
    try:
        # Whatever GitHub must still tell us is fetched before the transaction
        # opens, as the polling run does: on SQLite an open write transaction
        # holds the database lock through every timeout and retry of the fetch.
        payload = delivery.payload
        pulls = own_logins = None
        if delivery.event == "pull_request":
            pulls = _fetch_pulls(payload)
        elif delivery.event == "issue_comment":
            own_logins = _own_logins(payload)
        with transaction.atomic():
            if pulls is not None:
                outcome = _apply_pulls(payload, pulls)
            elif delivery.event == "issues":
                outcome = _issues(payload, resync)
            else:
                outcome = _issue_comment(payload, own_logins or {})
        result = outcome.as_dict()
    except RateLimited:
        raise
    except Exception as exc:  # recorded on the delivery whatever it was: never stuck in received
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.error = f"{exc.__class__.__name__}: {exc}"
        delivery.processed_at = timezone.now()
        delivery.save(update_fields=["status", "error", "processed_at"])
        logger.warning("webhook delivery %s failed: %s", delivery.delivery_id, exc, exc_info=True)
        return {}
    delivery.status = WebhookDelivery.Status.PROCESSED
    delivery.result = result
    delivery.processed_at = timezone.now()
    delivery.save(update_fields=["status", "result", "processed_at"])
    return result


def _own_logins(payload: dict) -> dict[int, str]:
    """The app's own GitHub login for each cohort of the repository where the
    comment's author is otherwise unknown (asked before the transaction opens;
    cached after the first time)."""
    user = payload["comment"].get("user")
    return {
        cohort.pk: app_login_for(cohort)
        for cohort in cohorts_for_repo(payload["repository"]["full_name"])
        if LoginIndex(cohort).is_unknown(user)
    }


def _issue_comment(payload: dict, own_logins: dict[int, str]) -> SyncResult:
    result = SyncResult()
    issue, comment = payload["issue"], payload["comment"]
    if "pull_request" in issue:
        return result
    if payload["action"] == "deleted":
        result.deleted_comments += int(mark_comment_deleted(comment["id"]))
        return result
    for cohort in cohorts_for_repo(payload["repository"]["full_name"]):
        period = period_for_issue_title(cohort, issue["title"])
        if period is None:
            continue
        link_summary_issue(period, issue)
        roster = LoginIndex(cohort, own_login=own_logins.get(cohort.pk, ""))
        apply_comment(cohort, period, comment, roster, result)
    return result


def _issues(payload: dict, resync: Callable[[int], object] | None) -> SyncResult:
    """A summary issue opened or retitled: link it to its period; an edited title
    may bring comments along, which a full sync of the cohort picks up."""
    result = SyncResult()
    issue = payload["issue"]
    if payload["action"] not in ("opened", "edited", "reopened") or "pull_request" in issue:
        return result
    for cohort in cohorts_for_repo(payload["repository"]["full_name"]):
        period = period_for_issue_title(cohort, issue["title"])
        if period is None:
            continue
        result.summary_issues += 1
        link_summary_issue(period, issue)
        if payload["action"] != "opened" and issue.get("comments") and resync is not None:
            resync(cohort.pk)
    return result


@dataclass
class FetchedPulls:
    """A pull request as each cohort of its repository needs it (None: nothing
    to read, as it is closed unmerged or ingested already)."""

    by_cohort: list[tuple[Cohort, FetchedPull | None]]
    requests: int = 0


def _fetch_pulls(payload: dict) -> FetchedPulls:
    pull = payload["pull_request"]
    fetched = FetchedPulls([])
    if payload.get("action") not in PULL_ACTIONS:
        return fetched
    for cohort in cohorts_for_repo(payload["repository"]["full_name"]):
        if not cohort.github_reports_path:
            continue
        known = GitHubPullRequest.objects.filter(cohort=cohort, number=pull["number"]).first()
        with client_for(cohort) as client:
            fetched.by_cohort.append((cohort, fetch_pull(client, cohort, pull, known)))
            fetched.requests += client.log.requests
    return fetched


def _apply_pulls(payload: dict, fetched: FetchedPulls) -> SyncResult:
    result = SyncResult(requests=fetched.requests)
    pull = payload["pull_request"]
    for cohort, files in fetched.by_cohort:
        if files is None:
            if not pull.get("merged_at"):
                closed = GitHubPullRequest.objects.filter(
                    cohort=cohort, number=pull["number"]
                ).update(state=GitHubPullRequest.State.CLOSED)
                if closed:
                    mark_cohort_changed(cohort.pk)
            continue
        apply_pull(cohort, files, LoginIndex(cohort), result)
    return result
