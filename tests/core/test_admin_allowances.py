"""TAs manage excuses and extensions (and periods) in the admin, for their own cohorts only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.models import Allowance, Period
from tests.factories import AllowanceFactory

PEOPLE = ["alice", "mentor_a", "ta", "other_ta", "admin"]


@pytest.fixture
def allowances(camp):
    return {
        "alice": AllowanceFactory(student=camp.alice, period=camp.period(1), reason="生病"),
        "outsider": AllowanceFactory(
            student=camp.outsider, period=camp.other_cohort.periods.get(number=1), reason="考试"
        ),
    }


def rows():
    return sorted(Allowance.objects.values_list("student_id", "period_id", "kind", "reason"))


# who: (changelist status, allowances listed, status of the change page of alice's)
MATRIX = {
    "alice": (302, None, 302),
    "mentor_a": (403, None, 404),  # not a TA of any cohort: nothing is theirs to find
    "ta": (200, {"alice"}, 200),
    "other_ta": (200, {"outsider"}, 404),
    "admin": (200, {"alice", "outsider"}, 200),
}


@pytest.mark.parametrize("who", PEOPLE)
def test_allowance_matrix(client, camp, allowances, who):
    client.force_login(getattr(camp, who))
    list_status, expected, change_status = MATRIX[who]
    response = client.get(reverse("admin:reports_allowance_changelist"))
    assert response.status_code == list_status
    if expected is not None:
        assert {a.pk for a in response.context["cl"].result_list} == {
            allowances[name].pk for name in expected
        }
    change = reverse("admin:reports_allowance_change", args=[allowances["alice"].pk])
    assert client.get(change).status_code == change_status
    before = rows()
    delete = reverse("admin:reports_allowance_delete", args=[allowances["alice"].pk])
    response = client.post(delete, {"post": "yes"})
    if who in ("ta", "admin"):
        assert response.status_code == 302
        assert not Allowance.objects.filter(pk=allowances["alice"].pk).exists()
    else:
        assert response.status_code == change_status
        assert rows() == before


def test_ta_grants_an_extension_recorded_as_granted_by_them(client, camp):
    client.force_login(camp.ta)
    period = camp.period(2)
    response = client.post(
        reverse("admin:reports_allowance_add"),
        {
            "student": camp.bob.pk,
            "period": period.pk,
            "kind": "extension",
            "extended_due_at_0": "2025-04-02",
            "extended_due_at_1": "12:00:00",
            "reason": "比赛",
            "granted_by": camp.admin.pk,
        },
    )
    assert response.status_code == 302
    allowance = Allowance.objects.get()
    assert (allowance.student, allowance.period, allowance.granted_by) == (
        camp.bob,
        period,
        camp.ta,
    )


@pytest.mark.parametrize(
    "target",
    ["outsider_in_own_period", "alice_in_other_period"],
)
def test_ta_cannot_grant_outside_their_cohorts(client, camp, target):
    other_period = camp.other_cohort.periods.get(number=1)
    student, period = {
        "outsider_in_own_period": (camp.outsider, camp.period(1)),
        "alice_in_other_period": (camp.alice, other_period),
    }[target]
    client.force_login(camp.ta)
    response = client.post(
        reverse("admin:reports_allowance_add"),
        {"student": student.pk, "period": period.pk, "kind": "excused", "reason": "x"},
    )
    assert response.status_code == 200  # the form, with an error
    assert response.context["adminform"].form.errors
    assert not Allowance.objects.exists()


def test_student_must_belong_to_the_periods_cohort(client, camp):
    # The superuser may pick any student and period, but not a mismatched pair.
    client.force_login(camp.admin)
    response = client.post(
        reverse("admin:reports_allowance_add"),
        {
            "student": camp.outsider.pk,
            "period": camp.period(1).pk,
            "kind": "excused",
            "reason": "x",
        },
    )
    assert response.status_code == 200
    assert not Allowance.objects.exists()


def test_ta_sees_and_changes_only_their_cohorts_periods(client, camp):
    client.force_login(camp.ta)
    response = client.get(reverse("admin:reports_period_changelist"))
    assert {p.cohort_id for p in response.context["cl"].result_list} == {camp.cohort.pk}
    other_period = camp.other_cohort.periods.get(number=1)
    url = reverse("admin:reports_period_change", args=[other_period.pk])
    before = list(Period.objects.values_list("pk", "due_at"))
    assert client.get(url).status_code == 404
    assert client.post(url, {"number": 1}).status_code == 404
    assert list(Period.objects.values_list("pk", "due_at")) == before
