"""Evidence benchmark against the fake GitHub server.

100 students x 1 period, each with a pull request opened, one merged, one
review and one issue in the tracked repository, and a report that references
their own pull request and someone else's. The fake's search limit is GitHub's
30 requests per window, with the window shortened from 60 s to WINDOW_SECONDS
so that the run takes seconds rather than the ~14 minutes 400 searches take
at GitHub's real pace; the pacing logic is the same (it reads the reset from
the headers). Prints the requests made, the waits, whether the limit was ever
hit, the time, the time at GitHub's real pace, and a rerun on the closed period.

Runs on its own throw-away SQLite database unless BENCH_DATABASE_URL is set
(a PostgreSQL database that is created if missing and migrated here; it must
hold no bench data yet).

The request counts, waits and limit hits have no time floor, and the time at
GitHub's pace is computed, not measured. The two measured times are printed
beside their ratio to a floor measured in the same run: the SQL of the same
collection, replayed alone on one cursor with every row fetched, median of
bench.floor.RUNS replays, each in a transaction rolled back, so no COMMIT is
in the floor (bench/floor.py). The collection writes (evidence rows, checked
references, ETags), and replaying what a committed run wrote would collide
with the rows it created, so the SQL comes from a rehearsal on the same
database state just before the measured run: the same collect_evidence call,
rolled back, against the same fake GitHub. After the rehearsal the bench
waits for the fake's search window to end and clears its log and limit-hit
count, so the measured run starts as a first run would.
"""

from __future__ import annotations

import datetime
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.database import migrated_database, use_throwaway_database  # noqa: E402

use_throwaway_database("bench-evidence-")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from bench.floor import duration, floor, rehearse, with_floor  # noqa: E402
from camp.models import Cohort, Membership, Project, Role, User  # noqa: E402
from reports.github.evidence import collect_evidence  # noqa: E402
from reports.models import GitHubEvidence, ReferenceCheck  # noqa: E402
from reports.periods import ensure_periods  # noqa: E402
from reports.submissions import save_report  # noqa: E402
from tests.fakes.github import FakeGitHub  # noqa: E402

UPSTREAM = "PaddlePaddle/Paddle"
STUDENTS = 100
WINDOW_SECONDS = 2.0
GITHUB_WINDOW_SECONDS = 60.0
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def build(fake: FakeGitHub) -> tuple[Cohort, datetime.datetime]:
    migrated_database()
    cohort = Cohort.objects.create(
        slug="bench",
        name="Bench camp",
        starts_on=datetime.date(2025, 3, 3),
        ends_on=datetime.date(2025, 3, 16),
        repositories=[UPSTREAM],
    )
    ensure_periods(cohort)
    period = cohort.periods.get(number=1)
    project = Project.objects.create(cohort=cohort, title="bench")
    day = datetime.datetime(2025, 3, 5, 10, tzinfo=SHANGHAI)
    other = fake.add_work_pull(UPSTREAM, "maintainer", created_at=day)
    for n in range(STUDENTS):
        login = f"s{n:03}"
        user = User.objects.create(username=login, github_login=login)
        Membership.objects.create(user=user, cohort=cohort, role=Role.STUDENT, project=project)
        opened = fake.add_work_pull(UPSTREAM, login, created_at=day)
        fake.add_work_pull(
            UPSTREAM,
            login,
            created_at=day - datetime.timedelta(days=10),
            merged_at=day + datetime.timedelta(days=1),
        )
        fake.add_work_pull(
            UPSTREAM,
            "maintainer",
            created_at=day,
            reviewers={login: day + datetime.timedelta(hours=2)},
        )
        fake.add_work_issue(UPSTREAM, login, created_at=day)
        body = f"### 本周工作\n\n1. #{opened['number']}\n2. 参考 {UPSTREAM}#{other['number']}\n"
        save_report(student=user, period=period, body=body, submit=True)
    return cohort, datetime.datetime(2025, 3, 25, 12, tzinfo=datetime.UTC)


def rehearsed_floor(fake: FakeGitHub, collect) -> tuple[float, int]:
    """(floor seconds, statement count) of `collect`, from a rehearsal; the fake
    is then as it was before it: a new search window, no log, no limit hit."""
    sql = rehearse(collect)
    base = floor(sql, rollback=True)
    time.sleep(fake.search_window_seconds)
    fake.reset_log()
    fake.search_limit_hits = 0
    return base, len(sql)


def main() -> None:
    fake = FakeGitHub().start()
    fake.search_window_seconds = WINDOW_SECONDS
    settings.GITHUB_API_URL = fake.base_url
    settings.GITHUB_TOKEN = "bench-token"
    try:
        cohort, after_the_period = build(fake)
        collect = lambda: collect_evidence(cohort, wait=True, now=after_the_period)  # noqa: E731
        base, statements = rehearsed_floor(fake, collect)
        started = time.perf_counter()
        result = collect()
        elapsed = time.perf_counter() - started
        searches = len(fake.search_requests())
        others = fake.count() - searches
        merged = sum(GitHubEvidence.objects.values_list("prs_merged_count", flat=True))
        flagged = sum(1 for check in ReferenceCheck.objects.all() if check.needs_attention)
        windows = -(-searches // fake.search_limit)
        print(
            f"evidence, {STUDENTS} students x 1 period, search limit {fake.search_limit} "
            f"per {WINDOW_SECONDS:g} s window (GitHub: per {GITHUB_WINDOW_SECONDS:g} s)"
        )
        print(f"  search requests      {searches} ({searches / STUDENTS:.1f} per student)")
        print(
            f"  other requests       {others} (reference checks: single issue / reviews; "
            f"{fake.count(304)} answered 304)"
        )
        print(f"  waits for the reset  {result.waits}")
        print(f"  search limit hits    {fake.search_limit_hits} (403s)")
        print(
            f"  time                 {with_floor(elapsed, base)} "
            f"(floor {duration(base)}, {statements} statements)"
        )
        print(
            f"  at GitHub's pace     about {(windows - 1) * GITHUB_WINDOW_SECONDS / 60:.0f} min "
            f"({windows} windows of {fake.search_limit})"
        )
        print(f"  merged PRs found     {merged}; references flagged {flagged}")
        base, statements = rehearsed_floor(fake, collect)
        started = time.perf_counter()
        again = collect()
        elapsed = time.perf_counter() - started
        print(
            f"  rerun, closed period {len(fake.search_requests())} search requests, "
            f"{fake.count()} requests in all, kept {again.kept}, "
            f"{with_floor(elapsed, base)} (floor {duration(base)}, {statements} statements)"
        )
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
