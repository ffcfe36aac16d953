"""GitHub → reports: summary-issue comments and report files from pull requests.

Polling (reports.github.poll) and webhooks (reports.github.webhooks) end in the
same functions here: who wrote it (LoginIndex), which period it is for, and the
report or review it becomes, written through reports.submissions.save_report.
Fetching happens before these are called, outside the transaction that applies
them.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from camp.models import Cohort, Membership, Mentorship, Role, User
from reports.github.client import (
    GitHubClient,
    GitHubError,
    Listing,
    RateLimited,
    repo_path,
)
from reports.github.trust import trusted_github_url
from reports.models import (
    GitHubComment,
    GitHubPullRequest,
    Period,
    Report,
    Review,
    Source,
)
from reports.parsing import (
    MAX_REPORT_BYTES,
    ReportFile,
    Skipped,
    normalize_text,
    parse_claimed_range,
    read_report_file,
    skip_reason_for_name,
)
from reports.periods import match_claimed_range, overlap_days, submission_period
from reports.submissions import save_report
from reports.writing import keep_problems

logger = logging.getLogger(__name__)

# The hidden line every write-back comment carries (reports.github.writeback).
WRITE_MARKER = "<!-- camp-reports:write:"


@dataclass
class SyncResult:
    reports_created: int = 0
    revisions_added: int = 0
    reviews_added: int = 0
    unmatched_comments: int = 0
    deleted_comments: int = 0
    ignored_comments: int = 0
    summary_issues: int = 0
    pull_requests_ingested: int = 0
    unmatched_files: list[str] = field(default_factory=list)
    # "path: why", for the TA: files of merged PRs that are not reports, and
    # what was odd about those that are (a corrected year, GB18030 text).
    skipped_files: list[str] = field(default_factory=list)
    file_problems: list[str] = field(default_factory=list)
    # "old/name -> new/name" when the repository was renamed or transferred.
    repository_moved: str = ""
    requests: int = 0
    not_modified: int = 0
    rate_limit_units: int = 0
    rate_limit_remaining: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def count_save(self, saved) -> None:
        self.reports_created += int(saved.created)
        self.revisions_added += int(saved.revision_added)


def _when(value: str | None) -> datetime.datetime | None:
    return parse_datetime(value) if value else None


# ---------------------------------------------------------------- who wrote it


class LoginIndex:
    """Who a GitHub login is, for one cohort: a student (by login, case-folded),
    staff, someone of a sibling cohort on the same repository, or the app's own
    account. Not the roster file (camp.roster.Roster), which writes the cohort."""

    def __init__(self, cohort: Cohort, *, own_login: str = "") -> None:
        self.cohort = cohort
        # The account of the app's token: its reminder comments and summaries.
        self.own_login = own_login.lower()
        self.students: dict[str, User] = {}
        self.staff: set[str] = set()
        for membership in Membership.objects.filter(cohort=cohort).select_related("user"):
            login = (membership.user.github_login or "").lower()
            if not login:
                continue
            if membership.role == Role.STUDENT:
                self.students[login] = membership.user
            else:
                self.staff.add(login)
        # Camps share repositories (PFCCLab/Camp hosts every cohort): people of a
        # sibling cohort on the same repository are known, just not ours.
        self.siblings = {
            login.lower()
            for login in Membership.objects.filter(cohort__github_repo__iexact=cohort.github_repo)
            .exclude(cohort=cohort)
            .exclude(user__github_login=None)
            .values_list("user__github_login", flat=True)
        }

    def student(self, login: str) -> User | None:
        return self.students.get(login.lower())

    def has_student(self, user: User | None) -> bool:
        return user is not None and any(s.pk == user.pk for s in self.students.values())

    def is_staff(self, login: str) -> bool:
        return login.lower() in self.staff

    def is_sibling(self, login: str) -> bool:
        return login.lower() in self.siblings

    def is_own(self, login: str) -> bool:
        return bool(self.own_login) and login.lower() == self.own_login

    def is_unknown(self, user: dict | None) -> bool:
        """Whether a comment by this user would wait for the TA as unmatched: the
        only case where the app's own login has to be known."""
        login = (user or {}).get("login", "")
        return not (
            is_bot(user or {})
            or self.student(login)
            or self.is_staff(login)
            or self.is_sibling(login)
        )


def is_bot(user: dict) -> bool:
    return user.get("type") == "Bot" or user.get("login", "").endswith("[bot]")


# ---------------------------------------------------------------- summary issues


def period_for_issue_title(cohort: Cohort, title: str) -> Period | None:
    """The period a summary issue belongs to: its title carries the cohort's tag
    and a date range, matched like every other claimed range."""
    tag = (cohort.github_summary_tag or "").lower()
    if not tag or tag not in title.lower():
        return None
    claimed = parse_claimed_range(title, default_year=cohort.starts_on.year)
    if claimed.start is None:
        return None
    start, end = sorted([claimed.start, claimed.end or claimed.start])
    period = match_claimed_range(list(cohort.periods.all()), start, end)
    # Camps share repositories: an issue of a sibling cohort just after ours
    # must not land in our last period, so the title has to overlap the period.
    if period is None or overlap_days(period, start, end) == 0:
        return None
    return period


def link_summary_issue(period: Period, issue: dict) -> None:
    if period.summary_issue_number != issue["number"]:
        period.summary_issue_number = issue["number"]
        period.summary_issue_url = trusted_github_url(issue.get("html_url"))
        period.save(update_fields=["summary_issue_number", "summary_issue_url"])


def apply_comment(
    cohort: Cohort, period: Period, comment: dict, roster: LoginIndex, result: SyncResult
) -> None:
    """One summary-issue comment: a student's report (or a new revision of it), an
    unmatched comment for the TA, or nothing (mentors, TAs, bots)."""
    user = comment.get("user") or {}
    login = user.get("login", "")
    if is_bot(user) or roster.is_staff(login) or roster.is_own(login):
        result.ignored_comments += 1
        return
    if WRITE_MARKER in (comment.get("body") or "") and roster.student(login) is None:
        # The app's own write-back comment (reports.github.writeback), should
        # GitHub not tell us the token's login.
        result.ignored_comments += 1
        return
    record = GitHubComment.objects.filter(comment_id=comment["id"]).first()
    if record is not None and record.cohort_id != cohort.pk:
        # Two cohorts on one repository and an unknown login: the first keeps it.
        result.ignored_comments += 1
        return
    # A comment the TA mapped to a student keeps that student while they are on
    # the roster; a student removed from the cohort writes nothing any more.
    mapped = record.student if record else None
    student = roster.student(login) or (mapped if roster.has_student(mapped) else None)
    if student is None and roster.is_sibling(login):
        result.ignored_comments += 1
        return
    updated_at = _when(comment["updated_at"]) or _when(comment["created_at"])
    fields = {
        "cohort": cohort,
        "period": period,
        "login": login,
        "body": normalize_text(comment.get("body") or ""),
        "html_url": trusted_github_url(comment.get("html_url")),
        "commented_at": _when(comment["created_at"]),
        "edited_at": updated_at,
        "student": student,
    }
    if record is None:
        record = GitHubComment(comment_id=comment["id"], **fields)
        result.unmatched_comments += int(student is None)
    elif record.applied_version == updated_at and record.student_id == getattr(student, "pk", None):
        return
    else:
        for name, value in fields.items():
            setattr(record, name, value)
    if student is not None:
        save_comment_as_report(record, result)
    record.save()


def save_comment_as_report(record: GitHubComment, result: SyncResult) -> None:
    """Write the comment's current text through the single write path. The first
    version is dated when the comment was made, later ones when edited."""
    first = record.applied_version is None
    saved = save_report(
        student=record.student,
        period=record.period,
        body=record.body,
        submit=True,
        source=Source.GITHUB_COMMENT,
        author=record.student,
        at=record.commented_at if first else record.edited_at,
        source_url=record.html_url,
        source_ref=str(record.comment_id),
    )
    keep_problems(saved.report)
    record.applied_version = record.edited_at
    result.count_save(saved)


def map_comment_to_student(record: GitHubComment, student: User, *, by: User) -> SyncResult:
    """A TA says whose an unmatched comment is: it becomes that student's report.

    The student must belong to the comment's cohort. A student without a GitHub
    login gets this one, so their next comments match by themselves.
    """
    if not Membership.objects.filter(
        user=student, cohort=record.cohort_id, role=Role.STUDENT
    ).exists():
        raise ValueError(f"{student} is not a student of {record.cohort}")
    result = SyncResult()
    with transaction.atomic():
        record.student = student
        record.mapped_by = by
        record.mapped_at = timezone.now()
        save_comment_as_report(record, result)
        if record.deleted_at:
            Report.objects.filter(
                student=student, period=record.period, source_ref=str(record.comment_id)
            ).update(source_deleted_at=record.deleted_at)
        record.save()
        taken = User.objects.filter(github_login__iexact=record.login).exists()
        if not student.github_login and not taken:
            student.github_login = record.login
            student.save(update_fields=["github_login"])
    return result


def mark_comment_deleted(comment_id: int, *, at: datetime.datetime | None = None) -> bool:
    """A comment is gone on GitHub: flag what it fed, delete nothing."""
    at = at or timezone.now()
    record = GitHubComment.objects.filter(comment_id=comment_id, deleted_at=None).first()
    if record is None:
        return False
    record.deleted_at = at
    record.save(update_fields=["deleted_at"])
    Report.objects.filter(
        source=Source.GITHUB_COMMENT, source_ref=str(comment_id), source_deleted_at=None
    ).update(source_deleted_at=at)
    return True


def _mark_missing_comments(period: Period, issue: dict, present: set[int], result: SyncResult):
    """Comments we had from this issue that its complete listing no longer has."""
    prefix = issue["html_url"] + "#issuecomment-"
    gone = (
        GitHubComment.objects.filter(period=period, html_url__startswith=prefix, deleted_at=None)
        .exclude(comment_id__in=present)
        .values_list("comment_id", flat=True)
    )
    for comment_id in list(gone):
        result.deleted_comments += int(mark_comment_deleted(comment_id))


def apply_issue_comments(
    cohort: Cohort, issue: dict, comments: list[dict], roster: LoginIndex, result: SyncResult
) -> None:
    """Every comment of one summary issue (the complete list, from polling)."""
    period = period_for_issue_title(cohort, issue["title"])
    if period is None:
        return
    result.summary_issues += 1
    link_summary_issue(period, issue)
    ordered = sorted(comments, key=lambda c: (c["created_at"], c["id"]))
    for comment in ordered:
        apply_comment(cohort, period, comment, roster, result)
    _mark_missing_comments(period, issue, {c["id"] for c in comments}, result)


# ---------------------------------------------------------------- pull requests


def may_be_report(cohort: Cohort, path: str) -> bool:
    """A PR file worth reading: under the cohort's reports folder, and not ruled
    out by its name (READMEs, images and other non-Markdown files)."""
    base = cohort.github_reports_path.strip("/")
    in_folder = not base or path.startswith(base + "/")
    return in_folder and skip_reason_for_name(path) is None


def owner_of_file(
    cohort: Cohort, roster: LoginIndex, path: str, author: str
) -> tuple[User | None, str]:
    """Whose report a PR file is, and what is wrong when it is nobody's.

    The PR's author when they are on the roster (students add their own files,
    often from forks); else a folder named after a student (a mentor or TA
    committing for them). A student's PR adding a file in another student's
    folder writes nobody's report: it waits for the TA, with the reason."""
    relative = path[len(cohort.github_reports_path.strip("/")) :].strip("/")
    folder_student = None
    for part in relative.split("/")[:-1]:
        folder_student = roster.student(part)
        if folder_student is not None:
            break
    author_student = roster.student(author)
    if author_student is not None and folder_student not in (None, author_student):
        return None, (
            f"in the folder of {folder_student} but added by {author}; "
            "not written into anyone's report, left for the TA"
        )
    return author_student or folder_student, ""


@dataclass
class FetchedPull:
    pull: dict
    files: Listing | None
    # Of a merged PR: each candidate file read at the merge commit.
    reads: dict[str, ReportFile | Skipped]


def submitted_at_of(pull: dict) -> datetime.datetime:
    # When the student opened the PR: a mentor merging days later must not make
    # the report late.
    return _when(pull["created_at"])


def read_pull_file(
    cohort: Cohort, path: str, raw: bytes, submitted_at: datetime.datetime
) -> ReportFile | Skipped:
    """A file of a merged PR read like the importer reads files from git history;
    yearless dates in its name take the year the PR was opened, in the cohort's
    timezone. Too large or binary: Skipped, with the reason."""
    committed_at = timezone.localtime(submitted_at, cohort.tzinfo)
    return read_report_file(path, raw, committed_at=committed_at)


def read_file_at(
    client: GitHubClient, cohort: Cohort, path: str, ref: str, submitted_at: datetime.datetime
) -> ReportFile | Skipped:
    """One file at a commit, raw (so size never turns into a 403), read no further
    than a report can be long. A file GitHub will not give (gone, over 100 MB,
    any other refusal) is skipped with GitHub's reason; the run goes on."""
    try:
        raw = client.get_raw(
            repo_path(cohort.github_repo, "contents", path), max_bytes=MAX_REPORT_BYTES, ref=ref
        )
    except RateLimited:
        raise
    except GitHubError as error:
        if error.status is None or error.status >= 500:
            raise  # GitHub is unwell, not the file: the whole run tries again later
        return Skipped(path, f"GitHub would not give the file: {error}")
    if len(raw) > MAX_REPORT_BYTES:
        # Read no further than this: its full size is not worth a download.
        return Skipped(path, "larger than 1 MB")
    return read_pull_file(cohort, path, raw, submitted_at)


def fetch_pull(client: GitHubClient, cohort: Cohort, pull: dict, known: GitHubPullRequest | None):
    """Files of a PR that matter: open ones (conditionally, for "pending"), and
    merged ones not ingested yet, with each candidate file read at the merge.

    Contents are read from the base repository at the merge commit, which
    exists there even when the PR came from a fork that is gone since.
    """
    state = pull_state(pull)
    if state == GitHubPullRequest.State.CLOSED:
        return None
    if (
        state == GitHubPullRequest.State.MERGED
        and known
        and known.ingested_sha == pull.get("merge_commit_sha")
    ):
        return None
    files = client.get_all(repo_path(cohort.github_repo, "pulls", pull["number"], "files"))
    reads: dict[str, ReportFile | Skipped] = {}
    if state == GitHubPullRequest.State.MERGED:
        for path in candidate_paths(cohort, files):
            reads[path] = read_file_at(
                client, cohort, path, pull["merge_commit_sha"], submitted_at_of(pull)
            )
    return FetchedPull(pull, files, reads)


def candidate_paths(cohort: Cohort, files: Listing | None) -> list[str]:
    return [
        f["filename"]
        for f in (files.items if files else [])
        if f.get("status") != "removed" and may_be_report(cohort, f["filename"])
    ]


def pull_state(pull: dict) -> str:
    if pull.get("merged_at"):
        return GitHubPullRequest.State.MERGED
    if pull.get("state") == "open":
        return GitHubPullRequest.State.OPEN
    return GitHubPullRequest.State.CLOSED


def apply_pull(
    cohort: Cohort, fetched: FetchedPull, roster: LoginIndex, result: SyncResult
) -> None:
    pull = fetched.pull
    state = pull_state(pull)
    author = (pull.get("user") or {}).get("login", "")
    reports: list[ReportFile] = []
    if state == GitHubPullRequest.State.MERGED:
        for read in fetched.reads.values():
            if isinstance(read, Skipped):
                result.skipped_files.append(f"{read.path}: {read.reason}")
            else:
                reports.append(read)
        paths = [report.path for report in reports]
    else:
        # Not read until merged: an open PR is judged by its files' names.
        paths = candidate_paths(cohort, fetched.files)
    record, _ = GitHubPullRequest.objects.update_or_create(
        cohort=cohort,
        number=pull["number"],
        defaults={
            "html_url": trusted_github_url(pull.get("html_url")),
            "author_login": author,
            "state": state,
            "head_sha": (pull.get("head") or {}).get("sha") or "",
            "merge_commit_sha": pull.get("merge_commit_sha") or "",
            "merged_at": _when(pull.get("merged_at")),
            "report_paths": paths,
        },
    )
    owners = {path: owner_of_file(cohort, roster, path, author) for path in paths}
    record.students.set({student for student, _ in owners.values() if student is not None})
    if state != GitHubPullRequest.State.MERGED:
        return
    record.problems = [
        f"{read.path}: {read.reason}"
        for read in fetched.reads.values()
        if isinstance(read, Skipped)
    ]
    submitted_at = submitted_at_of(pull)
    submitted_on = timezone.localdate(submitted_at, cohort.tzinfo)
    periods = list(cohort.periods.all())
    for report in reports:
        result.file_problems += [f"{report.path}: {problem}" for problem in report.problems]
        student, refused = owners[report.path]
        if refused:
            result.file_problems.append(f"{report.path}: {refused}")
            record.problems.append(f"{report.path}: {refused}")
            continue
        period = submission_period(
            periods,
            claimed_start=report.match_start,
            claimed_end=report.match_end,
            submitted_on=submitted_on,
        )
        if student is None or period is None:
            result.unmatched_files.append(report.path)
            continue
        ingest_report_file(
            student, period, report, pull=pull, submitted_at=submitted_at, result=result
        )
    record.ingested_sha = pull["merge_commit_sha"]
    record.save(update_fields=["ingested_sha", "problems"])
    result.pull_requests_ingested += 1


def ingest_report_file(
    student: User,
    period: Period,
    report: ReportFile,
    *,
    pull: dict,
    submitted_at: datetime.datetime,
    result: SyncResult,
) -> None:
    source_ref = f"{report.path}@{pull['merge_commit_sha']}"
    # The claimed range is stored as typed, as the importer stores it; the
    # period was matched on its corrected reading.
    saved = save_report(
        student=student,
        period=period,
        body=report.body,
        submit=True,
        source=Source.GITHUB_FILE,
        author=student,
        at=submitted_at,
        source_url=trusted_github_url(pull.get("html_url")),
        source_ref=source_ref,
        claimed_start=report.claimed_start,
        claimed_end=report.claimed_end,
    )
    keep_problems(saved.report)
    result.count_save(saved)
    review = report.review
    if review and not saved.report.reviews.filter(body=review).exists():
        Review.objects.create(
            report=saved.report,
            mentor=_only_mentor(student, period.cohort),
            body=review,
            verdict=Review.Verdict.COMMENT,
            source=Source.GITHUB_FILE,
            source_ref=source_ref,
            created_at=_when(pull.get("merged_at")) or submitted_at,
        )
        result.reviews_added += 1


def _only_mentor(student: User, cohort: Cohort) -> User | None:
    """The reviewer of a review written into a file: the student's mentor when
    there is exactly one; otherwise unknown (the review stays, unattributed)."""
    mentors = list(
        Mentorship.objects.filter(cohort=cohort, student=student).select_related("mentor")[:2]
    )
    return mentors[0].mentor if len(mentors) == 1 else None
