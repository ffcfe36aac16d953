"""Benchmark of the progress overview: server time and query count of the page
for a small (50 x 13) and a large (500 x 26) demo cohort, and the CSV at the
large size. Run with `make bench-overview` (PostgreSQL and Redis, see the
Makefile); it creates its database and migrates it.

Server time is measured around Django's test client (the whole request through
middleware, view and template, no network), median of 20 after a warm-up. The
page is timed twice: right after a change in the cohort (its cache key moved,
so the page is built), and unchanged since the last view (served from the
cache). Beside each figure, its ratio to the floor measured in the same run:
the request's own SQL queries run alone, without building or rendering.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "camp.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from bench.database import migrated_database  # noqa: E402
from bench.floor import RUNS, floor  # noqa: E402
from camp.models import Cohort, User, mark_cohort_changed  # noqa: E402

SIZES = [("bench-small", 50, 5, 13), ("bench-large", 500, 60, 26)]


def timed(client: Client, url: str, before=None) -> tuple[float, float, int, int, list[str]]:
    """(median wall seconds, median CPU seconds of this process, query count,
    response size, the queries) of GET url, calling `before` ahead of each
    request, outside the timing. The CPU figure leaves out the database server
    and other load on a shared machine; the wall figure includes both."""
    client.get(url)  # warm-up
    times, cpu_times = [], []
    for _ in range(RUNS):
        if before:
            before()
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
        assert response.status_code == 200, response.status_code
    if before:
        before()
    else:
        # The cache key holds the minute: a new minute may have begun since.
        client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return (
        statistics.median(times),
        statistics.median(cpu_times),
        len(queries),
        len(response.content),
        [query["sql"] for query in queries.captured_queries],
    )


def main() -> None:
    migrated_database()
    setup_test_environment()  # the test client's host, without a test database
    # Templates use {% static %}; the manifest would need collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    cache = settings.CACHES["pages"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        f"database: {engine} {settings.DATABASES['default']['NAME']}, page cache: {cache}"
        f" (Redis when REDIS_URL is set, as in production), {os.cpu_count()} CPUs"
    )
    for slug, students, mentors, periods in SIZES:
        started = time.perf_counter()
        call_command(
            "seed_demo",
            cohort=slug,
            students=students,
            mentors=mentors,
            periods=periods,
            stdout=open(os.devnull, "w"),  # noqa: SIM115
        )
        print(f"seeded {slug} ({students} x {periods}) in {time.perf_counter() - started:.1f} s")

    if connection.vendor == "postgresql":
        # The planner's statistics, which autovacuum gathers soon after a bulk
        # load: without them it joins 13,000 rows as if there were a handful.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    # As in a production worker (camp/gunicorn_conf.py, post_worker_init): what
    # is loaded before the first request is out of the garbage collector's watch.
    gc.collect()
    gc.freeze()

    client = Client()
    client.force_login(User.objects.get(username="ta"))
    print(f"load average {os.getloadavg()[0]:.1f}; median of {RUNS} after one warm-up")
    print("x floor: the figure divided by the same request's queries run alone")
    print(f"{'':<34}{'median':>8}{'x floor':>9}{'CPU':>8}{'floor':>8}{'queries':>9}{'size':>9}")
    cases = []
    for slug, students, _mentors, periods in SIZES:
        cohort_id = Cohort.objects.get(slug=slug).pk
        changed = lambda cohort_id=cohort_id: mark_cohort_changed(cohort_id)  # noqa: E731
        url = f"/overview/{slug}/"
        cases.append((f"overview {students} x {periods}, changed", url, changed))
        cases.append((f"overview {students} x {periods}, unchanged", url, None))
    slug, students, _mentors, periods = SIZES[-1]
    cohort_id = Cohort.objects.get(slug=slug).pk
    changed = lambda: mark_cohort_changed(cohort_id)  # noqa: E731
    cases.append((f"csv {students} x {periods}, changed", f"/overview/{slug}.csv", changed))
    cases.append((f"csv {students} x {periods}, unchanged", f"/overview/{slug}.csv", None))
    for label, url, before in cases:
        median, cpu, count, size, queries = timed(client, url, before)
        base = floor(queries)
        print(
            f"{label:<34}{median * 1000:>6.0f}ms{median / base:>8.1f}x{cpu * 1000:>6.0f}ms"
            f"{base * 1000:>6.1f}ms{count:>9}{size / 1024:>7.0f}KB"
        )


if __name__ == "__main__":
    main()
