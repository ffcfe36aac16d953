"""seed_demo: a usable demo around today, idempotent, and fast in bulk."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from camp.models import Cohort, Membership, Mentorship, Role, User
from reports.models import Report, Review, Revision

NOW = datetime.datetime(2026, 11, 26, 10, 0, tzinfo=datetime.UTC)


def seed(*args):
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_cohort_people_and_a_realistic_mix():
    output = seed("--students", "20", "--mentors", "4", "--periods", "9")
    assert "student1..student20" in output
    cohort = Cohort.objects.get(slug="demo")
    assert cohort.periods.count() == 9
    assert cohort.periods.filter(starts_on__lte=NOW.date(), ends_on__gte=NOW.date()).exists(), (
        "periods around today"
    )
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="student1").check_password("demo")
    assert User.objects.get(username="mentor1").is_staff
    assert not User.objects.get(username="student1").is_staff
    assert Membership.objects.filter(cohort=cohort, role=Role.STUDENT).count() == 20
    assert Mentorship.objects.filter(cohort=cohort).count() >= 20
    reports = Report.objects.filter(period__cohort=cohort)
    late = [r for r in reports.filter(status="submitted") if r.submitted_at > r.period.due_at]
    assert late, "some reports are late"
    assert reports.filter(status="submitted", reviews__isnull=True).exists(), "some wait for review"
    assert Review.objects.filter(report__period__cohort=cohort).exists(), "some are reviewed"
    past_periods = cohort.periods.filter(due_at__lt=NOW).count()
    assert reports.filter(period__due_at__lt=NOW, status="submitted").count() < 20 * past_periods, (
        "some are missing"
    )
    assert Revision.objects.filter(report__period__cohort=cohort).count() == reports.count()
    body = reports.first().body
    for heading in (
        "### 姓名",
        "### 实习项目",
        "### 本周工作",
        "### 下周工作",
        "### 问题疑惑与解答",
    ):
        assert heading in body


@pytest.mark.django_db
def test_rerun_adds_nothing():
    seed("--students", "5", "--periods", "4", "--password", "secret-pw")
    counts = (
        User.objects.count(),
        Report.objects.count(),
        Review.objects.count(),
        Membership.objects.count(),
    )
    output = seed("--students", "5", "--periods", "4", "--password", "secret-pw")
    assert "0 users and 0 reports created" in output
    assert counts == (
        User.objects.count(),
        Report.objects.count(),
        Review.objects.count(),
        Membership.objects.count(),
    )
    assert User.objects.get(username="ta").check_password("secret-pw")


@pytest.mark.django_db
def test_other_slug_and_bad_numbers():
    seed("--cohort", "demo-2", "--students", "3", "--mentors", "1", "--periods", "2")
    assert Cohort.objects.filter(slug="demo-2").exists()
    with pytest.raises(CommandError):
        seed("--students", "0")


@pytest.mark.django_db
def test_demo_cohort_is_not_linked_to_github():
    seed("--students", "2", "--periods", "2")
    assert Cohort.objects.get(slug="demo").github_repo == ""
