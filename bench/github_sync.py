"""GitHub sync benchmark against the fake GitHub server.

A cohort of 12 periods x 30 students: every student comments on every summary
issue and also merges one report file per period through a pull request.
Prints the requests of a first full sync, the requests and rate-limit units
of an idle re-sync (a 304 costs no unit on GitHub), and the time from a
webhook delivery to the report being visible.

Runs on its own throw-away SQLite database unless BENCH_DATABASE_URL is set
(a PostgreSQL database that is created if missing and migrated here; it must
hold no bench data yet). With REDIS_URL set, the
webhook is also measured through a real Celery worker.

The request and unit counts have no time floor. Each time is printed beside its
ratio to a floor measured in the same run: the SQL of the same operation,
replayed alone on one cursor with every row fetched, median of bench.floor.RUNS
replays, each in a transaction rolled back (bench/floor.py). Both syncs and a
webhook round write, and replaying what a committed run wrote would collide
with the rows it created, so the SQL comes from a rehearsal on the same
database state just before the measured run: the same sync, or one more
webhook round (delivery, the task run on commit, the visibility check),
rolled back. The fake GitHub's rate-limit budget and the cache (the app's
login) are reset after the first sync's rehearsal, so the counts printed are
those of a true first sync. The worker's rounds use the in-process round's
floor: the same statements, run by the worker.
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
from bench.database import migrated_database, use_throwaway_database  # noqa: E402

use_throwaway_database("bench-github-")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.test import Client, TestCase  # noqa: E402

from bench.floor import duration, floor, rehearse, with_floor  # noqa: E402
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
    migrated_database()
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


class WebhookRounds:
    """Rounds of: edit a student's comment on the fake GitHub, deliver the
    webhook, wait until the edit is visible."""

    def __init__(self, fake: FakeGitHub, cohort: Cohort, student: User) -> None:
        self.fake, self.student, self.client = fake, student, Client()
        self.period = cohort.periods.get(number=PERIODS)
        number = self.period.summary_issue_number
        self.issue = fake.repo(REPO).issues[number]
        self.comment = next(
            c
            for c in fake.repo(REPO).comments[number]
            if c["user"]["login"] == student.github_login
        )
        self.rounds = 0

    def deliver_edit(self) -> str:
        """Edit the comment and deliver the webhook; the new text."""
        self.rounds += 1
        text = f"edited {self.rounds} {time.time()}"
        edited = self.fake.edit_comment(self.comment["id"], text)
        payload = {
            "action": "edited",
            "repository": {"full_name": REPO},
            "issue": self.issue,
            "comment": edited,
        }
        delivery = f"bench-{self.student.pk}-{self.rounds}-{time.time()}"
        status = deliver(self.client, payload, delivery)
        if status != 200:
            raise RuntimeError(f"webhook answered {status}")
        return text

    def visible(self, text: str) -> bool:
        return visible_reports(self.student).filter(period=self.period, body=text).exists()

    def latency(self, rounds: int) -> list[float]:
        """Seconds from POSTing an edited comment's delivery to the edit being visible."""
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            text = self.deliver_edit()
            while not self.visible(text):
                time.sleep(0.002)
                if time.perf_counter() - started > 30:
                    raise RuntimeError("webhook not processed within 30 s")
            timings.append(time.perf_counter() - started)
        return timings

    def rehearsal(self) -> None:
        """One round inside the rehearsal's transaction: the task that the
        delivery leaves for after the commit runs (eagerly) where the commit
        would be, then the edit is looked for once, as a real round does."""
        with TestCase.captureOnCommitCallbacks(execute=True):
            text = self.deliver_edit()
        if not self.visible(text):
            raise RuntimeError("the rehearsed webhook round left the edit invisible")


def describe(timings: list[float], base: float) -> str:
    return (
        f"median {with_floor(statistics.median(timings), base)}, "
        f"max {with_floor(max(timings), base)} over {len(timings)}"
    )


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

    # The rehearsal's requests spend the fake's budget and cache the app's
    # login: both are put back, so the counts below are a first sync's.
    sql = rehearse(lambda: sync_cohort(cohort))
    base = floor(sql, rollback=True)
    fake.rate_remaining = fake.RATE_LIMIT
    cache.clear()
    started = time.perf_counter()
    first = sync_cohort(cohort)
    elapsed = time.perf_counter() - started
    print(
        f"first full sync: {first.requests} requests, {first.rate_limit_units} rate-limit units, "
        f"{first.reports_created} reports created, {first.revisions_added} revisions, "
        f"{with_floor(elapsed, base)} (floor {duration(base)}, {len(sql)} statements)"
    )
    sql = rehearse(lambda: sync_cohort(cohort))
    base = floor(sql, rollback=True)
    started = time.perf_counter()
    idle = sync_cohort(cohort)
    elapsed = time.perf_counter() - started
    print(
        f"idle re-sync: {idle.requests} requests, {idle.not_modified} answered 304, "
        f"{idle.rate_limit_units} rate-limit units, {with_floor(elapsed, base)} "
        f"(floor {duration(base)}, {len(sql)} statements)"
    )

    celery_app.conf.task_always_eager = True
    rounds = WebhookRounds(fake, cohort, students[0])
    sql = rehearse(rounds.rehearsal)
    base = floor(sql, rollback=True)
    eager = rounds.latency(20)
    print(
        f"webhook to visible, task run in-process after commit: {describe(eager, base)} "
        f"(floor {duration(base)}, {len(sql)} statements)"
    )
    celery_app.conf.task_always_eager = False
    if os.environ.get("REDIS_URL"):
        from celery.contrib.testing.worker import start_worker

        with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
            queued = WebhookRounds(fake, cohort, students[1]).latency(20)
        print(
            f"webhook to visible, through a real Celery worker over Redis: {describe(queued, base)}"
        )
    else:
        print("webhook through a real Celery worker: skipped (REDIS_URL not set)")
    fake.stop()


if __name__ == "__main__":
    main()
