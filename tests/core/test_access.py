"""The permission matrix of the design as querysets: who may read and review which report."""

import pytest

from camp.models import Cohort
from reports.access import can_review, overview_students, reviewable_reports, visible_reports
from tests.factories import ReportFactory


@pytest.fixture
def reports(camp):
    period = camp.period(1)
    return {
        "alice": ReportFactory(student=camp.alice, period=period),
        "carol": ReportFactory(student=camp.carol, period=period),
        "alice_draft": ReportFactory(student=camp.alice, period=camp.period(2), status="draft"),
        "outsider": ReportFactory(
            student=camp.outsider, period=camp.other_cohort.periods.get(number=1)
        ),
    }


def visible(user, reports):
    ids = set(visible_reports(user).values_list("pk", flat=True))
    return {name for name, report in reports.items() if report.pk in ids}


def test_shared_cohort_matrix(camp, reports):
    assert visible(camp.alice, reports) == {"alice", "carol", "alice_draft"}
    assert visible(camp.bob, reports) == {"alice", "carol"}  # peers, no drafts
    assert visible(camp.mentor_a, reports) == {"alice", "carol"}
    assert visible(camp.ta, reports) == {"alice", "carol"}
    assert visible(camp.other_ta, reports) == {"outsider"}
    assert visible(camp.outsider, reports) == {"outsider"}
    assert visible(camp.stranger, reports) == set()
    assert visible(camp.admin, reports) == set(reports)


def test_private_cohort_matrix(camp, reports):
    Cohort.objects.filter(pk=camp.cohort.pk).update(report_visibility=Cohort.Visibility.PRIVATE)
    assert visible(camp.alice, reports) == {"alice", "alice_draft"}
    assert visible(camp.bob, reports) == set()
    assert visible(camp.mentor_a, reports) == {"alice"}
    assert visible(camp.mentor_b, reports) == {"carol"}
    assert visible(camp.ta, reports) == {"alice", "carol"}


def test_anonymous_and_inactive_see_nothing(camp, reports):
    from django.contrib.auth.models import AnonymousUser

    assert not visible_reports(AnonymousUser()).exists()
    camp.alice.is_active = False
    assert visible(camp.alice, reports) == set()


def test_review_rights(camp, reports):
    def reviewable(user):
        ids = set(reviewable_reports(user).values_list("pk", flat=True))
        return {name for name, r in reports.items() if r.pk in ids}

    assert reviewable(camp.mentor_a) == {"alice"}
    assert reviewable(camp.mentor_b) == {"carol"}
    assert reviewable(camp.ta) == {"alice", "carol"}
    assert reviewable(camp.other_ta) == {"outsider"}
    assert reviewable(camp.alice) == set()
    assert reviewable(camp.stranger) == set()
    assert reviewable(camp.admin) == {"alice", "carol", "outsider"}  # drafts are never reviewable
    assert can_review(camp.mentor_a, reports["alice"]) and not can_review(
        camp.mentor_a, reports["carol"]
    )


def test_overview_scope(camp):
    def names(user):
        students = overview_students(user, camp.cohort)
        return None if students is None else sorted(students.values_list("username", flat=True))

    assert names(camp.ta) == ["alice", "bob", "carol"]
    assert names(camp.admin) == ["alice", "bob", "carol"]
    assert names(camp.mentor_a) == ["alice", "bob"]
    assert names(camp.mentor_b) == ["bob", "carol"]
    assert names(camp.alice) is None
    assert names(camp.other_ta) is None
    assert names(camp.stranger) is None
