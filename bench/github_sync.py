"""GitHub sync benchmark against the fake GitHub server.

A cohort of 12 periods x 30 students: every student comments on every summary
issue and also merges one report file per period through a pull request.
Prints the requests of a first full sync, the requests and rate-limit units
of an idle re-sync (a 304 costs no unit on GitHub), and the time from a
webhook delivery to the report being visible.

Runs on its own throw-away SQLite database unless BENCH_DATABASE_URL is set.
With REDIS_URL set, the webhook is also measured through a real Celery worker.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.database import use_throwaway_database  # noqa: E402

use_throwaway_database("bench-github-")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from camp.celery import app as celery_app  # noqa: E402
from camp.models import Cohort, Membership, Role, User  # noqa: E402
from reports.access import visible_reports  # noqa: E402
from reports.github.poll import sync_cohort  # noqa: E402
from reports.periods import ensure_periods  # noqa: E402
from tests.fakes.github import FakeGitHub  # noqa: E402

REPO = "bench/camp"
BASE = "WeeklyReports/bench"
PERIODS = 12
STUDENTS = 30
SECRET = "bench-secret"


def build(fake: FakeGitHub) -> tuple[Cohort, list[User]]:
    call_command("migrate", verbosity=0)
    cohort = Cohort.objects.create(
        slug="bench",
        name="Bench camp",
        starts_on=datetime.date(2025, 3, 3),
        ends_on=datetime.date(2025, 3, 3) + datetime.timedelta(days=14 * PERIODS - 1),
        github_repo=REPO,
        github_reports_path=BASE,
    )
    ensure_periods(cohort)
    students = []
    for n in range(STUDENTS):
        user = User.objects.create(username=f"s{n:02}", github_login=f"s{n:02}")
        Membership.objects.create(user=user, cohort=cohort, role=Role.STUDENT)
        students.append(user)
    for period in cohort.periods.all():
        dates = f"{period.starts_on:%Y.%m.%d}~{period.ends_on:%Y.%m.%d}"
        issue = fake.add_issue(REPO, f"[WeeklyReports] {dates} 周报汇总")
        for user in students:
            text = f"### 本周工作\n\n{user} #{period.number}"
            fake.add_comment(REPO, issue["number"], user.github_login, text)
        for user in students:
            name = f"{BASE}/{user.github_login}/{dates}.md"
            text = f"### 本周工作\n\n{user} file #{period.number}"
            fake.add_pull(REPO, user.github_login, {name: text})
    return cohort, students


def deliver(client: Client, payload: dict, delivery: str) -> int:
    body = json.dumps(payload).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(
        "/github/webhook/",
        body,
        content_type="application/json",
        HTTP_X_GITHUB_EVENT="issue_comment",
        HTTP_X_GITHUB_DELIVERY=delivery,
        HTTP_X_HUB_SIGNATURE_256="sha256=" + signature,
    )
    return response.status_code


def webhook_latency(fake: FakeGitHub, cohort: Cohort, student: User, rounds: int) -> list[float]:
    """Seconds from POSTing an edited comment's delivery to the edit being visible."""
    client = Client()
    period = cohort.periods.get(number=PERIODS)
    number = period.summary_issue_number
    issue = fake.repo(REPO).issues[number]
    comment = next(
        c for c in fake.repo(REPO).comments[number] if c["user"]["login"] == student.github_login
    )
    timings = []
    for n in range(rounds):
        text = f"edited {n} {time.time()}"
        edited = fake.edit_comment(comment["id"], text)
        payload = {
            "action": "edited",
            "repository": {"full_name": REPO},
            "issue": issue,
            "comment": edited,
        }
        started = time.perf_counter()
        status = deliver(client, payload, f"bench-{student.pk}-{n}-{time.time()}")
        if status != 200:
            raise RuntimeError(f"webhook answered {status}")
        while not visible_reports(student).filter(period=period, body=text).exists():
            time.sleep(0.002)
            if time.perf_counter() - started > 30:
                raise RuntimeError("webhook not processed within 30 s")
        timings.append(time.perf_counter() - started)
    return timings


def describe(timings: list[float]) -> str:
    median = statistics.median(timings) * 1000
    return f"median {median:.0f} ms, max {max(timings) * 1000:.0f} ms over {len(timings)}"


def main() -> None:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    fake = FakeGitHub().start()
    settings.GITHUB_API_URL = fake.base_url
    cache.clear()
    cohort, students = build(fake)
    print(
        f"cohort: {PERIODS} periods x {STUDENTS} students; {PERIODS} summary issues with "
        f"{STUDENTS} comments each; {PERIODS * STUDENTS} merged PRs with one report file each"
    )

    started = time.perf_counter()
    first = sync_cohort(cohort)
    print(
        f"first full sync: {first.requests} requests, {first.rate_limit_units} rate-limit units, "
        f"{first.reports_created} reports created, {first.revisions_added} revisions, "
        f"{time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    idle = sync_cohort(cohort)
    print(
        f"idle re-sync: {idle.requests} requests, {idle.not_modified} answered 304, "
        f"{idle.rate_limit_units} rate-limit units, {time.perf_counter() - started:.2f} s"
    )

    celery_app.conf.task_always_eager = True
    eager = webhook_latency(fake, cohort, students[0], rounds=20)
    print(f"webhook to visible, task run in-process after commit: {describe(eager)}")
    celery_app.conf.task_always_eager = False
    if os.environ.get("REDIS_URL"):
        from celery.contrib.testing.worker import start_worker

        with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            queued = webhook_latency(fake, cohort, students[1], rounds=20)
        print(f"webhook to visible, through a real Celery worker over Redis: {describe(queued)}")
    else:
        print("webhook through a real Celery worker: skipped (REDIS_URL not set)")
    fake.stop()


if __name__ == "__main__":
    main()
