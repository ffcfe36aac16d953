"""The app writes back to GitHub: reviews where their reports came from, and
web-form and API reports on the period's summary issue (the cohort's
`github_write_back` setting).

Every write is a GitHubWrite row first (the outbox), performed later by
`push_writes`, from a Celery task enqueued after commit or from the
`push_github` command. The design, and why it never posts twice:

- What to write is derived from state, like the reminder planner: `plan_writes`
  looks at the reviews and web reports of the cohort's recent periods and keeps
  one row per object, keyed "review:<id>" or "report:<id>" (unique). The row is
  created in the same transaction as the review or report (a post_save
  receiver in reports.github.receivers, whichever door wrote it), and the periodic pass plans again, which
  catches writes that bypass save() (bulk approval). The core write paths
  (reports.submissions, reports.reviews) are untouched and import nothing here.
- A row whose text changed (an edited review or report) goes back to pending
  and is written by editing the same comment or review (`github_id`).
- A sender claims a row with a conditional update (pending -> sending), so two
  workers never send the same row. A claim older than CLAIM_EXPIRES is taken
  over (a worker died mid-write).
- POSTs are never repeated blindly (reports.github.client): each text carries
  a hidden marker with the row's key, and a row that was tried before first
  looks for its marker on GitHub and adopts what it finds instead of posting
  again.
- A rate limit puts the row back to pending until GitHub allows it; a 5xx
  retries with backoff, up to MAX_ATTEMPTS; any other refusal (403, 404, 422)
  is permanent: the row is failed with the reason, shown to the TA in the
  admin, who may retry it from there.

The report check of open pull requests (reports.github.checks) goes the same
way: a row per pull request and head commit ("status:<pull>:<sha>"), planned
whenever a sync or webhook saves the pull request (reports.github.receivers), performed by setting the
commit status `camp-reports/report`.

These comments are the app's own: the sync skips the token's own login, and
comments carrying our marker that are not a roster student's.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from camp.models import Cohort
from reports.github.checks import pull_problems, status_payload
from reports.github.client import (
    GitHubClient,
    GitHubError,
    RateLimited,
    client_for,
    repo_path,
)
from reports.github.ingest import WRITE_MARKER
from reports.github.publish import CannotPublish, periods_to_keep_current, publish_summary
from reports.links import absolute_url, blocker_path, report_path
from reports.models import (
    Blocker,
    GitHubPullRequest,
    GitHubWrite,
    Period,
    Report,
    Review,
    Source,
)

logger = logging.getLogger(__name__)

MARKER = WRITE_MARKER + "{key} -->"
CLAIM_EXPIRES = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 5
BACKOFF = (2, 4, 8, 16)  # minutes, after attempts 1..4
# Reports that came from the app's own doors are published; GitHub's are there already.
PUBLISHED_SOURCES = (Source.WEB, Source.API)
# Reviews that came from GitHub, or from a camp's history, are not written back.
NOT_WRITTEN_REVIEW_SOURCES = (Source.GITHUB_COMMENT, Source.GITHUB_FILE, Source.IMPORT)
PERMISSION_HINT = (
    "GitHub refused the write (HTTP {status}): the token needs {permission} (fine-grained) "
    "or repo (classic) on {repo}, and the repository must exist."
)
# The fine-grained permission each kind of write needs (docs/github.md, "Token permissions").
PERMISSION_FOR = {
    GitHubWrite.Kind.REVIEW_COMMENT: "Issues: write",
    GitHubWrite.Kind.REPORT_COMMENT: "Issues: write",
    GitHubWrite.Kind.PULL_REVIEW: "Pull requests: write",
    GitHubWrite.Kind.PULL_COMMENT: "Pull requests: write",
    GitHubWrite.Kind.COMMIT_STATUS: "Commit statuses: write",
    GitHubWrite.Kind.BLOCKER_ISSUE: "Issues: write",
}
BLOCKER_ISSUE_KEY = "blocker-issue:{pk}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _mention(report: Report) -> str:
    student = report.student
    return f"@{student.github_login}" if student.github_login else student.name


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.strip().splitlines())


# ---------------------------------------------------------------- texts


def review_text(review: Review) -> str:
    """A review as GitHub shows it: the student @mentioned, the verdict in the
    camp's language, the review quoted, a link to the report page."""
    report = review.report
    with translation.override(settings.LANGUAGE_CODE):
        verdict = str(Review.Verdict(review.verdict).label)
        reviewer = review.mentor.name if review.mentor else _("a mentor")
        lines = [
            _("%(student)s %(verdict)s (reviewed by %(reviewer)s)")
            % {"student": _mention(report), "verdict": verdict, "reviewer": reviewer}
        ]
        if review.body.strip():
            lines += ["", _quote(review.body)]
        lines += [
            "",
            _("[The report in Camp Reports](%(url)s)")
            % {"url": absolute_url(report_path(report.pk))},
        ]
    return "\n".join(lines) + "\n\n" + MARKER.format(key=f"review:{review.pk}")


def report_text(report: Report) -> str:
    """A web or API report in the camp's summary-issue format: the student
    @mentioned, the body, and where it was submitted."""
    with translation.override(settings.LANGUAGE_CODE):
        head = _("%(student)s's report") % {"student": _mention(report)}
        foot = _("Submitted through Camp Reports: %(url)s") % {
            "url": absolute_url(report_path(report.pk))
        }
    return f"{head}\n\n{report.body.strip()}\n\n---\n{foot}\n\n" + MARKER.format(
        key=f"report:{report.pk}"
    )


def blocker_issue_title(blocker: Blocker) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        head = _("Blocker of %(student)s") % {"student": blocker.student.name}
    first_line = " ".join(blocker.text.split())
    return f"{head}: {first_line[:120]}"


def blocker_issue_text(blocker: Blocker) -> str:
    """The issue a TA opens for a blocker: what the student wrote, quoted (it
    mentions nobody), and a link back to the report that names it."""
    with translation.override(settings.LANGUAGE_CODE):
        head = _("%(student)s has been blocked since period %(number)s:") % {
            "student": _mention(blocker.report),
            "number": blocker.opened_period.number,
        }
        foot = _("[The blocker in Camp Reports](%(url)s)") % {
            "url": absolute_url(blocker_path(blocker.report_id, blocker.pk))
        }
    return f"{head}\n\n{_quote(blocker.text)}\n\n{foot}\n\n" + MARKER.format(
        key=BLOCKER_ISSUE_KEY.format(pk=blocker.pk)
    )


def _blocker_of(row: GitHubWrite) -> Blocker:
    pk = int(row.key.rsplit(":", 1)[1])
    return Blocker.objects.select_related("student", "report__student", "opened_period").get(pk=pk)


def wanted_text(row: GitHubWrite) -> str:
    return review_text(row.review) if row.review_id else report_text(row.report)


# ---------------------------------------------------------------- planning


def _pull_of(report: Report) -> GitHubPullRequest | None:
    if not report.source_url:
        return None
    return GitHubPullRequest.objects.filter(
        cohort=report.period.cohort_id, html_url=report.source_url
    ).first()


def _review_kind(review: Review) -> str | None:
    report = review.report
    if report.source == Source.GITHUB_COMMENT:
        return GitHubWrite.Kind.REVIEW_COMMENT
    if (
        report.source in PUBLISHED_SOURCES
        and report.github_writes.filter(kind=GitHubWrite.Kind.REPORT_COMMENT).exists()
    ):
        # A web report the app published: its review goes under it, on the same issue.
        return GitHubWrite.Kind.REVIEW_COMMENT
    if report.source == Source.GITHUB_FILE:
        pull = _pull_of(report)
        if pull is None:
            return None
        if pull.state == GitHubPullRequest.State.OPEN:
            return GitHubWrite.Kind.PULL_REVIEW
        return GitHubWrite.Kind.PULL_COMMENT
    return None


def _keep(cohort: Cohort, key: str, kind: str, report: Report, review: Review | None) -> bool:
    """Create the row, or send it again when the text changed since it was
    written. True when there is something to send."""
    text = review_text(review) if review else report_text(report)
    row, created = GitHubWrite.objects.get_or_create(
        key=key, defaults={"cohort": cohort, "kind": kind, "report": report, "review": review}
    )
    if created:
        return True
    if row.state == GitHubWrite.State.DONE and row.written_digest != _digest(text):
        GitHubWrite.objects.filter(pk=row.pk, state=GitHubWrite.State.DONE).update(
            state=GitHubWrite.State.PENDING, attempts=0, retry_at=None
        )
        return True
    return row.state == GitHubWrite.State.PENDING


def _writes_back(cohort: Cohort) -> bool:
    return cohort.github_write_back and bool(cohort.github_repo)


def plan_report(report: Report) -> int | None:
    """The rows for one report and its reviews. The cohort's id when something
    waits to be sent, else None. One query when the cohort does not write back."""
    cohort = (
        Cohort.objects.filter(periods=report.period_id, github_write_back=True)
        .exclude(github_repo="")
        .first()
    )
    if cohort is None or report.period_id not in {p.pk for p in _current_periods(cohort)}:
        return None
    waiting = False
    if report.source in PUBLISHED_SOURCES and report.status == Report.Status.SUBMITTED:
        waiting |= _keep(
            cohort, f"report:{report.pk}", GitHubWrite.Kind.REPORT_COMMENT, report, None
        )
    reviews = report.reviews.exclude(source__in=NOT_WRITTEN_REVIEW_SOURCES).select_related(
        "mentor", "report__student"
    )
    for review in reviews:
        kind = _review_kind(review)
        if kind is not None:
            waiting |= _keep(cohort, f"review:{review.pk}", kind, report, review)
    return cohort.pk if waiting else None


def plan_pull(pull: GitHubPullRequest) -> int | None:
    """The report check of an open pull request's head commit: one row per
    commit, so every push (`synchronize`) is checked again. The cohort's id
    when something waits to be sent, else None."""
    if pull.state != GitHubPullRequest.State.OPEN or not pull.head_sha or not pull.report_paths:
        return None
    cohort = (
        Cohort.objects.filter(pk=pull.cohort_id, github_write_back=True)
        .exclude(github_repo="")
        .first()
    )
    if cohort is None:
        return None
    row, created = GitHubWrite.objects.get_or_create(
        key=f"status:{pull.pk}:{pull.head_sha}",
        defaults={"cohort": cohort, "kind": GitHubWrite.Kind.COMMIT_STATUS, "pull": pull},
    )
    return cohort.pk if created or row.state == GitHubWrite.State.PENDING else None


def plan_blocker_issue(blocker: Blocker) -> GitHubWrite:
    """The outbox row that opens an issue for the blocker in the cohort's
    repository (a TA asked: reports.blockers.views), once per blocker."""
    row, _created = GitHubWrite.objects.get_or_create(
        key=BLOCKER_ISSUE_KEY.format(pk=blocker.pk),
        defaults={
            "cohort_id": blocker.cohort_id,
            "kind": GitHubWrite.Kind.BLOCKER_ISSUE,
            "report_id": blocker.report_id,
        },
    )
    return row


def _current_periods(cohort: Cohort) -> list[Period]:
    # Like the summaries: periods still moving. Switching write-back on posts
    # the recent reviews, never a cohort's whole history.
    return periods_to_keep_current(cohort, timezone.now())


def plan_writes(cohort: Cohort) -> int:
    """Rows for every review and web report of the cohort's recent periods.
    Returns how many wait to be sent."""
    if not _writes_back(cohort):
        return 0
    periods = _current_periods(cohort)
    reports = (
        Report.objects.filter(period__in=periods)
        .filter(
            Q(source__in=PUBLISHED_SOURCES, status=Report.Status.SUBMITTED)
            | Q(reviews__isnull=False)
        )
        .distinct()
        .select_related("student", "period__cohort")
    )
    planned = sum(plan_report(report) is not None for report in reports)
    open_pulls = GitHubPullRequest.objects.filter(
        cohort=cohort, state=GitHubPullRequest.State.OPEN
    ).exclude(head_sha="")
    return planned + sum(plan_pull(pull) is not None for pull in open_pulls)


# ---------------------------------------------------------------- sending


@dataclass
class WriteOutcome:
    kind: str
    key: str
    state: str
    url: str
    # created, edited, adopted, rescheduled, failed; a status: success, failure, superseded
    action: str
    error: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def _claim(row_id: int, now: datetime.datetime) -> GitHubWrite | None:
    due = Q(state=GitHubWrite.State.PENDING) & (Q(retry_at=None) | Q(retry_at__lte=now))
    stale = Q(state=GitHubWrite.State.SENDING, claimed_at__lt=now - CLAIM_EXPIRES)
    claimed = GitHubWrite.objects.filter(due | stale, pk=row_id).update(
        state=GitHubWrite.State.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return GitHubWrite.objects.select_related(
        "cohort", "report__student", "report__period", "review__mentor", "pull__cohort"
    ).get(pk=row_id)


def _due_rows(cohort: Cohort, now: datetime.datetime) -> list[int]:
    due = Q(state=GitHubWrite.State.PENDING) & (Q(retry_at=None) | Q(retry_at__lte=now))
    stale = Q(state=GitHubWrite.State.SENDING, claimed_at__lt=now - CLAIM_EXPIRES)
    return list(
        GitHubWrite.objects.filter(due | stale, cohort=cohort)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )


def push_writes(cohort: Cohort, *, client: GitHubClient | None = None) -> list[WriteOutcome]:
    """Plan, then perform every due write of the cohort. Raises RateLimited
    (having put the row back) so a task can reschedule itself."""
    plan_writes(cohort)
    own_client = client is None
    client = client or client_for(cohort)
    outcomes: list[WriteOutcome] = []
    try:
        for row_id in _due_rows(cohort, timezone.now()):
            row = _claim(row_id, timezone.now())
            if row is not None:
                outcomes.append(_perform(client, row))
    finally:
        if own_client:
            client.close()
    return outcomes


def _perform(client: GitHubClient, row: GitHubWrite) -> WriteOutcome:
    try:
        if row.kind == GitHubWrite.Kind.COMMIT_STATUS:
            text = ""
            action, github_id, url = _write_status(client, row)
        elif row.kind == GitHubWrite.Kind.BLOCKER_ISSUE:
            blocker = _blocker_of(row)
            text = blocker_issue_text(blocker)
            action, github_id, url = _write_blocker_issue(client, row, blocker, text)
        else:
            text = wanted_text(row)
            action, github_id, url = _write(client, row, text)
    except RateLimited as exc:
        GitHubWrite.objects.filter(pk=row.pk).update(
            state=GitHubWrite.State.PENDING,
            retry_at=exc.retry_at,
            attempts=max(0, row.attempts - 1),
            last_error=str(exc),
        )
        raise
    except (GitHubError, CannotPublish) as exc:
        return _failed(row, exc)
    GitHubWrite.objects.filter(pk=row.pk).update(
        state=GitHubWrite.State.DONE,
        github_id=github_id,
        url=url,
        written_digest=_digest(text),
        written_at=timezone.now(),
        last_error="",
        retry_at=None,
        attempts=0,
    )
    return WriteOutcome(row.kind, row.key, GitHubWrite.State.DONE, url, action)


def _failed(row: GitHubWrite, exc: Exception) -> WriteOutcome:
    status = getattr(exc, "status", None)
    temporary = isinstance(exc, GitHubError) and (status is None or status >= 500)
    if status in (401, 403, 404):
        error = PERMISSION_HINT.format(
            status=status, permission=PERMISSION_FOR[row.kind], repo=row.cohort.github_repo
        )
        error += f" ({exc})"
    else:
        error = f"{exc.__class__.__name__}: {exc}"
    if temporary and row.attempts < MAX_ATTEMPTS:
        wait = datetime.timedelta(minutes=BACKOFF[min(row.attempts, len(BACKOFF)) - 1])
        GitHubWrite.objects.filter(pk=row.pk).update(
            state=GitHubWrite.State.PENDING, retry_at=timezone.now() + wait, last_error=error
        )
        return WriteOutcome(
            row.kind, row.key, GitHubWrite.State.PENDING, row.url, "rescheduled", error
        )
    GitHubWrite.objects.filter(pk=row.pk).update(state=GitHubWrite.State.FAILED, last_error=error)
    logger.warning("GitHub write %s failed: %s", row.key, error)
    return WriteOutcome(row.kind, row.key, GitHubWrite.State.FAILED, row.url, "failed", error)


def _write(client: GitHubClient, row: GitHubWrite, text: str) -> tuple[str, int | None, str]:
    repo = row.cohort.github_repo
    marker = MARKER.format(key=row.key)
    if row.kind == GitHubWrite.Kind.PULL_REVIEW:
        number = _pull_number(row)
        reviews_path = repo_path(repo, "pulls", number, "reviews")
        github_id = row.github_id or _find_marked(client, row, reviews_path, marker)
        if github_id:
            # GitHub updates a submitted review's body only; its verdict stays.
            found = client.request("PUT", f"{reviews_path}/{github_id}", json={"body": text}).json()
            return ("edited" if row.github_id else "adopted"), github_id, found["html_url"]
        event = {
            Review.Verdict.APPROVED: "APPROVE",
            Review.Verdict.NEEDS_CHANGES: "REQUEST_CHANGES",
        }.get(row.review.verdict, "COMMENT")
        made = client.post_json(reviews_path, {"body": text, "event": event})
        return "created", made["id"], made["html_url"]
    number = (
        _pull_number(row)
        if row.kind == GitHubWrite.Kind.PULL_COMMENT
        else _issue_number(client, row)
    )
    comments_path = repo_path(repo, "issues", number, "comments")
    github_id = row.github_id or _find_marked(client, row, comments_path, marker)
    if github_id:
        found = client.patch_json(repo_path(repo, "issues", "comments", github_id), {"body": text})
        return ("edited" if row.github_id else "adopted"), github_id, found["html_url"]
    made = client.post_json(comments_path, {"body": text})
    return "created", made["id"], made["html_url"]


def _write_blocker_issue(
    client: GitHubClient, row: GitHubWrite, blocker: Blocker, text: str
) -> tuple[str, int | None, str]:
    """Open the issue (or edit the one opened before; `github_id` is its
    number), and link the blocker to it: the issue links back to the blocker."""
    issues_path = repo_path(row.cohort.github_repo, "issues")
    number = row.github_id or _find_marked_issue(client, row, issues_path)
    payload = {"title": blocker_issue_title(blocker), "body": text}
    if number:
        found = client.patch_json(f"{issues_path}/{number}", payload)
        action = "edited" if row.github_id else "adopted"
    else:
        found = client.post_json(issues_path, payload)
        action = "created"
    Blocker.objects.filter(pk=blocker.pk).update(
        issue_number=found["number"], issue_url=found["html_url"]
    )
    return action, found["number"], found["html_url"]


def _find_marked_issue(client: GitHubClient, row: GitHubWrite, issues_path: str) -> int | None:
    """An issue an earlier attempt opened without us hearing back (as
    _find_marked does for comments)."""
    if row.attempts <= 1 and not row.last_error:
        return None
    marker = MARKER.format(key=row.key)
    for item in client.get_all(issues_path, state="all").items:
        if marker in (item.get("body") or "") and "pull_request" not in item:
            return int(item["number"])
    return None


def check_page_url(pull: GitHubPullRequest) -> str:
    return absolute_url(reverse("github-check", args=[pull.cohort.slug, pull.number]))


def _write_status(client: GitHubClient, row: GitHubWrite) -> tuple[str, int | None, str]:
    """Check the pull request's files at the row's commit and set the status.
    Setting a status again replaces it (the newest per context counts), so a
    repeated POST is harmless here."""
    pull = row.pull
    sha = row.key.rsplit(":", 1)[1]
    if pull.head_sha != sha:
        # Pushed again since: the newer commit has its own row.
        return "superseded", None, ""
    problems, file_count = pull_problems(client, row.cohort, pull)
    GitHubPullRequest.objects.filter(pk=pull.pk).update(checked_sha=sha, check_problems=problems)
    payload = status_payload(problems, check_page_url(pull), file_count)
    made = client.post_json(repo_path(row.cohort.github_repo, "statuses", sha), payload)
    return payload["state"], made.get("id"), pull.html_url


def _find_marked(client: GitHubClient, row: GitHubWrite, path: str, marker: str) -> int | None:
    """Our earlier write, should an attempt have landed without us hearing back
    (a 5xx, a timeout, a worker that died after posting). Asked (one list
    request) only when the row was tried before, so a first write costs one
    request."""
    if row.attempts <= 1 and not row.last_error:
        return None
    for item in client.get_all(path).items:
        if marker in (item.get("body") or ""):
            return int(item["id"])
    return None


def _pull_number(row: GitHubWrite) -> int:
    pull = _pull_of(row.report)
    if pull is None:
        raise GitHubError(f"{row.key}: the pull request of the report is not known")
    return pull.number


def _issue_number(client: GitHubClient, row: GitHubWrite) -> int:
    period = row.report.period
    if not period.summary_issue_number:
        # Opened (and linked) only when the cohort allows creating summary issues.
        publish_summary(row.cohort, period, client=client)
        period.refresh_from_db(fields=["summary_issue_number"])
    if not period.summary_issue_number:
        raise CannotPublish(f"period {period.number} has no summary issue")
    return period.summary_issue_number


def retry_writes(rows) -> int:
    """The TA's retry of failed writes: pending again, from the first attempt."""
    return rows.filter(state=GitHubWrite.State.FAILED).update(
        state=GitHubWrite.State.PENDING, attempts=0, retry_at=None
    )
