"""How the mentors' review queue (/admin/reports/report/) holds up with thousands
of reports: time and query count of the changelist for a TA who sees all of
them and a mentor who sees their students', default order and filtered.

Runs in a throwaway test database (created and dropped here), so it is safe
against any DATABASE_URL:  make bench-admin-queue  [REPORTS=5000]

Each time is the median of RUNS requests through Django's test client, after
one warm-up request. Beside
it, its ratio to the floor measured in the same run: the SELECTs of one more
request of the same page (captured with CaptureQueriesContext), replayed alone
on one cursor with every row fetched, median of bench.floor.RUNS replays.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "camp.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

from bench.floor import capture, floor, median_seconds, with_floor  # noqa: E402

REPORTS = int(os.environ.get("REPORTS", "5000"))
MENTORS = 25
RUNS = 5


def seed(total: int):
    from camp.models import Cohort, Membership, Mentorship, Project, Role, User
    from camp.roles import sync_staff_access
    from reports.models import Report, Review
    from reports.periods import ensure_periods

    cohort = Cohort.objects.create(
        slug="bench", name="Bench", starts_on=datetime.date(2025, 1, 6), period_days=7
    )
    cohort.ends_on = cohort.starts_on + datetime.timedelta(days=7 * 20 - 1)
    cohort.save()
    ensure_periods(cohort)
    periods = list(cohort.periods.order_by("number"))
    project = Project.objects.create(cohort=cohort, title="项目一：基准")
    password = make_password("pw")
    students = User.objects.bulk_create(
        User(username=f"s{n}", github_login=f"s{n}", display_name=f"学员{n}", password=password)
        for n in range(total // len(periods) + 1)
    )
    mentors = User.objects.bulk_create(
        User(username=f"m{n}", github_login=f"m{n}", password=password) for n in range(MENTORS)
    )
    ta = User.objects.create(username="ta", github_login="ta", password=password)
    Membership.objects.bulk_create(
        [Membership(user=s, cohort=cohort, role=Role.STUDENT, project=project) for s in students]
        + [Membership(user=m, cohort=cohort, role=Role.MENTOR) for m in mentors]
        + [Membership(user=ta, cohort=cohort, role=Role.TA)]
    )
    Mentorship.objects.bulk_create(
        Mentorship(cohort=cohort, student=s, mentor=mentors[i % MENTORS])
        for i, s in enumerate(students)
    )
    sync_staff_access([*mentors, ta])
    reports = []
    for i in range(total):
        student, period = students[i // len(periods)], periods[i % len(periods)]
        submitted_at = period.due_at + datetime.timedelta(hours=(i % 48) - 24)
        reports.append(
            Report(
                student=student,
                period=period,
                body="### 本周工作\n\n1. 基准\n",
                status=Report.Status.SUBMITTED,
                submitted_at=submitted_at,
            )
        )
    reports = Report.objects.bulk_create(reports)
    Review.objects.bulk_create(
        Review(
            report=r,
            mentor=mentors[0],
            verdict=Review.Verdict.APPROVED,
            created_at=r.submitted_at + datetime.timedelta(days=1),
        )
        for r in reports[::2]
    )
    return ta, mentors[0]


def measure(client: Client, params: dict) -> tuple[float, float, int, int]:
    """(median seconds, floor seconds, query count, matching rows) of the changelist."""

    def get() -> HttpResponse:
        response = client.get("/admin/reports/report/", params)
        assert response.status_code == 200, response.status_code
        return response

    seconds = median_seconds(get, RUNS)
    # Captured apart from the timed requests: the debug cursor costs time too.
    response, queries = capture(get)
    if os.environ.get("SHOW_SLOW"):  # the two slowest statements, each timed alone
        alone = sorted(((floor([sql], runs=3), sql) for sql in queries), reverse=True)
        for statement_seconds, sql in alone[:2]:
            print(f"      {statement_seconds:.4f}s {sql[:300]}")
    return (
        seconds,
        floor(queries),
        len(queries),
        response.context["cl"].result_count,
    )


def main() -> None:
    # The page names static files that a benchmark never serves.
    warnings.filterwarnings("ignore", message="No directory at")
    setup_test_environment()
    settings.DEBUG = False
    # The manifest storage needs collectstatic; the page only names the files.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        ta, mentor = seed(REPORTS)
        print(
            f"{connection.vendor}: seeded {REPORTS} reports in {time.perf_counter() - started:.1f}s"
        )
        print(f"median of {RUNS} requests; x floor: divided by the same page's SELECTs alone")
        for who, user in [("TA (all)", ta), ("mentor", mentor)]:
            client = Client()
            client.force_login(user)
            for label, params in [
                ("default: waiting", {}),
                ("all", {"review": "all"}),
                ("resubmitted", {"review": "resubmitted"}),
                ("unreviewed", {"review": "unreviewed"}),
                ("late", {"late": "yes"}),
                ("search", {"q": "学员1"}),
            ]:
                seconds, base, queries, rows = measure(client, params)
                print(
                    f"  {who:9} {label:17} {with_floor(seconds, base):>17} "
                    f"(floor {base * 1000:.1f} ms), {queries} queries, {rows} matching"
                )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
