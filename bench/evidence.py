"""Evidence benchmark against the fake GitHub server: requests and GitHub time.

Scenarios of 20 and 100 students and one or two tracked repositories:
PaddlePaddle/docs (quiet: the students' work only) and PaddlePaddle/Paddle,
given the fake as busy as the real one (3,000 pull requests and 1,000 issues
over a season by 300 contributors, each pull request reviewed by maintainers).
Each student has, in period 1, a pull request opened, one merged (opened
before), a review of someone else's pull request and an issue, and a report
that references their own pull request and someone else's.

For each scenario, the rate-limited requests of every way to collect, by kind
(search, GraphQL, REST; a 304 costs nothing), and the GitHub time they imply at
the documented limits (docs.github.com: 30 searches a minute, 5,000 requests
or GraphQL points an hour), counted on the fake without waiting:

- today: four searches per student and repository, the query of each
  repository on its own (what the space-separated `repo:` of old amounted to
  once GitHub ANDed them);
- search: four searches per student, the repositories ORed in one query;
- listing: each repository listed once for everyone (GraphQL);
- chosen: what collect_evidence picks per repository (the cheaper).

Then the chosen way on the 100-student, two-repository scenario, timed with
GitHub's search limit (30 per window, the window shortened from 60 s to
WINDOW_SECONDS; the pacing logic is the same, it reads the reset from the
headers), beside its floor: the SQL of the same collection replayed alone on
one cursor, median of bench.floor.RUNS replays, each rolled back
(bench/floor.py); the SQL comes from a rehearsal of the same call, rolled
back, just before. Then a rerun on the closed period. The last line is the
one a check reads.

Each counted run is rolled back, so every way starts from the same database.
Runs on its own throw-away SQLite database unless BENCH_DATABASE_URL is set
(a PostgreSQL database that is created if missing and migrated here; it must
hold no bench data yet).
"""

from __future__ import annotations

import datetime
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.database import migrated_database, use_throwaway_database  # noqa: E402

use_throwaway_database("bench-evidence-")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402

from bench.floor import duration, floor, rehearse, with_floor  # noqa: E402
from camp.models import Cohort, Membership, Project, Role, User  # noqa: E402
from reports.github import evidence  # noqa: E402
from reports.github.activity import POINT_SECONDS, SEARCH_SECONDS  # noqa: E402
from reports.github.evidence import CollectResult, Method, collect_evidence  # noqa: E402
from reports.models import GitHubEvidence, ReferenceCheck  # noqa: E402
from reports.periods import ensure_periods  # noqa: E402
from reports.submissions import save_report  # noqa: E402
from tests.fakes.github import FakeGitHub  # noqa: E402

BUSY = "PaddlePaddle/Paddle"
QUIET = "PaddlePaddle/docs"
WINDOW_SECONDS = 2.0
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
# Collected three days after the end of the period worked in (2025-05-12 ..
# 05-25, the cohort's sixth), when GitHub's season of activity is as far as now.
NOW = datetime.datetime(2025, 5, 28, 12, tzinfo=datetime.UTC)
SEASON = (datetime.datetime(2025, 2, 1, tzinfo=SHANGHAI), NOW)
WORK_DAY = datetime.datetime(2025, 5, 15, 10, tzinfo=SHANGHAI)
# The one-student scenario: the first period (2025-03-03 .. 03-16), collected now.
FIRST_PERIOD_DAY = datetime.datetime(2025, 3, 5, 10, tzinfo=SHANGHAI)
SCENARIOS = [  # (students, tracked repositories)
    (20, [QUIET]),
    (20, [BUSY, QUIET]),
    (100, [QUIET]),
    (100, [BUSY, QUIET]),
    (20, [BUSY]),
    (100, [BUSY]),
]
MAIN = (100, [BUSY, QUIET])


def build_cohort(
    fake: FakeGitHub, students: int, repositories: list[str], tag: str, day: datetime.datetime
) -> Cohort:
    cohort = Cohort.objects.create(
        slug=f"bench-{tag}",
        name=f"Bench camp {tag}",
        starts_on=datetime.date(2025, 3, 3),
        ends_on=datetime.date(2025, 6, 1),
        period_days=14,
        repositories=repositories,
    )
    ensure_periods(cohort)
    period = worked_in(cohort, day)
    project = Project.objects.create(cohort=cohort, title="bench")
    first, last = repositories[0], repositories[-1]
    other = fake.add_work_pull(first, "maintainer-0", created_at=day)
    for n in range(students):
        login = f"{tag}-s{n:03}"
        user = User.objects.create(username=login, github_login=login)
        Membership.objects.create(user=user, cohort=cohort, role=Role.STUDENT, project=project)
        opened = fake.add_work_pull(first, login, created_at=day)
        fake.add_work_pull(
            last,
            login,
            created_at=day - datetime.timedelta(days=10),
            merged_at=day + datetime.timedelta(days=1),
        )
        fake.add_work_pull(
            first,
            "maintainer-1",
            created_at=day,
            reviewers={login: day + datetime.timedelta(hours=2)},
        )
        fake.add_work_issue(last, login, created_at=day)
        body = f"### 本周工作\n\n1. #{opened['number']}\n2. 参考 {first}#{other['number']}\n"
        save_report(student=user, period=period, body=body, submit=True)
    return cohort


def worked_in(cohort: Cohort, day: datetime.datetime):
    return cohort.periods.get(starts_on__lte=day.date(), ends_on__gte=day.date())


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def count(cohort: Cohort, method: Method, day: datetime.datetime, *, per_repository=False):
    """A collection's result and what it found, rolled back; per_repository: one
    query per repository."""
    evidence.REPOSITORIES_PER_QUERY = 1 if per_repository else 6
    try:
        with rolled_back():
            result = collect_evidence(
                cohort, periods=[worked_in(cohort, day)], now=NOW, method=method
            )
            return result, found(cohort)
    finally:
        evidence.REPOSITORIES_PER_QUERY = 6


def found(cohort: Cohort) -> tuple[dict, dict]:
    """Every student's counts and items, and every checked reference, of the cohort."""
    rows = GitHubEvidence.objects.filter(period__cohort=cohort)
    checks = ReferenceCheck.objects.filter(report__period__cohort=cohort).select_related(
        "report__student"
    )
    return (
        {row.login: (row.counts(), [getattr(row, c) for c in row.COUNTS]) for row in rows},
        {
            (c.report.student.username, c.ref): (
                c.state,
                c.kind,
                c.by_student,
                c.reviewed_by_student,
            )
            for c in checks
        },
    )


def as_built(cohort: Cohort, work: tuple[dict, dict]) -> bool:
    """What the scenario gave each student: one of each kind, two references."""
    evidence_of, checks = work
    one_each = dict.fromkeys(GitHubEvidence.COUNTS, 1)
    students = cohort.memberships.count()
    return (
        len(evidence_of) == students
        and all(counts == one_each for counts, _ in evidence_of.values())
        and len(checks) == 2 * students
    )


def others(result: CollectResult) -> int:
    """Rate-limited requests that are not searches: GraphQL and REST (a 304 is free)."""
    return result.graphql_requests + result.rest_requests - result.rest_not_modified


def github_time(result: CollectResult) -> float:
    return (
        result.search_requests * SEARCH_SECONDS
        + (result.graphql_points + result.rest_requests - result.rest_not_modified) * POINT_SECONDS
    )


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def row(name: str, result: CollectResult) -> str:
    methods = ", ".join(f"{repo.split('/')[1]}: {how}" for repo, how in result.methods.items())
    return (
        f"    {name:<8} {result.search_requests:>5} search  {result.graphql_requests:>4} GraphQL "
        f"({result.graphql_points} points)  {result.rest_requests - result.rest_not_modified:>4} REST"
        f"  = {result.rate_limited_requests:>5} requests, {minutes(github_time(result)):>9} "
        f"of GitHub's time  [{methods}]"
    )


def compare(fake: FakeGitHub, cohorts: dict) -> None:
    fake.search_limit = 10**9  # counting, not waiting: the time is computed from the counts
    print(
        "evidence, requests by kind and the GitHub time they imply at the documented limits "
        "(30 searches a minute; 5,000 REST requests or GraphQL points an hour)"
    )
    for students, repositories in SCENARIOS:
        cohort = cohorts[(students, tuple(repositories))]
        names = " + ".join(f"{r} ({'busy' if r == BUSY else 'quiet'})" for r in repositories)
        print(f"  {students} students, {names}, a period just after its end")
        today = count(cohort, Method.SEARCH, WORK_DAY, per_repository=True)
        results = {
            "today": today,
            "search": count(cohort, Method.SEARCH, WORK_DAY) if len(repositories) > 1 else today,
            "listing": count(cohort, Method.LISTING, WORK_DAY),
            "chosen": count(cohort, Method.AUTO, WORK_DAY),
        }
        for name, (result, _) in results.items():
            print(row(name, result))
        chosen, work = results["chosen"]
        ratio = today[0].rate_limited_requests / max(1, chosen.rate_limited_requests)
        same = all(other == work for _, other in results.values())
        print(
            f"    chosen: {ratio:.0f}x fewer rate-limited requests than today; every way found "
            f"the same evidence (counts, items, references): {'yes' if same else 'NO'}; "
            f"as built (1 of each kind, 2 references a student): "
            f"{'yes' if as_built(cohort, work) else 'NO'}"
        )
    cohort = cohorts[(1, (BUSY,))]
    print(f"  1 student, {BUSY} (busy), the first period collected at the season's end")
    for name, method in (("search", Method.SEARCH), ("listing", Method.LISTING)):
        print(row(name, count(cohort, method, FIRST_PERIOD_DAY)[0]))
    print(row("chosen", count(cohort, Method.AUTO, FIRST_PERIOD_DAY)[0]))


def timed(fake: FakeGitHub, cohort: Cohort) -> tuple[CollectResult, str, CollectResult, str]:
    """The chosen way on the main scenario, paced by the fake's search limit,
    beside its floor; then a rerun on the closed period."""
    fake.search_limit = FakeGitHub.SEARCH_LIMIT
    fake.search_window_seconds = WINDOW_SECONDS
    period = worked_in(cohort, WORK_DAY)

    def collect():
        return collect_evidence(cohort, periods=[period], wait=True, now=NOW)

    figures = []
    for _ in range(2):
        sql = rehearse(collect)
        base = floor(sql, rollback=True)
        time.sleep(fake.search_window_seconds)
        fake.reset_log()
        fake.search_limit_hits = 0
        started = time.perf_counter()
        result = collect()
        elapsed = time.perf_counter() - started
        figures.append(
            (result, f"{with_floor(elapsed, base)} (floor {duration(base)}, {len(sql)} statements)")
        )
    (first, first_time), (again, again_time) = figures
    return first, first_time, again, again_time


def main() -> None:
    fake = FakeGitHub().start()
    settings.GITHUB_API_URL = fake.base_url
    settings.GITHUB_TOKEN = "bench-token"
    try:
        migrated_database()
        fake.add_busy_repository(BUSY, pulls=3000, issues=1000, starts=SEASON[0], ends=SEASON[1])
        fake.repo(QUIET)
        cohorts = {
            (students, tuple(repos)): build_cohort(fake, students, repos, f"{n}", WORK_DAY)
            for n, (students, repos) in enumerate(SCENARIOS)
        }
        cohorts[(1, (BUSY,))] = build_cohort(fake, 1, [BUSY], "one", FIRST_PERIOD_DAY)
        compare(fake, cohorts)
        students, repositories = MAIN
        cohort = cohorts[(students, tuple(repositories))]
        result, elapsed, again, again_elapsed = timed(fake, cohort)
        merged = sum(
            GitHubEvidence.objects.filter(period__cohort=cohort).values_list(
                "prs_merged_count", flat=True
            )
        )
        flagged = sum(
            1
            for check in ReferenceCheck.objects.filter(report__period__cohort=cohort)
            if check.needs_attention
        )
        print(f"  chosen, {students} students x {len(repositories)} repositories, timed")
        print(row("run", result))
        print(f"    time                 {elapsed}")
        print(
            f"    search waits         {result.waits}; search limit hits {fake.search_limit_hits}"
        )
        print(f"    merged PRs found     {merged}; references flagged {flagged}")
        print(
            f"    rerun, closed period {again.rate_limited_requests} requests, kept {again.kept}, "
            f"{again_elapsed}"
        )
        print(
            f"evidence: {students} students, {len(repositories)} repositories, "
            f"{result.search_requests} search requests, {others(result)} other rate-limited requests"
        )
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
