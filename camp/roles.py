"""Who manages what over the roster: the cohorts a user manages and the people
whose accounts they may change, which roles one person may hold at once, and
admin access that follows the roster (mentors and TAs are staff through the
groups created by migration 0002; students never are).

Who may read and review reports is reports.access, built on these."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, Group
from django.db.models import Exists, OuterRef, QuerySet

from camp.models import Cohort, Membership, Role, User

AnyUser = User | AnonymousUser

MENTORS_GROUP = "Mentors"
TAS_GROUP = "TAs"
GROUP_FOR_ROLE = {Role.MENTOR: MENTORS_GROUP, Role.TA: TAS_GROUP}


# Nobody reviews their own work: a student of a cohort is not also its mentor or TA.
EXCLUSIVE_ROLES = ({Role.STUDENT}, {Role.MENTOR, Role.TA})


def roles_conflict(roles: set[str]) -> bool:
    """Whether one person holding all these roles in one cohort breaks the rule."""
    return all(roles & side for side in EXCLUSIVE_ROLES)


def conflicting_membership(user: User, cohort_id: int, role: str) -> Membership | None:
    """An existing membership of `user` in the cohort that `role` may not join."""
    for membership in Membership.objects.filter(user=user, cohort_id=cohort_id):
        if roles_conflict({membership.role, role}):
            return membership
    return None


def sync_staff_access(users: Iterable[User]) -> None:
    """Make staff flag and groups match each user's mentor and TA memberships."""
    users = list(users)
    if not users:
        return
    groups = {group.name: group for group in Group.objects.filter(name__in=GROUP_FOR_ROLE.values())}
    roles_by_user: dict[int, set[str]] = {user.pk: set() for user in users}
    for user_id, role in Membership.objects.filter(
        user__in=users, role__in=GROUP_FOR_ROLE
    ).values_list("user_id", "role"):
        roles_by_user[user_id].add(role)
    for user in users:
        wanted = {
            groups[GROUP_FOR_ROLE[role]]
            for role in roles_by_user[user.pk]
            if GROUP_FOR_ROLE[role] in groups
        }
        managed = set(groups.values())
        current = set(user.groups.filter(pk__in=[g.pk for g in managed]))
        if current - wanted:
            user.groups.remove(*(current - wanted))
        if wanted - current:
            user.groups.add(*(wanted - current))
        is_staff = bool(wanted) or user.is_superuser
        if user.is_staff != is_staff:
            user.is_staff = is_staff
            user.save(update_fields=["is_staff"])


def cohorts_where(user: AnyUser, *roles: str) -> QuerySet[Cohort]:
    """Cohorts the user is a member of in one of the roles."""
    if not user.is_authenticated:
        return Cohort.objects.none()
    return Cohort.objects.filter(memberships__user=user, memberships__role__in=roles).distinct()


def managed_cohorts(user: AnyUser) -> QuerySet[Cohort]:
    """Cohorts the user manages (roster, periods, allowances, reminders, GitHub
    settings, the whole overview): a TA's own, every one for the superuser."""
    if not user.is_authenticated or not user.is_active:
        return Cohort.objects.none()
    if user.is_superuser:
        return Cohort.objects.all()
    return cohorts_where(user, Role.TA)


def manageable_users(user: AnyUser) -> QuerySet[User]:
    """People whose accounts and roles the user manages: everyone for the superuser,
    for a TA the members of their cohorts, never a superuser. Someone who belongs
    to no cohort of the TA comes in through a roster, not by typing an id."""
    if not user.is_authenticated or not user.is_active:
        return User.objects.none()
    if user.is_superuser:
        return User.objects.all()
    members = Membership.objects.filter(user=OuterRef("pk"), cohort__in=managed_cohorts(user))
    return User.objects.filter(Exists(members), is_superuser=False)


def may_manage(user: AnyUser, cohort: Cohort) -> bool:
    return managed_cohorts(user).filter(pk=cohort.pk).exists()
