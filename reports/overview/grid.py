"""Where a cohort stands: students x periods, completion, who is missing, who
waits for a review, how fast mentors review.

Built from a fixed number of queries whatever the size of the cohort: rows are
read with values_list() (a 500 x 26 camp has 13,000 cells, and model instances
for each would cost more than the rest of the page) and grouped in one pass.
"""

from __future__ import annotations

import datetime
import math
import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone

from camp.models import Cohort, Membership, Mentorship, Role, User
from reports.models import (
    Allowance,
    GitHubEvidence,
    GitHubPullRequest,
    Period,
    Report,
    Review,
    Revision,
)
from reports.parsing import parse_claimed_range
from reports.periods import current_of, submission_period
from reports.status import (
    SUBMITTED_STATES,
    State,
    effective_due_at,
    is_late,
    period_start_instant,
    report_state,
    revised_after_review,
)

WAITING_REVIEW_AFTER = datetime.timedelta(days=3)


# A heading of the published summary, so in the camp's language like the rest of it.
NO_PROJECT_TITLE = "未分配项目"


def report_path(report_id: int) -> str:
    """The report page of one report."""
    return reverse("reports:detail", args=[report_id])


class ReportFacts(NamedTuple):
    """The parts of a Report that status rules read (report_state, is_late)."""

    id: int
    status: str
    submitted_at: datetime.datetime | None


class Activity(NamedTuple):
    prs_opened: int
    prs_merged: int
    reviews_given: int
    issues_opened: int

    @property
    def any(self) -> bool:
        return any(self)


@dataclass(slots=True)
class Cell:
    period: Period
    state: State
    report_id: int | None = None
    submitted_at: datetime.datetime | None = None
    reviewed_at: datetime.datetime | None = None
    days_late: int | None = None
    # An open pull request with this student's report file for this period:
    # "pending on GitHub", shown but not counted as submitted.
    pending_url: str | None = None
    # GitHub work in the tracked repositories (reports.github.evidence), None
    # when none was collected for this student and period.
    activity: Activity | None = None

    @property
    def merged(self) -> int:
        return self.activity.prs_merged if self.activity else 0

    @property
    def url(self) -> str | None:
        return report_path(self.report_id) if self.report_id is not None else None


@dataclass
class StudentRow:
    student: User
    project_id: int | None
    project_title: str
    mentors: list[User]
    cells: list[Cell] = field(default_factory=list)
    # No GitHub activity and no report in the current period (build_overview).
    quiet: bool = False

    @property
    def login(self) -> str:
        return str(self.student)

    def has_state(self, state: str) -> bool:
        return any(cell.state == state for cell in self.cells)


@dataclass
class ProjectGroup:
    project_id: int | None
    title: str
    rows: list[StudentRow]

    @property
    def mentors(self) -> list[User]:
        seen: dict[int, User] = {}
        for row in self.rows:
            for mentor in row.mentors:
                seen.setdefault(mentor.pk, mentor)
        return sorted(seen.values(), key=user_sort_key)


@dataclass(frozen=True)
class Completion:
    submitted: int
    expected: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.submitted / self.expected) if self.expected else None


@dataclass(frozen=True)
class Column:
    period: Period
    completion: Completion
    started: bool
    current: bool


@dataclass(frozen=True)
class WaitingReview:
    row: StudentRow
    cell: Cell
    waiting: datetime.timedelta


@dataclass(frozen=True)
class MentorLatency:
    mentor: User
    reviewed: int
    median: datetime.timedelta | None
    waiting: int


@dataclass
class Overview:
    cohort: Cohort
    now: datetime.datetime
    periods: list[Period]
    groups: list[ProjectGroup]
    completion: dict[int, Completion]
    current_period: Period | None
    # The latest period whose due time has passed: the one people can be missing now.
    last_due_period: Period | None
    not_submitted_current: list[StudentRow]
    missing_now: list[StudentRow]
    waiting_review: list[WaitingReview]
    mentor_latency: list[MentorLatency]

    @property
    def columns(self) -> list[Column]:
        return [
            Column(
                period=period,
                completion=self.completion[period.pk],
                started=self.now >= period_start_instant(period),
                current=period == self.current_period,
            )
            for period in self.periods
        ]

    @property
    def current_completion(self) -> Completion | None:
        return self.completion[self.current_period.pk] if self.current_period else None

    @property
    def last_due_completion(self) -> Completion | None:
        return self.completion[self.last_due_period.pk] if self.last_due_period else None

    @property
    def rows(self) -> Iterator[StudentRow]:
        for group in self.groups:
            yield from group.rows

    @property
    def student_count(self) -> int:
        return sum(len(group.rows) for group in self.groups)

    def only_rows(self, keep: Callable[[StudentRow], bool]) -> list[ProjectGroup]:
        """The groups with only the rows `keep` accepts (empty groups dropped)."""
        kept = [
            ProjectGroup(group.project_id, group.title, [r for r in group.rows if keep(r)])
            for group in self.groups
        ]
        return [group for group in kept if group.rows]


def _natural_key(text: str) -> list[int | str]:
    """student2 before student10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text.lower())]


def user_sort_key(user: User) -> list[int | str]:
    return _natural_key(str(user))


@dataclass
class _Facts:
    """Everything the overview reads from the database, already grouped."""

    periods: list[Period]
    students: list[User]
    projects: dict[int, tuple[int | None, str | None]]
    mentors: dict[int, list[User]]
    reports: dict[tuple[int, int], ReportFacts]
    reviews: dict[int, list[tuple[int | None, str, datetime.datetime]]]
    latest_revision: dict[int, datetime.datetime]
    allowances: dict[tuple[int, int], Allowance]
    pending: dict[tuple[int, int], str]
    activity: dict[tuple[int, int], Activity]


def _load(cohort: Cohort, students: QuerySet[User], periods: Iterable[Period]) -> _Facts:
    periods = list(periods)
    for period in periods:
        period.cohort = cohort  # report_state reads period.cohort.tzinfo
    period_ids = [p.pk for p in periods]
    # A subquery, not a list of ids, so the SQL stays the same size for any cohort.
    student_ids = students.values("pk")
    student_rows = sorted(User.objects.filter(pk__in=student_ids), key=user_sort_key)
    # order_by() drops the models' default orderings, which join and sort
    # every row by tables this page does not need.
    projects = {
        user_id: (project_id, title)
        for user_id, project_id, title in Membership.objects.filter(
            cohort=cohort, role=Role.STUDENT, user__in=student_ids
        )
        .order_by()
        .values_list("user_id", "project_id", "project__title")
    }
    mentorships = Mentorship.objects.filter(cohort=cohort, student__in=student_ids)
    # One instance per mentor, not per assignment: a mentor has many students.
    mentor_by_id = {
        user.pk: user for user in User.objects.filter(pk__in=mentorships.values("mentor_id"))
    }
    mentors: dict[int, list[User]] = defaultdict(list)
    for student_id, mentor_id in mentorships.values_list("student_id", "mentor_id"):
        mentors[student_id].append(mentor_by_id[mentor_id])
    for mentor_list in mentors.values():
        mentor_list.sort(key=user_sort_key)
    reports = {
        (student_id, period_id): ReportFacts(report_id, status, submitted_at)
        for report_id, student_id, period_id, status, submitted_at in Report.objects.filter(
            period__in=period_ids, student__in=student_ids
        )
        .order_by()
        .values_list("id", "student_id", "period_id", "status", "submitted_at")
    }
    reviews: dict[int, list[tuple[int | None, str, datetime.datetime]]] = defaultdict(list)
    for report_id, mentor_id, verdict, created_at in (
        Review.objects.filter(report__period__in=period_ids, report__student__in=student_ids)
        .order_by("created_at", "id")
        .values_list("report_id", "mentor_id", "verdict", "created_at")
    ):
        reviews[report_id].append((mentor_id, verdict, created_at))
    latest_revision = dict(
        Revision.objects.filter(report__period__in=period_ids, report__student__in=student_ids)
        .order_by()
        .values("report_id")
        .annotate(latest=Max("created_at"))
        .values_list("report_id", "latest")
    )
    allowances = {
        (a.student_id, a.period_id): a
        for a in Allowance.objects.filter(period__in=period_ids, student__in=student_ids).only(
            "student_id", "period_id", "kind", "extended_due_at"
        )
    }
    pending = _pending_pull_requests(cohort, student_ids, periods)
    activity = {
        (student_id, period_id): Activity(*counts)
        for student_id, period_id, *counts in GitHubEvidence.objects.filter(
            period__in=period_ids, student__in=student_ids
        )
        .order_by()
        .values_list(
            "student_id",
            "period_id",
            "prs_opened_count",
            "prs_merged_count",
            "reviews_given_count",
            "issues_opened_count",
        )
    }
    return _Facts(
        periods,
        student_rows,
        projects,
        mentors,
        reports,
        reviews,
        latest_revision,
        allowances,
        pending,
        activity,
    )


def _pending_pull_requests(
    cohort: Cohort, student_ids: QuerySet, periods: list[Period]
) -> dict[tuple[int, int], str]:
    """(student id, period id) -> URL of an open pull request carrying that
    student's report file for that period. The period comes from the file
    name's dates, as for merged files; a name without dates means the period
    the pull request is open in."""
    today = timezone.localdate(timezone=cohort.tzinfo)
    pending: dict[tuple[int, int], str] = {}
    for student_id, url, paths in (
        GitHubPullRequest.objects.filter(
            cohort=cohort, state=GitHubPullRequest.State.OPEN, students__in=student_ids
        )
        .order_by("number")
        .values_list("students", "html_url", "report_paths")
    ):
        for path in paths or ():
            claimed = parse_claimed_range(path.rsplit("/", 1)[-1], default_year=today.year)
            period = submission_period(
                periods,
                claimed_start=claimed.start,
                claimed_end=claimed.end,
                submitted_on=today,
            )
            if period is not None:
                pending.setdefault((student_id, period.id), url)
    return pending


def _cell(facts: _Facts, student_id: int, period: Period, now: datetime.datetime) -> Cell:
    # .id, not .pk: .pk resolves through _meta, and this runs once per cell.
    report = facts.reports.get((student_id, period.id))
    allowance = facts.allowances.get((student_id, period.id))
    reviews = facts.reviews.get(report.id, ()) if report else ()
    # Reviews come oldest first (NEWEST_REVIEW_FIRST reversed): the last one's
    # verdict is the latest, as status.latest_review_verdict has it.
    verdict = reviews[-1][1] if reviews else None
    state = report_state(
        period=period,
        report=report,
        allowance=allowance,
        verdict=verdict,
        now=now,
        revised_after_review=report is not None
        and revised_after_review(
            facts.latest_revision.get(report.id), reviews[-1][2] if reviews else None
        ),
    )
    cell = Cell(period=period, state=state, activity=facts.activity.get((student_id, period.id)))
    if report is not None and report.status == Report.Status.SUBMITTED:
        cell.report_id = report.id
        cell.submitted_at = report.submitted_at
        cell.reviewed_at = reviews[0][2] if reviews else None
        if is_late(report, period, allowance):
            cell.days_late = _whole_days(report.submitted_at - effective_due_at(period, allowance))
    else:
        cell.pending_url = facts.pending.get((student_id, period.id))
        if state == State.MISSING:
            cell.days_late = _whole_days(now - effective_due_at(period, allowance))
    return cell


def is_quiet(cell: Cell) -> bool:
    """Nothing submitted and, as far as the collected evidence shows, nothing done
    on GitHub: a student going quiet, before the report goes missing. Without
    collected evidence nothing is known, so nobody is quiet."""
    return (
        cell.activity is not None
        and not cell.activity.any
        and cell.state not in SUBMITTED_STATES
        and cell.state != State.EXCUSED
    )


def _whole_days(delta: datetime.timedelta) -> int:
    """Started days: one minute late is one day late."""
    return math.ceil(delta.total_seconds() / 86400)


def _rows(facts: _Facts, now: datetime.datetime) -> list[StudentRow]:
    rows = []
    for student in facts.students:
        project_id, title = facts.projects.get(student.pk, (None, None))
        row = StudentRow(
            student=student,
            project_id=project_id,
            project_title=title or NO_PROJECT_TITLE,
            mentors=facts.mentors.get(student.pk, []),
        )
        row.cells = [_cell(facts, student.id, period, now) for period in facts.periods]
        rows.append(row)
    return rows


def _groups(rows: list[StudentRow]) -> list[ProjectGroup]:
    by_project: dict[int | None, ProjectGroup] = {}
    for row in rows:
        group = by_project.get(row.project_id)
        if group is None:
            group = by_project[row.project_id] = ProjectGroup(row.project_id, row.project_title, [])
        group.rows.append(row)
    # Roster order (project ids follow the roster file), not title order: titles
    # number projects in Chinese numerals (项目三 sorts before 项目二). Students
    # without a project come last.
    return sorted(by_project.values(), key=lambda g: (g.project_id is None, g.project_id or 0))


def _mentor_latency(
    facts: _Facts, rows: list[StudentRow], now: datetime.datetime
) -> list[MentorLatency]:
    """Per assigned mentor: the median time from submission to their first review of
    a report of their student, and how many of their students' reports wait."""
    durations: dict[int, list[float]] = defaultdict(list)
    waiting: dict[int, int] = defaultdict(int)
    mentors: dict[int, User] = {}
    for row in rows:
        for mentor in row.mentors:
            mentors[mentor.id] = mentor
        mentor_ids = {mentor.id for mentor in row.mentors}
        for cell in row.cells:
            if cell.report_id is None:
                continue
            reviews = facts.reviews.get(cell.report_id, ())
            if not reviews:
                for mentor_id in mentor_ids:
                    waiting[mentor_id] += 1
                continue
            first_by_mentor: dict[int, datetime.datetime] = {}
            for mentor_id, _verdict, created_at in reviews:
                if mentor_id in mentor_ids:
                    first_by_mentor.setdefault(mentor_id, created_at)
            for mentor_id, created_at in first_by_mentor.items():
                # Imported reviews can predate the recorded submission: count them as instant.
                durations[mentor_id].append(
                    max(0.0, (created_at - cell.submitted_at).total_seconds())
                )
    return [
        MentorLatency(
            mentor=mentor,
            reviewed=len(durations[mentor.pk]),
            median=datetime.timedelta(seconds=statistics.median(durations[mentor.pk]))
            if durations[mentor.pk]
            else None,
            waiting=waiting[mentor.pk],
        )
        for mentor in sorted(mentors.values(), key=user_sort_key)
    ]


def project_groups(
    cohort: Cohort,
    students_queryset: QuerySet[User],
    periods: Iterable[Period],
    now: datetime.datetime,
) -> list[ProjectGroup]:
    """The rows of the given students for some periods only, grouped by project."""
    return _groups(_rows(_load(cohort, students_queryset, periods), now))


def build_overview(
    cohort: Cohort, students_queryset: QuerySet[User], now: datetime.datetime
) -> Overview:
    """The whole overview of the given students of a cohort at `now`."""
    facts = _load(cohort, students_queryset, cohort.periods.order_by("number"))
    rows = _rows(facts, now)
    periods = facts.periods

    completion = {}
    for index, period in enumerate(periods):
        states = [row.cells[index].state for row in rows]
        completion[period.pk] = Completion(
            submitted=sum(1 for s in states if s in SUBMITTED_STATES),
            expected=sum(1 for s in states if s != State.EXCUSED),
        )

    current = current_of(periods, now)
    past_due = [p for p in periods if p.due_at < now]
    last_due = max(past_due, key=lambda p: p.due_at) if past_due else None
    index_of = {p.id: i for i, p in enumerate(periods)}
    not_submitted_current = (
        [r for r in rows if r.cells[index_of[current.id]].state in (State.OPEN, State.FUTURE)]
        if current
        else []
    )
    missing_now = (
        [r for r in rows if r.cells[index_of[last_due.id]].state == State.MISSING]
        if last_due
        else []
    )
    waiting = [
        WaitingReview(row, cell, now - cell.submitted_at)
        for row in rows
        for cell in row.cells
        if cell.report_id is not None
        and cell.reviewed_at is None
        and now - cell.submitted_at > WAITING_REVIEW_AFTER
    ]
    waiting.sort(key=lambda w: w.waiting, reverse=True)
    if current is not None:
        for row in rows:
            cell = row.cells[index_of[current.id]]
            row.quiet = is_quiet(cell)

    return Overview(
        cohort=cohort,
        now=now,
        periods=periods,
        groups=_groups(rows),
        completion=completion,
        current_period=current,
        last_due_period=last_due,
        not_submitted_current=not_submitted_current,
        missing_now=missing_now,
        waiting_review=waiting,
        mentor_latency=_mentor_latency(facts, rows, now),
    )
