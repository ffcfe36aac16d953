"""Who may sign in with GitHub: only people on a roster, matched by their
GitHub login (any case) the first time and by GitHub's stable user id after."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest
from django.shortcuts import render

from camp.models import User


def roster_user_for_github(login: str, github_id: int | None) -> User | None:
    """The roster's user for a GitHub account: by stable id first (survives
    renames), then by login, case-insensitively.

    The login only matches a user not yet tied to another GitHub id: logins
    are freed by renames and taken by other people, so a login alone must
    never open an account that a different GitHub account already owns.
    """
    if github_id is not None:
        user = User.objects.filter(github_id=github_id, is_active=True).first()
        if user is not None:
            return user
    if not login:
        return None
    return User.objects.filter(
        github_login__iexact=login, is_active=True, github_id__isnull=True
    ).first()


def remember_github_identity(user: User, login: str, github_id: int | None) -> None:
    """Keep the stable id (set once, never replaced), and follow a rename of the
    login when nobody else holds it."""
    changes = []
    if github_id is not None and user.github_id is None:
        user.github_id = github_id
        changes.append("github_id")
    login_free = not User.objects.filter(github_login__iexact=login).exclude(pk=user.pk).exists()
    if login and (user.github_login or "").lower() != login.lower() and login_free:
        user.github_login = login
        changes.append("github_login")
    if changes:
        user.save(update_fields=changes)


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """Accounts come from the roster (and invitations), never from self sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class RosterSocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin) -> None:
        data = sociallogin.account.extra_data
        login = data.get("login") or ""
        github_id = int(sociallogin.account.uid) if str(sociallogin.account.uid).isdigit() else None
        if sociallogin.is_existing:
            remember_github_identity(sociallogin.user, login, github_id)
            return
        user = roster_user_for_github(login, github_id)
        if user is None:
            raise ImmediateHttpResponse(
                render(request, "registration/not_on_roster.html", {"login": login}, status=403)
            )
        remember_github_identity(user, login, github_id)
        sociallogin.connect(request, user)
