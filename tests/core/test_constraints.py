"""Database constraints hold whatever the form or the channel: one report per
student and period (also under two concurrent writers on PostgreSQL), a
submitted report has a submission time, and revisions are append-only."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from camp.models import Membership, Mentorship, Role, User
from reports.models import Allowance, Period, Report, Revision
from reports.submissions import save_report
from tests.conftest import using_postgres
from tests.factories import AllowanceFactory, ReportFactory, UserFactory


def test_one_report_per_student_and_period(camp):
    ReportFactory(student=camp.alice, period=camp.period(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(student=camp.alice, period=camp.period(1), status="draft")


def test_submitted_report_needs_a_submission_time(camp):
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            student=camp.alice, period=camp.period(1), status="submitted", submitted_at=None
        )


def test_github_login_is_unique_whatever_the_case(db):
    UserFactory(username="a", github_login="Octo-Cat")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="b", github_login="octo-cat")
    # users without a login do not collide with each other
    User.objects.create(username="c", github_login="")
    User.objects.create(username="d", github_login=None)


def test_membership_is_unique_per_role_and_only_students_have_projects(camp):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=camp.alice, cohort=camp.cohort, role=Role.STUDENT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=camp.ta, cohort=camp.other_cohort, role=Role.MENTOR, project=camp.project_a
        )


def test_mentor_cannot_mentor_themselves(camp):
    with pytest.raises(IntegrityError), transaction.atomic():
        Mentorship.objects.create(cohort=camp.cohort, student=camp.alice, mentor=camp.alice)


def test_period_dates_are_ordered_and_numbers_unique(camp):
    first = camp.period(1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Period.objects.create(
            cohort=camp.cohort,
            number=1,
            starts_on=first.starts_on,
            ends_on=first.ends_on,
            due_at=first.due_at,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Period.objects.create(
            cohort=camp.cohort,
            number=99,
            starts_on=first.ends_on,
            ends_on=first.starts_on,
            due_at=first.due_at,
        )


def test_extension_needs_a_new_due_time_and_every_allowance_a_reason(camp):
    with pytest.raises(IntegrityError), transaction.atomic():
        Allowance.objects.create(
            student=camp.alice, period=camp.period(1), kind="extension", reason="病假"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Allowance.objects.create(
            student=camp.alice, period=camp.period(1), kind="excused", reason=""
        )
    AllowanceFactory(student=camp.alice, period=camp.period(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        AllowanceFactory(student=camp.alice, period=camp.period(1), reason="again")


def test_revisions_are_append_only(camp):
    report = ReportFactory(student=camp.alice, period=camp.period(1))
    revision = report.revisions.get()
    revision.body = "rewritten history"
    with pytest.raises(ValidationError):
        revision.save()
    assert Revision.objects.get(pk=revision.pk).body == report.body


@pytest.mark.skipif(not using_postgres(), reason="real concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_first_saves_leave_one_report_and_a_consistent_history(transactional_camp):
    camp = transactional_camp
    period = camp.period(2)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def submit(body: str) -> None:
        try:
            barrier.wait(timeout=10)
            save_report(
                student=camp.alice,
                period=period,
                body=body,
                submit=True,
                at=period.due_at - datetime.timedelta(hours=1),
            )
        except BaseException as exc:  # surfaced below, threads swallow exceptions
            errors.append(exc)
        finally:
            connection.close()

    for _ in range(5):  # a race is a matter of luck: run it a few times
        Report.objects.filter(student=camp.alice, period=period).delete()
        threads = [
            threading.Thread(target=submit, args=(body,)) for body in ("first tab", "second tab")
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        report = Report.objects.get(student=camp.alice, period=period)
        bodies = list(report.revisions.values_list("body", flat=True))
        assert report.status == Report.Status.SUBMITTED
        assert bodies[-1] == report.body
        assert sorted(bodies) == ["first tab", "second tab"]
