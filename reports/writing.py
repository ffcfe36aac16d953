"""Writing a report in the browser: the prefilled template, the checks before
submit, and the one function the write form calls to save."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from camp.models import Cohort, Membership, Role, User
from reports.models import Allowance, Period, Report, Source
from reports.parsing import (
    HEADING_RE,
    MENTOR_REVIEW_TITLES,
    TEMPLATE_SECTIONS,
    clean_title,
    find_section,
    normalize_text,
    split_sections,
)
from reports.status import is_late, period_start_instant
from reports.submissions import SaveResult, save_report

MAX_BODY_CHARS = 50_000
NAME_PLACEHOLDER = "{name}"
PROJECT_PLACEHOLDER = "{project}"
# What people leave behind from the camp's old templates and file names.
PLACEHOLDER_RES = [
    re.compile(r"(?<![A-Za-z])[xX]{3,}(?![A-Za-z])"),
    re.compile(r"(?i)(?<![A-Za-z])mm\d*\.dd\d*(?![A-Za-z])"),
    re.compile(r"请联系导师填写"),
]
# A template line that asks the writer to do something ("请在此描述…",
# "Please describe…") is a hint, never content.
HINT_START_RE = re.compile(r"^(?:请|please\b)", re.IGNORECASE)
LIST_MARKER_RE = re.compile(r"^\s*(?:[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+)")
FENCE_RE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE_RE = re.compile(r"`[^`\n]*`")


def student_project(student: User, cohort: Cohort) -> str:
    membership = (
        Membership.objects.filter(user=student, cohort=cohort, role=Role.STUDENT)
        .select_related("project")
        .first()
    )
    return membership.project.title if membership and membership.project else ""


def prefilled_body(cohort: Cohort, student: User, previous_body: str | None = None) -> str:
    """The cohort's template with 姓名 and 实习项目 filled from the profile and
    project, and last period's plans (previous_body) as this period's work.

    Plain replacement, not str.format: a template may contain braces in code.
    """
    body = (
        normalize_text(cohort.report_template)
        .replace(NAME_PLACEHOLDER, student.name)
        .replace(PROJECT_PLACEHOLDER, student_project(student, cohort))
    )
    return carry_over_plans(body, previous_body, template=cohort.report_template)


def carry_over_plans(body: str, previous_body: str | None, *, template: str) -> str:
    """`body` with the "next period" section of `previous_body` written under its
    "this period" heading, in place of what the template put there: what a
    student planned last time is where they start this time. Unchanged when
    either section is missing or the plans are only the template's hints."""
    plans = (
        find_section(previous_body, *TEMPLATE_SECTIONS["next_period"]) if previous_body else None
    )
    if plans is None:
        return body
    hints = set().union(*_template_lines_by_section(template).values())
    if _is_blank(plans.body, hints):
        return body
    lines = normalize_text(body).split("\n")
    this_period = TEMPLATE_SECTIONS["this_period"]
    for index, line in enumerate(lines):
        heading = HEADING_RE.match(line)
        if heading is None or not any(t in clean_title(heading["title"]) for t in this_period):
            continue
        level = len(heading["hashes"])
        end = next(
            (
                later
                for later in range(index + 1, len(lines))
                if (match := HEADING_RE.match(lines[later])) and len(match["hashes"]) <= level
            ),
            len(lines),
        )
        return "\n".join([*lines[: index + 1], "", plans.body, "", *lines[end:]])
    return body


def previous_report(
    student_id: int, period: Period, scope: QuerySet[Report] | None = None
) -> Report | None:
    """The student's latest submitted report for a period of the cohort before
    `period` (within `scope`, e.g. the admin's): where last period's plan is."""
    reports = Report.objects.all() if scope is None else scope
    return (
        reports.filter(
            student=student_id,
            period__cohort=period.cohort_id,
            period__number__lt=period.number,
            status=Report.Status.SUBMITTED,
        )
        .select_related("period")
        .order_by("-period__number")
        .first()
    )


LIST_ITEM_RE = re.compile(r"^(?:[-*+]|\d+[.)])\s+")


def section_points(section_body: str) -> list[str]:
    """The top-level points of a section: list items, else its non-empty lines."""
    lines = [line for line in section_body.split("\n") if line.strip()]
    top = [line for line in lines if LIST_ITEM_RE.match(line)]
    picked = top or lines
    return [LIST_ITEM_RE.sub("", line).strip().strip("*_ ").strip() for line in picked]


@dataclass(frozen=True)
class PlanAgainstWork:
    """Last period's "next period" section beside this period's "this period"
    section: as written (plan_text, work_text) and as points (plan, work)."""

    plan_text: str
    work_text: str
    has_previous: bool

    @property
    def plan(self) -> list[str]:
        return section_points(self.plan_text)

    @property
    def work(self) -> list[str]:
        return section_points(self.work_text)


def plan_against_work(previous_body: str | None, body: str) -> PlanAgainstWork:
    """What the previous report planned beside what this one says was done."""
    plan = find_section(previous_body, *TEMPLATE_SECTIONS["next_period"]) if previous_body else None
    work = find_section(body, *TEMPLATE_SECTIONS["this_period"])
    return PlanAgainstWork(
        plan_text=plan.body if plan else "",
        work_text=work.body if work else "",
        has_previous=previous_body is not None,
    )


def _plain_line(line: str) -> str:
    """A line without list marker, emphasis and surrounding space, for comparing."""
    text = LIST_MARKER_RE.sub("", line).strip()
    return text.strip("*_ ").strip()


def template_hints(template: str) -> list[str]:
    """The template's own hint lines, as plain text."""
    mentor_section = find_section(template, *MENTOR_REVIEW_TITLES)
    mentor_text = mentor_section.body if mentor_section else ""
    hints = []
    for line in normalize_text(template).split("\n"):
        text = _plain_line(line)
        is_hint = text and not HEADING_RE.match(line) and HINT_START_RE.match(text)
        if is_hint and text not in mentor_text:
            hints.append(text)
    return hints


def _template_lines_by_section(template: str) -> dict[str, set[str]]:
    """Per section title, the template's own content lines (not the name/project slots)."""
    lines: dict[str, set[str]] = {}
    for section in split_sections(template):
        lines[section.title] = {
            _plain_line(line)
            for line in section.body.split("\n")
            if _plain_line(line) and "{" not in line
        }
    return lines


@dataclass
class Lint:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def lint_report(body: str, cohort: Cohort) -> Lint:
    """Checks before submit: an empty or missing required section is an error
    (one message per section); leftover placeholders and template hints are
    warnings. The mentor's review section is the mentor's: its placeholder is
    expected there and not reported."""
    lint = Lint()
    template_lines = _template_lines_by_section(cohort.report_template)
    hints = template_hints(cohort.report_template)
    for title in cohort.required_sections or []:
        section = find_section(body, title)
        if section is None:
            lint.errors.append(_("Section “%(title)s” is missing.") % {"title": title})
        elif _is_blank(section.body, template_lines.get(title, set()) | set(hints)):
            lint.errors.append(_("Section “%(title)s” is empty.") % {"title": title})
    for title, text in _lines_with_section(body):
        if any(mentor in title for mentor in MENTOR_REVIEW_TITLES):
            continue
        where = title or _("(before the first heading)")
        for pattern in PLACEHOLDER_RES:
            for match in pattern.finditer(INLINE_CODE_RE.sub("", text)):
                lint.warnings.append(
                    _("Placeholder “%(placeholder)s” left in section “%(title)s”.")
                    % {"placeholder": match.group(0), "title": where}
                )
        plain = _plain_line(text)
        if plain in hints:
            lint.warnings.append(
                _("Template hint “%(hint)s” left in section “%(title)s”.")
                % {"hint": plain, "title": where}
            )
    return lint


def _is_blank(section_body: str, template_lines: set[str]) -> bool:
    """Nothing written but the template's own lines (labels, hints) and placeholders."""
    for line in section_body.split("\n"):
        text = _plain_line(line)
        if not text or text in template_lines or HEADING_RE.match(line):
            continue
        for pattern in PLACEHOLDER_RES:
            text = pattern.sub("", text)
        if re.search(r"\w", text):
            return False
    return True


def _lines_with_section(body: str) -> list[tuple[str, str]]:
    """(title of the nearest heading above, line) for every content line outside code blocks."""
    title = ""
    in_fence = False
    lines = []
    for line in normalize_text(body).split("\n"):
        if FENCE_RE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        heading = HEADING_RE.match(line)
        if heading:
            title = clean_title(heading.group("title"))
        elif line.strip():
            lines.append((title, line))
    return lines


class SubmitRefused(Exception):
    """Submission blocked and nothing saved: `errors` must be fixed; `warnings`
    alone can be accepted by submitting again with accept_warnings."""

    def __init__(self, errors: list[str], warnings: list[str]) -> None:
        super().__init__("; ".join(errors + warnings))
        self.errors = errors
        self.warnings = warnings


def write_report(
    *,
    student: User,
    period: Period,
    body: str,
    submit: bool,
    accept_warnings: bool = False,
    now: datetime.datetime | None = None,
    source: str = Source.WEB,
) -> SaveResult:
    """Save the student's report from a door that can say no (the web form, the
    API): a draft as it is, a submission (or an edit of a submitted report) only
    when the checks pass: no errors, and no warnings unless the student has seen
    them and accepts. Doors that cannot refuse (GitHub) use keep_problems."""
    body = normalize_text(body)
    existing = Report.objects.filter(student=student, period=period).first()
    # Once submitted, every save is an edit of the submission and is checked like one.
    checked = submit or (existing is not None and existing.is_submitted)
    if checked:
        lint = lint_report(body, period.cohort)
        errors = list(lint.errors)
        if (now or timezone.now()) < period_start_instant(period):
            errors.insert(
                0,
                _("This period starts on %(date)s; submit from then on.")
                % {"date": period.starts_on.isoformat()},
            )
        if errors or (lint.warnings and not accept_warnings):
            raise SubmitRefused(errors, lint.warnings)
    return save_report(
        student=student,
        period=period,
        body=body,
        submit=checked,
        source=source,
        author=student,
        at=now,  # None: stamped by save_report under the row lock
    )


def keep_problems(report: Report) -> list[str]:
    """GitHub cannot be told no: its reports are saved as they come, and what the
    web form would have refused or warned about is kept on the report, for the
    mentor and the TA to see. Returns the problems."""
    lint = lint_report(report.body, report.period.cohort)
    problems = [*lint.errors, *lint.warnings]
    if report.problems != problems:
        report.problems = problems
        report.save(update_fields=["problems"])
    return problems


def submitted_late(report: Report) -> bool:
    allowance = Allowance.objects.filter(student=report.student, period=report.period).first()
    return is_late(report, report.period, allowance)
