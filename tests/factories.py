"""Factories for the domain: small, explicit, and written for this project."""

import datetime

import factory
from django.utils import timezone

from camp.models import Cohort, Membership, Mentorship, Project, Role, User
from reports.models import Allowance, Period, Report, Review, Revision, Source
from reports.periods import due_at_for


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    github_login = factory.SelfAttribute("username")
    display_name = factory.LazyAttribute(lambda o: o.username.title())
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("pw")


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"cohort-{n}")
    name = factory.LazyAttribute(lambda o: f"Cohort {o.slug}")
    starts_on = datetime.date(2025, 3, 3)
    ends_on = datetime.date(2025, 6, 29)
    period_days = 14


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    cohort = factory.SubFactory(CohortFactory)
    title = factory.Sequence(lambda n: f"项目{n}：示例")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    cohort = factory.SubFactory(CohortFactory)
    role = Role.STUDENT


class MentorshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mentorship

    cohort = factory.SubFactory(CohortFactory)
    student = factory.SubFactory(UserFactory)
    mentor = factory.SubFactory(UserFactory)


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Period

    cohort = factory.SubFactory(CohortFactory)
    number = factory.Sequence(lambda n: n + 1)
    starts_on = datetime.date(2025, 3, 3)
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + datetime.timedelta(days=13))
    due_at = factory.LazyAttribute(
        lambda o: due_at_for(
            o.ends_on, due_days_after_end=1, due_time=datetime.time(23, 59), tzinfo=o.cohort.tzinfo
        )
    )


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report
        skip_postgeneration_save = True

    student = factory.SubFactory(UserFactory)
    period = factory.SubFactory(PeriodFactory)
    body = "### 本周工作\n\n1. 写了测试\n\n### 下周工作\n\n1. 继续\n"
    status = Report.Status.SUBMITTED
    submitted_at = factory.LazyAttribute(
        lambda o: (
            o.period.due_at - datetime.timedelta(hours=2)
            if o.status == Report.Status.SUBMITTED
            else None
        )
    )
    source = Source.WEB

    @factory.post_generation
    def with_revision(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            Revision.objects.create(
                report=obj,
                body=obj.body,
                author=obj.student,
                source=obj.source,
                created_at=obj.submitted_at or timezone.now(),
            )


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    report = factory.SubFactory(ReportFactory)
    mentor = factory.SubFactory(UserFactory)
    body = "LGTM"
    verdict = Review.Verdict.APPROVED
    created_at = factory.LazyAttribute(
        lambda o: o.report.submitted_at + datetime.timedelta(hours=5)
    )


class AllowanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allowance

    student = factory.SubFactory(UserFactory)
    period = factory.SubFactory(PeriodFactory)
    kind = Allowance.Kind.EXCUSED
    reason = "请假"


def complete_body(work: str) -> str:
    """A body with every required section, so that submitting it passes the checks."""
    return (
        f"### 姓名\n\n某人\n\n### 实习项目\n\n项目一\n\n### 本周工作\n\n{work}\n\n"
        "### 下周工作\n\n写测试\n"
    )
