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
from typing import NamedTuple, TypeVar

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BigIntegerField, Func, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from camp.models import Cohort, Membership, Mentorship, Role, User
from reports.links import report_path, report_paths
from reports.models import (
    Allowance,
    Blocker,
    GitHubEvidence,
    GitHubPullRequest,
    Period,
    Report,
    Review,
)
from reports.parsing import parse_claimed_range
from reports.periods import current_of, submission_period
from reports.status import (
    SUBMITTED_STATES,
    State,
    awaits_review,
    effective_due_at,
    is_late,
    period_start_instant,
    report_state,
    resubmitted_at_sql,
    waiting_since,
)

WAITING_REVIEW_AFTER = datetime.timedelta(days=3)

T = TypeVar("T")


# A heading of the published summary, so in the camp's language like the rest of it.
NO_PROJECT_TITLE = "未分配项目"


class ReportFacts(NamedTuple):
    """The parts of a Report that status rules read (report_state, is_late,
    waiting_since)."""

    id: int
    status: str
    submitted_at: datetime.datetime | None
    # The first revision after the latest review (status.resubmitted_at_sql):
    # set exactly when the report changed since it was last reviewed.
    resubmitted_at: datetime.datetime | None


class EpochMicroseconds(Func):
    """An instant as whole microseconds since 1970-01-01 UTC, exact.

    A big cohort's overview reads some 20,000 instants. Django's PostgreSQL
    backend parses every timestamp in Python (its loader extends psycopg's
    Python loader: the C one cannot be extended), which took longer than
    running the queries; integers load in C. `instant()` turns one back into
    the same datetime, so instants compare exactly as stored."""

    # EXTRACT answers an exact numeric; date_part()'s double is cheaper but
    # can be a microsecond off (the property test in
    # tests/overview/test_reading_instants.py found one).
    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()
    arity = 1

    def get_db_converters(self, connection: BaseDatabaseWrapper) -> list:
        # Both databases answer an integer already: no int() call per row.
        return self.output_field.get_db_converters(connection)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: object
    ) -> tuple[str, list]:
        # Django keeps instants in SQLite as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]".
        # unixepoch() of the whole seconds only (it rounds .9995 up to the next
        # second), the microseconds from the text.
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"(unixepoch(substr({sql}, 1, 19)) * 1000000 + CAST(substr({sql}, 21, 6) AS INTEGER))",
            [*params, *params],
        )


def instant(microseconds: int | None) -> datetime.datetime | None:
    """The datetime of an EpochMicroseconds value. Through a float, which is
    exact here: a double holds any instant of this era to a quarter of a
    microsecond, and fromtimestamp() rounds to the nearest one."""
    if microseconds is None:
        return None
    return datetime.datetime.fromtimestamp(microseconds / 1_000_000, datetime.UTC)


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
    # Since when the report waits for review (status.waiting_since), when it does.
    waiting_since: datetime.datetime | None = None
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
    # Blockers still open (reports.blockers) and the age of the oldest, in days.
    open_blockers: int = 0
    oldest_blocker_days: int = 0

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
    url: str


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


# What the overview, its CSV, its summary and the API's overview show of a
# person: str(user) and user.name. Only these are read: the others include two
# timestamps each, which Django's PostgreSQL backend parses slowly (see
# EpochMicroseconds), and a big camp has hundreds of people.
SHOWN_USER_FIELDS = ("id", "username", "github_login", "display_name", "first_name", "last_name")


def user_sort_key(user: User) -> list[int | str]:
    return _natural_key(str(user))


# student id -> period id -> what is known of that student in that period: a
# cell looks up its student once per row, then a period id (no key tuple per cell).
PerStudent = dict[int, dict[int, T]]


def _per_student(items: Iterable[tuple[int, int, T]]) -> PerStudent[T]:
    """(student id, period id, value) triples as a PerStudent map; for the same
    student and period the first value wins."""
    grouped: PerStudent[T] = defaultdict(dict)
    for student_id, period_id, value in items:
        grouped[student_id].setdefault(period_id, value)
    return grouped


@dataclass
class _Facts:
    """Everything the overview reads from the database, already grouped."""

    periods: list[Period]
    students: list[User]
    projects: dict[int, tuple[int | None, str | None]]
    mentors: dict[int, list[User]]
    reports: PerStudent[ReportFacts]
    reviews: dict[int, list[tuple[int | None, str, datetime.datetime]]]
    allowances: PerStudent[Allowance]
    pending: PerStudent[str]
    activity: PerStudent[Activity]


def _load(cohort: Cohort, students: QuerySet[User], periods: Iterable[Period]) -> _Facts:
    periods = list(periods)
    for period in periods:
        period.cohort = cohort  # report_state reads period.cohort.tzinfo
    period_ids = [p.pk for p in periods]
    # A subquery, not a list of ids, so the SQL stays the same size for any cohort.
    student_ids = students.values("pk")
    people = User.objects.only(*SHOWN_USER_FIELDS)
    student_rows = sorted(people.filter(pk__in=student_ids), key=user_sort_key)
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
    mentor_by_id = {user.pk: user for user in people.filter(pk__in=mentorships.values("mentor_id"))}
    mentors: dict[int, list[User]] = defaultdict(list)
    for student_id, mentor_id in mentorships.values_list("student_id", "mentor_id"):
        mentors[student_id].append(mentor_by_id[mentor_id])
    for mentor_list in mentors.values():
        mentor_list.sort(key=user_sort_key)
    reports: PerStudent[ReportFacts] = defaultdict(dict)
    for report_id, student_id, period_id, status, submitted, resubmitted in (
        Report.objects.filter(period__in=period_ids, student__in=student_ids)
        .order_by()
        .annotate(
            submitted=EpochMicroseconds("submitted_at"),
            resubmitted=EpochMicroseconds(resubmitted_at_sql()),
        )
        .values_list("id", "student_id", "period_id", "status", "submitted", "resubmitted")
    ):
        # One report per student and period (Report's constraint).
        reports[student_id][period_id] = ReportFacts(
            report_id, status, instant(submitted), instant(resubmitted)
        )
    reviews: dict[int, list[tuple[int | None, str, datetime.datetime]]] = defaultdict(list)
    for report_id, mentor_id, verdict, created in (
        Review.objects.filter(report__period__in=period_ids, report__student__in=student_ids)
        .order_by("created_at", "id")
        .annotate(created=EpochMicroseconds("created_at"))
        .values_list("report_id", "mentor_id", "verdict", "created")
    ):
        reviews[report_id].append((mentor_id, verdict, instant(created)))
    allowances = _per_student(
        (a.student_id, a.period_id, a)
        for a in Allowance.objects.filter(period__in=period_ids, student__in=student_ids).only(
            "student_id", "period_id", "kind", "extended_due_at"
        )
    )
    pending = _pending_pull_requests(cohort, student_ids, periods)
    activity = _per_student(
        (student_id, period_id, Activity(*counts))
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
    )
    return _Facts(
        periods,
        student_rows,
        projects,
        mentors,
        reports,
        reviews,
        allowances,
        pending,
        activity,
    )


def _pending_pull_requests(
    cohort: Cohort, student_ids: QuerySet, periods: list[Period]
) -> PerStudent[str]:
    """The URL of an open pull request carrying a student's report file for a
    period (the oldest such pull request). The period comes from the file
    name's dates, as for merged files; a name without dates means the period
    the pull request is open in."""
    today = timezone.localdate(timezone=cohort.tzinfo)
    found = []
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
                found.append((student_id, period.id, url))
    return _per_student(found)


class _StudentFacts(NamedTuple):
    """One student's entries of _Facts, by period id."""

    reports: dict[int, ReportFacts]
    allowances: dict[int, Allowance]
    pending: dict[int, str]
    activity: dict[int, Activity]

    @classmethod
    def of(cls, facts: _Facts, student_id: int) -> _StudentFacts:
        return cls(
            facts.reports.get(student_id, {}),
            facts.allowances.get(student_id, {}),
            facts.pending.get(student_id, {}),
            facts.activity.get(student_id, {}),
        )


class _Blank(NamedTuple):
    """A period's cell for any student with neither a report nor an allowance
    in it: the same for all of them at a given time, so judged once per period
    (in a young camp, most cells of the matrix)."""

    state: State
    days_late: int | None

    @classmethod
    def of(cls, period: Period, now: datetime.datetime) -> _Blank:
        state = report_state(period=period, report=None, allowance=None, verdict=None, now=now)
        if state != State.MISSING:
            return cls(state, None)
        return cls(state, _whole_days(now - effective_due_at(period, None)))


def _cell(
    mine: _StudentFacts,
    reviews_of: dict[int, list[tuple[int | None, str, datetime.datetime]]],
    period: Period,
    blank: _Blank,
    now: datetime.datetime,
) -> Cell:
    # .id, not .pk: .pk resolves through _meta, and this runs once per cell.
    report = mine.reports.get(period.id)
    allowance = mine.allowances.get(period.id)
    if report is None and allowance is None:
        return Cell(
            period,
            blank.state,
            days_late=blank.days_late,
            pending_url=mine.pending.get(period.id),
            activity=mine.activity.get(period.id),
        )
    reviews = reviews_of.get(report.id, ()) if report is not None else ()
    # Reviews come oldest first (NEWEST_REVIEW_FIRST reversed): the last one's
    # verdict is the latest, as status.latest_review_verdict has it.
    verdict = reviews[-1][1] if reviews else None
    state = report_state(
        period=period,
        report=report,
        allowance=allowance,
        verdict=verdict,
        now=now,
        revised_after_review=report is not None and report.resubmitted_at is not None,
    )
    cell = Cell(period, state, activity=mine.activity.get(period.id))
    if report is not None and report.status == Report.Status.SUBMITTED:
        cell.report_id = report.id
        cell.submitted_at = report.submitted_at
        cell.reviewed_at = reviews[0][2] if reviews else None
        if awaits_review(state):
            cell.waiting_since = waiting_since(report.submitted_at, report.resubmitted_at)
        if is_late(report, period, allowance):
            cell.days_late = _whole_days(report.submitted_at - effective_due_at(period, allowance))
    else:
        cell.pending_url = mine.pending.get(period.id)
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
    columns = [(period, _Blank.of(period, now)) for period in facts.periods]
    rows = []
    for student in facts.students:
        project_id, title = facts.projects.get(student.pk, (None, None))
        row = StudentRow(
            student=student,
            project_id=project_id,
            project_title=title or NO_PROJECT_TITLE,
            mentors=facts.mentors.get(student.pk, []),
        )
        mine = _StudentFacts.of(facts, student.id)
        row.cells = [_cell(mine, facts.reviews, period, blank, now) for period, blank in columns]
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
            if cell.waiting_since is not None:
                for mentor_id in mentor_ids:
                    waiting[mentor_id] += 1
            reviews = facts.reviews.get(cell.report_id, ())
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


def _mark_blockers(cohort: Cohort, rows: list[StudentRow], now: datetime.datetime) -> None:
    """Each row's open blockers and the age of the oldest: one query."""
    by_student = {row.student.pk: row for row in rows}
    for student_id, opened_at in Blocker.objects.filter(
        cohort=cohort, resolved_at__isnull=True, student_id__in=list(by_student)
    ).values_list("student_id", "opened_at"):
        row = by_student[student_id]
        row.open_blockers += 1
        row.oldest_blocker_days = max(row.oldest_blocker_days, (now - opened_at).days)


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
    path = report_paths()
    waiting = [
        WaitingReview(row, cell, now - cell.waiting_since, path(cell.report_id))
        for row in rows
        for cell in row.cells
        if cell.waiting_since is not None and now - cell.waiting_since > WAITING_REVIEW_AFTER
    ]
    waiting.sort(key=lambda w: w.waiting, reverse=True)
    if current is not None:
        for row in rows:
            cell = row.cells[index_of[current.id]]
            row.quiet = is_quiet(cell)
    _mark_blockers(cohort, rows, now)

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
