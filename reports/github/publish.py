"""Publish a period's summary into its summary issue on GitHub.

The summary text itself comes from the overview
(`reports.overview.period_summary`); this module only finds or creates the
issue and writes the text between markers, and only when it changed.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import asdict, dataclass

from django.conf import settings

from camp.models import Cohort, Role, User
from reports.github.client import PER_PAGE, GitHubClient, GitHubError, client_for, repo_path
from reports.github.ingest import link_summary_issue, period_for_issue_title
from reports.github.poll import record_repository_move
from reports.models import GitHubSettings, Period
from reports.overview.summary import period_summary
from reports.parsing import normalize_text

logger = logging.getLogger(__name__)

START_MARKER = "<!-- camp-reports:summary -->"
END_MARKER = "<!-- /camp-reports:summary -->"
# The camp's summary issue, as the PaddlePaddle camps title and open it by hand.
ISSUE_TITLE = "{tag} {start:%Y.%m.%d}~{end:%Y.%m.%d} 周报汇总"
ISSUE_INTRO = (
    "本期周报汇总（{start:%Y.%m.%d}~{end:%Y.%m.%d}），截止时间 {due:%Y.%m.%d %H:%M}。"
    "请在本 issue 下评论提交周报，或按模板提交 PR。\n\n"
)


class CannotPublish(RuntimeError):
    pass


@dataclass
class PublishResult:
    action: str  # unchanged, updated, created, would-update, would-create
    issue_number: int | None
    issue_url: str
    body: str
    requests: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def summary_markdown(cohort: Cohort, period: Period) -> str:
    """The overview's period summary (per project, `- [x] @student (@mentor)`),
    each report linked to its page: the issue lives on GitHub, so the links are
    absolute, on SITE_URL."""
    students = User.objects.filter(memberships__cohort=cohort, memberships__role=Role.STUDENT)
    return period_summary(cohort, period, students, report_url=settings.SITE_URL)


def with_summary(body: str, summary: str) -> str:
    """The issue body with the summary between our markers, the rest untouched."""
    block = f"{START_MARKER}\n{summary.strip()}\n{END_MARKER}"
    body = normalize_text(body or "")
    start, end = body.find(START_MARKER), body.find(END_MARKER)
    if start != -1 and end > start:
        return body[:start] + block + body[end + len(END_MARKER) :]
    return (body.rstrip() + "\n\n" + block).lstrip() if body.strip() else block


def _find_issue(client: GitHubClient, cohort: Cohort, period: Period) -> dict | None:
    if period.summary_issue_number:
        number = period.summary_issue_number
        issue = client.get_json(repo_path(cohort.github_repo, "issues", number))
        if not _is_issue_of(issue, cohort.github_repo, number) and client.redirects:
            # The repository itself may have been renamed: then the issue is still ours.
            current = client.get_json(repo_path(cohort.github_repo)) or {}
            new_name = str(current.get("full_name") or "")
            if new_name.lower() != cohort.github_repo.lower() and _is_issue_of(
                issue, new_name, number
            ):
                record_repository_move(cohort, new_name)
        if not _is_issue_of(issue, cohort.github_repo, number):
            # GitHub followed a transferred issue (or a renamed repository) elsewhere:
            # writing there by our number would change another issue.
            where = issue.get("html_url", "") if isinstance(issue, dict) else ""
            raise GitHubError(
                f"Summary issue #{number} of {cohort.github_repo} has moved ({where}); "
                "not publishing there. Link the period to its issue again (or let the "
                "next sync record a renamed repository)."
            )
        return issue
    listing = client.get_all(
        repo_path(cohort.github_repo, "issues"), state="all", sort="created", direction="asc"
    )
    for issue in listing.items:
        if "pull_request" in issue:
            continue
        found = period_for_issue_title(cohort, issue["title"])
        if found is not None and found.pk == period.pk:
            return issue
    return None


def _is_issue_of(issue: object, repo: str, number: int) -> bool:
    if not isinstance(issue, dict) or issue.get("number") != number:
        return False
    repository_url = str(issue.get("repository_url") or "")
    return not repository_url or repository_url.lower().endswith("/repos/" + repo.lower())


def _newest_issue_titled(client: GitHubClient, cohort: Cohort, title: str) -> dict | None:
    """The newest issue with exactly this title, in one request (newest first)."""
    newest = client.get_json(
        repo_path(cohort.github_repo, "issues"),
        state="all",
        sort="created",
        direction="desc",
        per_page=PER_PAGE,
    )
    for issue in newest:
        if "pull_request" not in issue and issue.get("title") == title:
            return issue
    return None


def publish_summary(
    cohort: Cohort,
    period: Period,
    *,
    client: GitHubClient | None = None,
    dry_run: bool = False,
) -> PublishResult:
    """Write the period's summary into its issue; create the issue when missing and
    the cohort allows it. Writes nothing when the text is already there."""
    if not cohort.github_repo:
        raise CannotPublish(f"Cohort {cohort.slug} has no GitHub repository.")
    summary = summary_markdown(cohort, period)
    own_client = client is None
    client = client or client_for(cohort)
    try:
        issue = _find_issue(client, cohort, period)
        if issue is None:
            return _create(client, cohort, period, summary, dry_run=dry_run)
        if not dry_run:
            link_summary_issue(period, issue)
        body = with_summary(issue.get("body") or "", summary)
        if body == normalize_text(issue.get("body") or ""):
            action = "unchanged"
        elif dry_run:
            action = "would-update"
        else:
            client.patch_json(
                repo_path(cohort.github_repo, "issues", issue["number"]), {"body": body}
            )
            action = "updated"
        return PublishResult(
            action, issue["number"], issue["html_url"], body, requests=client.log.requests
        )
    finally:
        if own_client:
            client.close()


def _create(
    client: GitHubClient, cohort: Cohort, period: Period, summary: str, *, dry_run: bool
) -> PublishResult:
    allowed = GitHubSettings.objects.filter(cohort=cohort, create_summary_issues=True).exists()
    if not allowed:
        raise CannotPublish(
            f"Period {period.number} of {cohort.slug} has no summary issue, and the cohort "
            "does not allow creating one (GitHub settings in the admin)."
        )
    local_due = period.due_at.astimezone(cohort.tzinfo)
    title = ISSUE_TITLE.format(
        tag=cohort.github_summary_tag, start=period.starts_on, end=period.ends_on
    )
    intro = ISSUE_INTRO.format(start=period.starts_on, end=period.ends_on, due=local_due)
    body = with_summary(intro, summary)
    if dry_run:
        return PublishResult("would-create", None, "", body, requests=client.log.requests)
    try:
        issue = client.post_json(
            repo_path(cohort.github_repo, "issues"), {"title": title, "body": body}
        )
    except GitHubError as error:
        if error.status is not None and error.status < 500:
            raise
        # A 5xx or a timeout does not say the issue was not created: GitHub
        # sometimes creates it and still fails the answer. Adopt it if it is
        # there; otherwise fail, and the next run's _find_issue lists it (or not)
        # before creating anything again.
        issue = _newest_issue_titled(client, cohort, title)
        if issue is None:
            raise
    link_summary_issue(period, issue)
    return PublishResult(
        "created", issue["number"], issue["html_url"], body, requests=client.log.requests
    )


def periods_to_keep_current(cohort: Cohort, now: datetime.datetime) -> list[Period]:
    """Periods whose summary still moves: started, and due no more than two
    periods ago (late reports keep arriving for a while)."""
    horizon = now - datetime.timedelta(days=2 * cohort.period_days)
    today = now.astimezone(cohort.tzinfo).date()
    return list(cohort.periods.filter(starts_on__lte=today, due_at__gte=horizon))
