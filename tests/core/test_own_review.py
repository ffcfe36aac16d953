"""Nobody reviews their own report, whatever roles they hold:
the rule lives in reports.access.reviewable_reports and reports.reviews.add_review,
so every door (admin form, bulk action, API) refuses it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from camp.models import Membership, Role
from reports.models import Review
from reports.reviews import add_review, approve_reports
from tests.factories import ReportFactory


@pytest.fixture
def alice_also_ta(camp):
    # A roster mistake from before the rule: alice is a student and the TA of the camp.
    Membership.objects.create(user=camp.alice, cohort=camp.cohort, role=Role.TA)
    return camp


def test_add_review_refuses_the_reports_own_student(alice_also_ta):
    camp = alice_also_ta
    own = ReportFactory(student=camp.alice, period=camp.period(1))
    with pytest.raises(PermissionDenied):
        add_review(own, camp.alice, "LGTM", Review.Verdict.APPROVED)
    assert not Review.objects.exists()


def test_superuser_does_not_review_their_own_report_either(camp):
    own = ReportFactory(student=camp.admin, period=camp.period(1))
    with pytest.raises(PermissionDenied):
        add_review(own, camp.admin, "LGTM", Review.Verdict.APPROVED)


def test_approve_action_skips_the_reviewers_own_report(alice_also_ta):
    camp = alice_also_ta
    own = ReportFactory(student=camp.alice, period=camp.period(1))
    bob = ReportFactory(student=camp.bob, period=camp.period(1))
    reviews, skipped = approve_reports(camp.alice, [own, bob])
    assert [r.report_id for r in reviews] == [bob.pk] and skipped == [own]


def test_own_report_is_not_in_the_admin_queue(client, alice_also_ta):
    camp = alice_also_ta
    own = ReportFactory(student=camp.alice, period=camp.period(1))
    client.force_login(camp.alice)
    camp.alice.is_staff = True
    camp.alice.save()
    response = client.get(f"/admin/reports/report/{own.pk}/change/")
    assert response.status_code in (302, 403, 404)
