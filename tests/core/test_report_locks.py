"""save_report under real concurrency (PostgreSQL): it locks the report's own
row and nothing shared, so first submissions and edits of reviewed reports of
the same period never deadlock (issue 32: 500 "deadlock detected" in 2 of 76
requests of a deadline rush, when the locking query also took the period and
cohort rows through its default ordering)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.db.utils import OperationalError

from camp.models import User
from reports.models import Period, Report
from reports.reviews import add_review
from reports.submissions import report_resubmitted, save_report
from tests.conftest import using_postgres

pytestmark = pytest.mark.skipif(not using_postgres(), reason="real row locks need PostgreSQL")


def _in_thread(target) -> threading.Thread:
    def run():
        try:
            target()
        finally:
            connection.close()  # each thread has its own; the test database must drop

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_an_edit_of_a_reviewed_report_locks_neither_its_period_nor_its_cohort(
    transactional_camp,
):
    camp = transactional_camp
    period = camp.period(2)
    report = save_report(student=camp.alice, period=period, body="v1", submit=True).report
    add_review(report, camp.mentor_a, body="ok", verdict="approved")
    locked, release = threading.Event(), threading.Event()

    def hold(sender, report, **kwargs):  # inside save_report's transaction, lock taken
        locked.set()
        release.wait(timeout=30)

    report_resubmitted.connect(hold, dispatch_uid="test-hold")
    try:
        thread = _in_thread(
            lambda: save_report(student=camp.alice, period=period, body="v2", submit=True)
        )
        assert locked.wait(timeout=30)
        # What any other write of the period takes through its foreign keys
        # (KEY SHARE): refused at once while someone holds FOR UPDATE on the row.
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                for table, pk in (
                    (Period._meta.db_table, period.pk),
                    (camp.cohort._meta.db_table, camp.cohort.pk),
                    (User._meta.db_table, camp.alice.pk),
                ):
                    cursor.execute(
                        f"SELECT 1 FROM {table} WHERE id = %s FOR KEY SHARE NOWAIT", [pk]
                    )
                    assert cursor.fetchone() == (1,), table
        finally:
            other.close()
    finally:
        release.set()
        thread.join(timeout=30)
        report_resubmitted.disconnect(dispatch_uid="test-hold")
    assert Report.objects.get(pk=report.pk).body == "v2"


def test_a_rush_of_first_submissions_and_edits_of_reviewed_reports_never_deadlocks(
    transactional_camp,
):
    camp = transactional_camp
    students = [camp.alice, camp.bob, camp.carol]
    reviewed = {}
    for student in students:
        report = save_report(student=student, period=camp.period(2), body="v1", submit=True).report
        add_review(
            report,
            camp.mentor_b if student == camp.carol else camp.mentor_a,
            body="",
            verdict="approved",
        )
        reviewed[student.pk] = report
    rounds = 6
    barrier = threading.Barrier(len(students) * 2)
    failures: list[BaseException] = []

    def edits(student):
        def run():
            barrier.wait(timeout=30)
            for n in range(rounds):
                try:
                    save_report(
                        student=student, period=camp.period(2), body=f"v{n + 2}", submit=True
                    )
                except OperationalError as exc:
                    failures.append(exc)

        return run

    def first_submissions(student):
        def run():
            barrier.wait(timeout=30)
            for n in range(rounds):
                try:
                    save_report(
                        student=student, period=camp.period(3 + n), body="first", submit=True
                    )
                except OperationalError as exc:
                    failures.append(exc)

        return run

    threads = [_in_thread(edits(s)) for s in students]
    threads += [_in_thread(first_submissions(s)) for s in students]
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    for student in students:
        assert Report.objects.get(student=student, period=camp.period(2)).body == f"v{rounds + 1}"
        assert Report.objects.filter(student=student, body="first").count() == rounds
