"""The period summary in the camp's own Markdown checklist format (per project,
`- [x] @student (@mentor)`), as published on the summary issue."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db.models import QuerySet
from django.utils import timezone

from camp.models import Cohort, User
from reports.links import report_paths
from reports.models import Period
from reports.overview.grid import ProjectGroup, project_groups
from reports.status import SUBMITTED_STATES, State

ReportURL = Callable[[int], str] | str | None


def period_summary(
    cohort: Cohort,
    period: Period,
    students_queryset: QuerySet[User],
    *,
    report_url: ReportURL = None,
    now: datetime.datetime | None = None,
) -> str:
    """The period's checklist in the camp's own format, for the summary issue.

    report_url is the app's base URL ("https://camp.example.org") or a function
    from a report id to its absolute URL; without it the lines carry no link
    (a GitHub issue cannot use a link relative to the app). The text is in the
    camp's language whatever the reader's: it is published to GitHub as is.
    """
    now = now or timezone.now()
    groups = project_groups(cohort, students_queryset, [period], now)
    return summary_text(period, groups, report_url=report_url)


def summary_text(period: Period, groups: list[ProjectGroup], *, report_url: ReportURL) -> str:
    """The summary of `period` for rows already built (their cells must include it)."""
    link: Callable[[int], str] | None
    if isinstance(report_url, str):
        base_url = report_url.rstrip("/")
        path = report_paths()

        def link(report_id: int) -> str:
            return base_url + path(report_id)
    else:
        link = report_url

    lines = [f"### {period.starts_on:%Y.%m.%d}~{period.ends_on:%Y.%m.%d} 周报汇总"]
    for group in groups:
        lines += ["", f"#### {group.title}", ""]
        for row in group.rows:
            cell = next(c for c in row.cells if c.period.id == period.id)
            done = cell.state in SUBMITTED_STATES or cell.state == State.EXCUSED
            line = f"- [{'x' if done else ' '}] @{row.login}"
            if row.mentors:
                line += " (" + ", ".join(f"@{m}" for m in row.mentors) + ")"
            if cell.report_id is not None and link is not None:
                line += f" [周报]({link(cell.report_id)})"
            elif cell.state == State.EXCUSED:
                line += " 请假"
            lines.append(line)
    return "\n".join(lines) + "\n"
