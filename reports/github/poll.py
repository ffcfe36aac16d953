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
from reports.github.client import (
    DatabaseETags,
    GitHubClient,
    Listing,
    Page,
    app_login,
    client_for,
    repo_path,
    repository_name,
)
from reports.github.ingest import (
    FetchedPull,
    LoginIndex,
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
        moved_to = _moved_to(client, cohort)
        roster = LoginIndex(cohort)
        if any(roster.is_unknown(c.get("user")) for _, comments in summary for c in comments.items):
            roster.own_login = app_login(client).lower()
        with transaction.atomic():
            if moved_to:
                result.repository_moved = record_repository_move(cohort, moved_to)
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


def _moved_to(client: GitHubClient, cohort: Cohort) -> str:
    """The repository's new owner/name when GitHub redirected us to it, else ""."""
    repository_id = client.moved_repository_id()
    if repository_id is None:
        return ""
    name = repository_name(client, repository_id)
    return name if name and name.lower() != cohort.github_repo.lower() else ""


def record_repository_move(cohort: Cohort, new_name: str) -> str:
    """The cohort follows its renamed or transferred repository; the TA sees the
    old name in the cohort's GitHub settings and in the sync result. Returns
    "old -> new"."""
    old_name = cohort.github_repo
    cohort.github_repo = new_name
    cohort.save(update_fields=["github_repo"])
    GitHubSettings.objects.update_or_create(
        cohort=cohort, defaults={"repository_renamed_from": old_name}
    )
    return f"{old_name} -> {new_name}"


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
