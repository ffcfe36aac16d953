"""Benchmark: a reminder pass for one cohort of 10,000 students, half missing.

    make bench-reminders        # DATABASE_URL defaults to postgres://.../bench_reminders
    .venv/bin/python bench/reminders.py --send   # also two real passes, email to memory

Seeds once with bulk writes (a rerun reuses the data), then times planning
(load + plan) and the dry run of `send_reminders`, with their query counts,
at an instant when every kind of reminder is due: 10:00 local, 6 days after
period 1's due time. It creates its database if missing and migrates it.

Each figure is one run, beside its ratio to the floor measured in the same run:
the SQL of one more run of the same operation (captured with
CaptureQueriesContext), replayed alone on one cursor with every row fetched,
median of FLOOR_RUNS replays. Planning and the dry run only read, so their
SELECTs replay as they are. The two real passes (--send) write: their floor is
the statements of a rehearsal (the same two passes, rolled back), each replay
in a transaction rolled back (bench/floor.py).
"""

from __future__ import annotations

import datetime
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "camp.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bench.database import migrated_database  # noqa: E402
from bench.floor import capture, floor, rehearse, with_floor  # noqa: E402

STUDENTS = int(os.environ.get("BENCH_STUDENTS", "10000"))
MENTORS = STUDENTS // 20
SLUG = "bench-reminders"
FLOOR_RUNS = 5


def seed():
    from django.db import transaction

    from camp.models import Cohort, Membership, Mentorship, Role, User
    from reports.models import Report
    from reports.periods import ensure_periods

    cohort, created = Cohort.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "Bench cohort",
            "starts_on": datetime.date(2025, 3, 3),
            "ends_on": datetime.date(2025, 6, 29),
            "period_days": 14,
        },
    )
    if cohort.memberships.filter(role=Role.STUDENT).count() >= STUDENTS:
        return cohort
    started = time.perf_counter()
    with transaction.atomic():
        ensure_periods(cohort)
        period = cohort.periods.get(number=1)
        names = [f"bs{i}" for i in range(STUDENTS)] + [f"bm{i}" for i in range(MENTORS)]
        names += ["bta1", "bta2"]
        User.objects.bulk_create(
            [
                User(username=n, github_login=n, email=f"{n}@example.org", password="!")
                for n in names
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
        users = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
        students = [users[f"bs{i}"] for i in range(STUDENTS)]
        mentors = [users[f"bm{i}"] for i in range(MENTORS)]
        memberships = [Membership(user_id=s, cohort=cohort, role=Role.STUDENT) for s in students]
        memberships += [Membership(user_id=m, cohort=cohort, role=Role.MENTOR) for m in mentors]
        memberships += [
            Membership(user_id=users[t], cohort=cohort, role=Role.TA) for t in ["bta1", "bta2"]
        ]
        Membership.objects.bulk_create(memberships, ignore_conflicts=True, batch_size=2000)
        Mentorship.objects.bulk_create(
            [
                Mentorship(cohort=cohort, student_id=s, mentor_id=mentors[i % MENTORS])
                for i, s in enumerate(students)
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
        submitted_at = period.due_at - datetime.timedelta(hours=2)
        Report.objects.bulk_create(
            [
                Report(
                    student_id=s,
                    period=period,
                    body="### 本周工作\n\n1. bench\n",
                    status=Report.Status.SUBMITTED,
                    submitted_at=submitted_at,
                )
                for s in students[::2]
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
    print(f"seeded {STUDENTS} students in {time.perf_counter() - started:.1f} s")
    return cohort


def measure(label: str, function, *, writes: bool = False) -> None:
    from django.db import connection

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    # A wrapper, not CaptureQueriesContext, around the timed run: the debug
    # cursor that captures would be timed too.
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - started
    if writes:
        base = floor(rehearse(function), FLOOR_RUNS, rollback=True)
    else:
        base = floor(capture(function)[1], FLOOR_RUNS)
    print(f"{label:<30} {with_floor(elapsed, base):>20} {queries:6d} queries   {result}")


def main() -> None:
    django.setup()
    migrated_database()
    from django.db import connection

    from reports.reminders.planning import load_snapshot, plan
    from reports.reminders.policy import policy_for

    cohort = seed()
    policy_for(cohort)
    # 10:00 local, six days after period 1's due time (23:59): every kind is due,
    # and it is outside the quiet hours.
    due_day = cohort.periods.get(number=1).due_at.astimezone(cohort.tzinfo).date()
    now = datetime.datetime.combine(
        due_day + datetime.timedelta(days=6), datetime.time(10, 0), tzinfo=cohort.tzinfo
    )
    print(f"{connection.vendor}, cohort {SLUG}, {STUDENTS} students, now = {now.isoformat()}")
    print(f"one run each; x floor: divided by its SQL replayed alone (median of {FLOOR_RUNS})")

    def planning():
        items = plan(load_snapshot(cohort, now), now)
        return f"{len(items)} notifications planned"

    def dry_run():
        out = io.StringIO()
        call_command(
            "send_reminders",
            "--cohort",
            SLUG,
            "--now",
            now.isoformat(),
            "--dry-run",
            "--json",
            stdout=out,
        )
        return f"{len(out.getvalue()) // 1024} KiB of JSON"

    def real_pass():
        from django.core import mail
        from django.db import transaction
        from django.test.utils import override_settings

        from reports.reminders.delivery import deliver
        from reports.reminders.recording import note_outcome, run_pass

        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            transaction.atomic(),
        ):
            mail.outbox = []
            result = run_pass(cohort, now)
            note_outcome(result, deliver(result.owed))
            sent = sum(1 for item in result.items if result.status_of(item) == "sent")
            again = run_pass(cohort, now)
            note_outcome(again, deliver(again.owed))
            repeated = sum(1 for item in again.items if again.status_of(item) == "sent")
            transaction.set_rollback(True)  # keep the bench data as seeded
        return f"{sent} sent, {len(mail.outbox)} emails; a second pass sent {repeated}"

    measure("planning (load + plan)", planning)
    measure("planning, again", planning)
    measure("send_reminders --dry-run", dry_run)
    if "--send" in sys.argv:
        measure("two real passes (rolled back)", real_pass, writes=True)


if __name__ == "__main__":
    main()
