"""Benchmark of the progress overview: server time and query count of the page
for a small (50 x 13) and a large (500 x 26) demo cohort, and the CSV at the
large size. Run with `make bench-overview` (PostgreSQL, see the Makefile).

Server time is measured around Django's test client (the whole request through
middleware, view and template, no network), median of 20 after a warm-up.
"""

from __future__ import annotations

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

from camp.models import User  # noqa: E402

SIZES = [("bench-small", 50, 5, 13), ("bench-large", 500, 60, 26)]
RUNS = 20


def timed(client: Client, url: str) -> tuple[float, float, int, int]:
    """(median wall seconds, median CPU seconds of this process, query count,
    response size) of GET url. The CPU figure leaves out the database server
    and other load on a shared machine; the wall figure includes both."""
    client.get(url)  # warm-up
    times, cpu_times = [], []
    for _ in range(RUNS):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return (
        statistics.median(times),
        statistics.median(cpu_times),
        len(queries),
        len(response.content),
    )


def main() -> None:
    setup_test_environment()  # the test client's host, without a test database
    # Templates use {% static %}; the manifest would need collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine} {settings.DATABASES['default']['NAME']}, {os.cpu_count()} CPUs")
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

    client = Client()
    client.force_login(User.objects.get(username="ta"))
    print(f"load average {os.getloadavg()[0]:.1f}; median of {RUNS} after one warm-up")
    print(f"{'':<22}{'median':>10}{'median CPU':>12}{'queries':>9}{'size':>10}")
    urls = [(f"overview {s} x {p}", f"/overview/{slug}/") for slug, s, _, p in SIZES]
    slug, students, _mentors, periods = SIZES[-1]
    urls.append((f"csv {students} x {periods}", f"/overview/{slug}.csv"))
    for label, url in urls:
        median, cpu, queries, size = timed(client, url)
        print(
            f"{label:<22}{median * 1000:>8.0f}ms{cpu * 1000:>10.0f}ms"
            f"{queries:>9}{size / 1024:>8.0f}KB"
        )


if __name__ == "__main__":
    main()
