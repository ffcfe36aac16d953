"""Polling a cohort's repository: fetch everything that changed (conditional
requests, so an idle poll costs no rate limit), then apply it in one
transaction together with the new ETags, so a run that fails half-way (a 502 on
page 2, a rate limit) changes nothing and the next run starts from the same
place."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from camp.locks import single_instance
from camp.models import Cohort
from reports.github.client import DatabaseETags, GitHubClient, Listing, Page, client_for, repo_path
from reports.github.ingest import (
    FetchedPull,
    Roster,
    SyncResult,
    apply_issue_comments,
    apply_pull,
    fetch_pull,
    period_for_issue_title,
)
from reports.models import GitHubPullRequest, GitHubSettings

# Longer than any sync should take; a crashed worker's lock expires by itself.
SYNC_LOCK_SECONDS = 15 * 60


def sync_cohort(cohort: Cohort, *, client: GitHubClient | None = None) -> SyncResult:
    """Poll the cohort's repository and apply what changed. Raises RateLimited or
    GitHubError having changed nothing."""
    result = SyncResult()
    if not cohort.github_repo:
        return result
    own_client = client is None
    client = client or client_for(cohort)
    try:
        fetched_pages: list[Page] = []
        issues = client.get_all(
            repo_path(cohort.github_repo, "issues"), state="all", sort="created", direction="asc"
        )
        fetched_pages += issues.pages
        summary: list[tuple[dict, Listing]] = []
        for issue in issues.items:
            if "pull_request" in issue or period_for_issue_title(cohort, issue["title"]) is None:
                continue
            comments = client.get_all(
                repo_path(cohort.github_repo, "issues", issue["number"], "comments")
            )
            fetched_pages += comments.pages
            summary.append((issue, comments))
        pulls: list[FetchedPull] = []
        if cohort.github_reports_path:
            listing = client.get_all(
                repo_path(cohort.github_repo, "pulls"), state="all", sort="created", direction="asc"
            )
            fetched_pages += listing.pages
            known = {p.number: p for p in GitHubPullRequest.objects.filter(cohort=cohort)}
            for pull in listing.items:
                fetched = fetch_pull(client, cohort, pull, known.get(pull["number"]))
                if fetched is not None:
                    pulls.append(fetched)
                    fetched_pages += fetched.files.pages if fetched.files else []
        with transaction.atomic():
            roster = Roster(cohort)
            for issue, comments in summary:
                apply_issue_comments(cohort, issue, comments.items, roster, result)
            for fetched in pulls:
                apply_pull(cohort, fetched, roster, result)
            DatabaseETags().remember(fetched_pages)
    finally:
        result.requests = client.log.requests
        result.not_modified = client.log.not_modified
        result.rate_limit_units = client.log.units
        result.rate_limit_remaining = client.log.rate_limit_remaining
        if own_client:
            client.close()
    return result


def cohort_sync_lock(cohort: Cohort) -> single_instance:
    """The lock one sync of the cohort holds, whoever runs it (beat, a webhook's
    follow-up, the command)."""
    return single_instance(f"github-sync:{cohort.pk}", ttl=SYNC_LOCK_SECONDS)


def run_sync(cohort: Cohort, *, client: GitHubClient | None = None) -> SyncResult | None:
    """sync_cohort under the cohort's lock, with its outcome recorded for the
    admin. None when another process is already syncing the cohort."""
    with cohort_sync_lock(cohort) as acquired:
        if not acquired:
            return None
        state, _ = GitHubSettings.objects.get_or_create(cohort=cohort)
        started = timezone.now()
        GitHubSettings.objects.filter(pk=state.pk).update(last_sync_started_at=started)
        try:
            result = sync_cohort(cohort, client=client)
        except Exception as exc:  # recorded for the admin whatever it was, then re-raised
            GitHubSettings.objects.filter(pk=state.pk).update(
                last_sync_finished_at=timezone.now(),
                last_sync_ok=False,
                last_sync_error=f"{exc.__class__.__name__}: {exc}",
            )
            raise
        GitHubSettings.objects.filter(pk=state.pk).update(
            last_sync_finished_at=timezone.now(),
            last_sync_ok=True,
            last_sync_result=result.as_dict(),
            last_sync_error="",
        )
        return result
