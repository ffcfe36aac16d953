"""The overview and every report of a cohort as flat rows: the overview's CSV
(`csv_rows`) and the full export of reports (`export_records`, CSV or JSON)."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from camp.models import Cohort, Membership, Role
from reports.models import Allowance, GitHubEvidence, ReferenceCheck, Report, Review
from reports.overview.grid import Overview, StudentRow
from reports.status import is_late, latest_review_verdict, report_state, revised_after_review_sql

EXPORT_FIELDS = [
    "student",
    "project",
    "period",
    "period_start",
    "period_end",
    "claimed_start",
    "claimed_end",
    "status",
    "submitted_at",
    "late",
    "source",
    "reviewed",
    "review_verdict",
    "state",
]


def export_records(cohort: Cohort) -> Iterator[dict[str, Any]]:
    """One record per report, in period then login order, with a fixed number of queries."""
    tz = cohort.tzinfo
    projects = dict(
        Membership.objects.filter(cohort=cohort, role=Role.STUDENT).values_list(
            "user_id", "project__title"
        )
    )
    allowances = {
        (a.student_id, a.period_id): a for a in Allowance.objects.filter(period__cohort=cohort)
    }
    evidence = {
        (e.student_id, e.period_id): e.counts()
        for e in GitHubEvidence.objects.filter(period__cohort=cohort).only(
            "student_id", "period_id", *(f"{name}_count" for name in GitHubEvidence.COUNTS)
        )
    }
    reports = (
        Report.objects.filter(period__cohort=cohort)
        .select_related("student", "period")
        .prefetch_related(
            Prefetch("reviews", queryset=Review.objects.only("report_id", "verdict", "created_at")),
            Prefetch("reference_checks", queryset=ReferenceCheck.objects.order_by("id")),
        )
        .annotate(revised_after_review=revised_after_review_sql())
        .order_by("period__number", "student__github_login", "student__username")
    )
    now = timezone.now()
    for report in reports.iterator(chunk_size=2000):
        period = report.period
        period.cohort = cohort  # report_state reads period.cohort.tzinfo
        allowance = allowances.get((report.student_id, period.pk))
        verdict = latest_review_verdict(list(report.reviews.all()))
        yield {
            "student": str(report.student),
            "project": projects.get(report.student_id) or "",
            "period": period.number,
            "period_start": period.starts_on.isoformat(),
            "period_end": period.ends_on.isoformat(),
            "claimed_start": report.claimed_start.isoformat() if report.claimed_start else None,
            "claimed_end": report.claimed_end.isoformat() if report.claimed_end else None,
            "status": report.status,
            "submitted_at": report.submitted_at.astimezone(tz).isoformat()
            if report.submitted_at
            else None,
            "late": is_late(report, period, allowance),
            "source": report.source,
            "reviewed": verdict is not None,
            "review_verdict": verdict,
            "state": report_state(
                period=period,
                report=report,
                allowance=allowance,
                verdict=verdict,
                now=now,
                revised_after_review=report.revised_after_review,
            ).value,
            # JSON only: the CSV keeps its flat EXPORT_FIELDS.
            "evidence": GitHubEvidence.record(
                evidence.get((report.student_id, period.pk)), report.reference_checks.all()
            ),
        }


# OWASP's rule against CSV (formula) injection: a cell starting with one of these
# is a formula to spreadsheets, so it is written behind a quote, which they read
# as "this is text" and do not display.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: Any) -> Any:
    """`value` as a spreadsheet reads it as text, not as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# RFC 4180's line end. csv.writer quotes a field that holds any character of
# its line end: with "\n" alone, a carriage return in a name went out unquoted
# and split the line for every reader.
CSV_LINE_END = "\r\n"


def write_csv(records: Iterator[dict[str, Any]], out: io.TextIOBase) -> None:
    writer = csv.DictWriter(
        out, fieldnames=EXPORT_FIELDS, lineterminator=CSV_LINE_END, extrasaction="ignore"
    )
    writer.writeheader()
    for record in records:
        writer.writerow({k: "" if v is None else spreadsheet_text(v) for k, v in record.items()})


def write_json(records: Iterator[dict[str, Any]], out: io.TextIOBase) -> None:
    json.dump(list(records), out, ensure_ascii=False, indent=2)
    out.write("\n")


CSV_FIELDS = [
    "student_login",
    "student_name",
    "project",
    "mentors",
    "period",
    "period_start",
    "period_end",
    "due_at",
    "status",
    "submitted_at",
    "reviewed_at",
    "days_late",
    "prs_opened",
    "prs_merged",
    "reviews_given",
    "issues_opened",
]


def _csv_line(values: list[str | int]) -> str:
    """One CSV line, without its line end, quoted as csv.writer quotes it."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=CSV_LINE_END).writerow(values)
    return buffer.getvalue().removesuffix(CSV_LINE_END)


def csv_text(overview: Overview, rows: Iterable[StudentRow] | None = None) -> str:
    """The overview as CSV: a line per student (all of the overview's, or `rows`)
    and period, the header first. Times are ISO 8601 in the cohort's time zone;
    days_late counts started days (for a missing report: so far).

    A big camp's CSV has 13,000 lines, and quoting every field through
    csv.writer cost more than building the overview. So the columns that repeat
    (a student's on each of their lines, a period's on each of its) go through
    csv.writer once per student and per period, and a cell's own columns, a
    state name, ISO times and numbers, which never need quoting, are joined as
    they are."""
    tz = overview.cohort.tzinfo

    def instant(value: datetime.datetime | None) -> str:
        return value.astimezone(tz).isoformat() if value else ""

    periods = {
        period.id: _csv_line(
            [
                period.number,
                period.starts_on.isoformat(),
                period.ends_on.isoformat(),
                instant(period.due_at),
            ]
        )
        for period in overview.periods
    }
    no_activity = ("", "", "", "")
    lines = [_csv_line(CSV_FIELDS)]
    for row in overview.rows if rows is None else rows:
        student = _csv_line(
            [
                spreadsheet_text(value)
                for value in (
                    row.login,
                    row.student.name,
                    row.project_title if row.project_id is not None else "",
                    " ".join(str(m) for m in row.mentors),
                )
            ]
        )
        for cell in row.cells:
            late = "" if cell.days_late is None else cell.days_late
            opened, merged, reviews, issues = cell.activity or no_activity
            lines.append(
                f"{student},{periods[cell.period.id]},{cell.state.value},"
                f"{instant(cell.submitted_at)},{instant(cell.reviewed_at)},{late},"
                f"{opened},{merged},{reviews},{issues}"
            )
    lines.append("")
    return CSV_LINE_END.join(lines)
