"""A TA manages the roster of their own cohorts in the admin, and no other:
they cannot see another cohort's people nor give themselves a role there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from camp.models import Membership, Mentorship, Role
from reports.models import Period


def memberships():
    return sorted(Membership.objects.values_list("user_id", "cohort_id", "role", "project_id"))


@pytest.mark.parametrize(
    ("who", "cohorts"),
    [("ta", {"camp"}), ("other_ta", {"other"}), ("admin", {"camp", "other"})],
)
def test_roster_lists_are_scoped_to_managed_cohorts(client, camp, who, cohorts):
    client.force_login(getattr(camp, who))
    for model in ["membership", "mentorship", "project"]:
        response = client.get(reverse(f"admin:camp_{model}_changelist"))
        assert response.status_code == 200
        listed = {row.cohort.slug for row in response.context["cl"].result_list}
        assert listed <= cohorts
    response = client.get(reverse("admin:camp_cohort_changelist"))
    assert {c.slug for c in response.context["cl"].result_list} == cohorts


def test_other_ta_cannot_reach_or_join_the_camp(client, camp):
    client.force_login(camp.other_ta)
    alice = Membership.objects.get(user=camp.alice, cohort=camp.cohort)
    bob_mentor_b = Mentorship.objects.get(student=camp.bob, mentor=camp.mentor_b)
    before = (memberships(), Mentorship.objects.count())
    assert client.get(reverse("admin:camp_membership_change", args=[alice.pk])).status_code == 404
    assert client.get(reverse("admin:camp_cohort_change", args=[camp.cohort.pk])).status_code == 404
    url = reverse("admin:camp_mentorship_delete", args=[bob_mentor_b.pk])
    assert client.post(url, {"post": "yes"}).status_code == 404
    response = client.post(
        reverse("admin:camp_membership_add"),
        {"user": camp.other_ta.pk, "cohort": camp.cohort.pk, "role": Role.TA},
    )
    assert response.status_code == 200  # the form again: not a cohort they may choose
    assert "cohort" in response.context["adminform"].form.errors
    assert (memberships(), Mentorship.objects.count()) == before


def test_ta_adds_a_mentorship_in_their_cohort(client, camp):
    client.force_login(camp.ta)
    response = client.post(
        reverse("admin:camp_mentorship_add"),
        {"cohort": camp.cohort.pk, "student": camp.carol.pk, "mentor": camp.mentor_a.pk},
    )
    assert response.status_code == 302
    assert Mentorship.objects.filter(student=camp.carol, mentor=camp.mentor_a).exists()


def test_mentor_has_no_roster_admin(client, camp):
    client.force_login(camp.mentor_a)
    for model in ["membership", "mentorship", "project", "cohort", "user"]:
        assert client.get(reverse(f"admin:camp_{model}_changelist")).status_code == 403


def test_ta_reads_only_the_people_of_their_cohorts(client, camp):
    client.force_login(camp.ta)
    response = client.get(reverse("admin:camp_user_changelist"))
    listed = {user.username for user in response.context["cl"].result_list}
    assert listed == {"alice", "bob", "carol", "mentor_a", "mentor_b", "ta"}
    outsider_page = reverse("admin:camp_user_change", args=[camp.outsider.pk])
    assert client.get(outsider_page).status_code in (302, 404)
    assert camp.outsider.email not in client.get(outsider_page, follow=True).content.decode()


def test_roles_granted_or_removed_in_the_admin_change_staff_access(client, camp):
    client.force_login(camp.ta)
    response = client.post(
        reverse("admin:camp_membership_add"),
        {"user": camp.mentor_b.pk, "cohort": camp.cohort.pk, "role": Role.TA},
    )
    assert response.status_code == 302
    camp.mentor_b.refresh_from_db()
    assert camp.mentor_b.groups.filter(name="TAs").exists()

    membership = Membership.objects.get(user=camp.mentor_b, role=Role.TA)
    client.post(reverse("admin:camp_membership_delete", args=[membership.pk]), {"post": "yes"})
    camp.mentor_b.refresh_from_db()
    assert camp.mentor_b.is_staff and not camp.mentor_b.groups.filter(name="TAs").exists()

    mentor_a = Membership.objects.get(user=camp.mentor_a, role=Role.MENTOR)
    client.post(
        reverse("admin:camp_membership_changelist"),
        {"action": "delete_selected", "_selected_action": [mentor_a.pk], "post": "yes"},
    )
    camp.mentor_a.refresh_from_db()
    assert not camp.mentor_a.is_staff


def test_ta_sets_a_projects_tracked_repositories(client, camp):
    client.force_login(camp.ta)
    url = reverse("admin:camp_project_change", args=[camp.project_a.pk])
    form = {"cohort": camp.cohort.pk, "title": camp.project_a.title, "description": ""}
    response = client.post(url, {**form, "repositories": '["PaddlePaddle/Paddle", "x y"]'})
    assert response.status_code == 200
    assert "repositories" in response.context["adminform"].form.errors
    camp.project_a.refresh_from_db()
    assert camp.project_a.repositories == []

    response = client.post(url, {**form, "repositories": '["PaddlePaddle/Paddle"]'})
    assert response.status_code == 302
    camp.project_a.refresh_from_db()
    assert camp.project_a.repositories == ["PaddlePaddle/Paddle"]


# --- the ids a form accepts are the ids it offers ----------------------


@pytest.mark.parametrize("target", ["admin", "outsider", "stranger"])
@pytest.mark.parametrize("role", [Role.STUDENT, Role.MENTOR, Role.TA])
def test_ta_cannot_enrol_someone_outside_their_cohorts_by_id(client, camp, target, role):
    client.force_login(camp.other_ta)
    victim = getattr(camp, target)
    before = memberships()
    data = {"user": victim.pk, "cohort": camp.other_cohort.pk, "role": role}
    if target == "outsider":
        # outsider is already a student of "other": ask for the camp's alice instead.
        data["user"] = camp.alice.pk
    response = client.post(reverse("admin:camp_membership_add"), data)
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert memberships() == before
    victim.refresh_from_db()
    camp.alice.refresh_from_db()
    assert not camp.alice.is_staff and (victim.is_staff is (target == "admin"))
    page = reverse("admin:camp_user_change", args=[data["user"]])
    assert client.get(page).status_code in (302, 404)


def test_ta_cannot_move_a_membership_onto_the_superuser(client, camp):
    client.force_login(camp.ta)
    alice = Membership.objects.get(user=camp.alice, cohort=camp.cohort)
    response = client.post(
        reverse("admin:camp_membership_change", args=[alice.pk]),
        {"user": camp.admin.pk, "cohort": camp.cohort.pk, "role": Role.TA},
    )
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not Membership.objects.filter(user=camp.admin).exists()


def test_ta_never_sees_a_superuser_account(client, camp):
    Membership.objects.create(user=camp.admin, cohort=camp.cohort, role=Role.MENTOR)
    client.force_login(camp.ta)
    listed = {
        u.username
        for u in client.get(reverse("admin:camp_user_changelist")).context["cl"].result_list
    }
    assert "admin" not in listed
    assert client.get(reverse("admin:camp_user_change", args=[camp.admin.pk])).status_code in (
        302,
        404,
    )


@pytest.mark.parametrize(
    ("field", "who"),
    [
        ("student", "outsider"),
        ("mentor", "other_ta"),
        ("mentor", "admin"),
        ("student", "mentor_a"),
        ("mentor", "carol"),
    ],
)
def test_mentorship_accepts_only_the_cohorts_students_and_mentors(client, camp, field, who):
    client.force_login(camp.ta)
    data = {"cohort": camp.cohort.pk, "student": camp.carol.pk, "mentor": camp.mentor_a.pk}
    data[field] = getattr(camp, who).pk
    before = Mentorship.objects.count()
    response = client.post(reverse("admin:camp_mentorship_add"), data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert Mentorship.objects.count() == before


# --- a student of a cohort is not also its mentor or TA ----------------


@pytest.mark.parametrize(
    ("who", "role"),
    [("carol", Role.TA), ("carol", Role.MENTOR), ("ta", Role.STUDENT), ("mentor_a", Role.STUDENT)],
)
def test_admin_refuses_student_and_staff_of_one_cohort(client, camp, who, role):
    client.force_login(camp.admin)
    before = memberships()
    data = {"user": getattr(camp, who).pk, "cohort": camp.cohort.pk, "role": role}
    if role == Role.STUDENT:
        data["project"] = camp.project_a.pk
    response = client.post(reverse("admin:camp_membership_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert memberships() == before


def test_ta_cannot_move_a_period_into_another_cohort(client, camp):
    client.force_login(camp.ta)
    period = camp.period(9)
    url = reverse("admin:reports_period_change", args=[period.pk])
    client.post(
        url,
        {
            "cohort": camp.other_cohort.pk,
            "number": 99,
            "starts_on": period.starts_on.isoformat(),
            "ends_on": period.ends_on.isoformat(),
            "due_at_0": "2025-07-01",
            "due_at_1": "23:59:00",
        },
    )
    assert Period.objects.get(pk=period.pk).cohort_id == camp.cohort.pk
