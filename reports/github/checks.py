"""The report check of an open pull request: is every report file in it one
the app will recognise once merged? The same reading as the merge's
(reports.github.ingest), the same lint as the web form (reports.writing).

reports.github.writeback sets the result as the commit status
`camp-reports/report` on the pull request's head commit, and the page it links
to lists every problem.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from camp.models import Cohort
from reports.github.client import GitHubClient, repo_path
from reports.github.ingest import LoginIndex, candidate_paths, owner_of_file, read_file_at
from reports.models import GitHubPullRequest
from reports.parsing import ReportFile, Skipped, file_name
from reports.periods import submission_period
from reports.writing import lint_report

CONTEXT = "camp-reports/report"
# GitHub cuts a status description at 140 characters.
MAX_DESCRIPTION = 140


def file_problems(
    cohort: Cohort,
    roster: LoginIndex,
    read: ReportFile | Skipped,
    author: str,
    submitted_on: datetime.date,
) -> list[str]:
    """What keeps one file of a pull request from being a recognised report:
    not readable, nobody's on the roster, no period matched, required sections
    missing or empty, template placeholders left. Pure over its arguments."""
    if isinstance(read, Skipped):
        return [f"{read.path}: {read.reason}"]
    problems: list[str] = []
    student, refused = owner_of_file(cohort, roster, read.path, author)
    if refused:
        problems.append(f"{read.path}: {refused}")
    elif student is None:
        problems.append(
            f"{read.path}: "
            + _("%(login)s is not a student of the roster") % {"login": author or "?"}
        )
    period = submission_period(
        list(cohort.periods.all()),
        claimed_start=read.match_start,
        claimed_end=read.match_end,
        submitted_on=submitted_on,
    )
    if period is None:
        problems.append(f"{read.path}: " + _("no period matches the dates of the report"))
    lint = lint_report(read.body, cohort)
    problems += [f"{read.path}: {message}" for message in lint.errors + lint.warnings]
    return problems


def pull_problems(
    client: GitHubClient, cohort: Cohort, pull: GitHubPullRequest
) -> tuple[list[str], int]:
    """Every problem of every report file of the pull request at its head commit,
    in the camp's language, and how many report files it has."""
    files = client.get_all(repo_path(cohort.github_repo, "pulls", pull.number, "files"))
    roster = LoginIndex(cohort)
    now = timezone.now()
    submitted_on = timezone.localdate(now, cohort.tzinfo)
    problems: list[str] = []
    paths = candidate_paths(cohort, files)
    with translation.override(settings.LANGUAGE_CODE):
        for path in paths:
            read = read_file_at(client, cohort, path, pull.head_sha, now)
            problems += file_problems(cohort, roster, read, pull.author_login, submitted_on)
    return problems, len(paths)


def status_payload(problems: list[str], target_url: str, file_count: int) -> dict:
    """The commit status: success, or failure naming the first problem."""
    with translation.override(settings.LANGUAGE_CODE):
        if problems:
            state = "failure"
            # The file's name, not its folders: the description is short.
            path, _sep, message = problems[0].partition(": ")
            description = f"{file_name(path)}: {message}"
            if len(problems) > 1:
                description = _("%(first)s (+%(more)d more)") % {
                    "first": description,
                    "more": len(problems) - 1,
                }
        else:
            state = "success"
            description = _("Every report file is recognised (%(count)d).") % {"count": file_count}
    if len(description) > MAX_DESCRIPTION:
        description = description[: MAX_DESCRIPTION - 1] + "…"
    return {
        "state": state,
        "context": CONTEXT,
        "description": description,
        "target_url": target_url,
    }
