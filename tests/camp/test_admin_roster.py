"""A TA manages the roster of their own cohorts in the admin, and no other:
they cannot see another cohort's people nor give themselves a role there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from camp.models import Membership, Mentorship, Role


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
        {"user": camp.carol.pk, "cohort": camp.cohort.pk, "role": Role.MENTOR},
    )
    assert response.status_code == 302
    camp.carol.refresh_from_db()
    assert camp.carol.is_staff and camp.carol.groups.filter(name="Mentors").exists()

    membership = Membership.objects.get(user=camp.carol, role=Role.MENTOR)
    client.post(reverse("admin:camp_membership_delete", args=[membership.pk]), {"post": "yes"})
    camp.carol.refresh_from_db()
    assert not camp.carol.is_staff and not camp.carol.groups.exists()

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
