"""Sign in with GitHub against a local fake OAuth server (GitHub Enterprise-style
base URL): the roster decides who gets in, by login (any case) and then by id."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.github.views import GitHubOAuth2Adapter

from camp.models import User
from tests.fakes.github_oauth import FakeGitHubOAuth

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def github(settings, monkeypatch):
    with FakeGitHubOAuth() as fake:
        settings.GITHUB_SIGN_IN_ENABLED = True
        settings.SOCIALACCOUNT_PROVIDERS = {
            "github": {
                "APPS": [{"client_id": fake.client_id, "secret": fake.client_secret, "key": ""}],
                "SCOPE": ["read:user"],
            }
        }
        # allauth computes these from GITHUB_URL when it is imported (see
        # test_enterprise_base_url_reaches_allauth); point them at the fake.
        for name, path in {
            "authorize_url": "/login/oauth/authorize",
            "access_token_url": "/login/oauth/access_token",
            "profile_url": "/api/v3/user",
            "emails_url": "/api/v3/user/emails",
        }.items():
            monkeypatch.setattr(GitHubOAuth2Adapter, name, fake.url + path)
        yield fake


def sign_in_with_github(client, fake):
    start = client.post("/auth/github/login/?process=login")
    assert start.status_code == 302 and start["Location"].startswith(fake.url)
    authorized = httpx.get(start["Location"], follow_redirects=False)
    callback = urlparse(authorized.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")


def test_roster_login_signs_in_and_links_the_account(client, camp, github):
    github.account = {"id": 4242, "login": "alice", "name": "Alice"}
    response = sign_in_with_github(client, github)
    assert response.status_code == 302
    assert client.get("/").context["user"] == camp.alice
    account = SocialAccount.objects.get(provider="github")
    assert (account.user, account.uid) == (camp.alice, "4242")
    camp.alice.refresh_from_db()
    assert camp.alice.github_id == 4242


def test_login_matches_whatever_the_case(client, camp, github):
    github.account = {"id": 7, "login": "ALICE"}
    sign_in_with_github(client, github)
    assert client.get("/").context["user"] == camp.alice
    camp.alice.refresh_from_db()
    assert camp.alice.github_login.lower() == "alice"


def test_login_not_on_the_roster_gets_a_polite_page_and_no_account(client, camp, github):
    github.account = {"id": 99, "login": "someone-else"}
    users_before = User.objects.count()
    response = sign_in_with_github(client, github)
    assert response.status_code == 403
    assert "someone-else" in response.content.decode()
    assert User.objects.count() == users_before
    assert not SocialAccount.objects.exists()
    assert client.get("/").status_code == 302  # still signed out


def test_renamed_account_is_matched_by_its_stable_id(client, camp, github):
    github.account = {"id": 4242, "login": "alice"}
    sign_in_with_github(client, github)
    client.post("/accounts/logout/")
    github.account = {"id": 4242, "login": "alice-renamed"}
    sign_in_with_github(client, github)
    assert client.get("/").context["user"] == camp.alice
    camp.alice.refresh_from_db()
    assert camp.alice.github_login == "alice-renamed"


def test_id_known_from_the_roster_matches_before_any_link(client, camp, github):
    User.objects.filter(pk=camp.bob.pk).update(github_id=555)
    github.account = {"id": 555, "login": "bob-new-name"}
    sign_in_with_github(client, github)
    assert client.get("/").context["user"] == camp.bob


def test_inactive_roster_user_cannot_sign_in(client, camp, github):
    User.objects.filter(pk=camp.carol.pk).update(is_active=False)
    github.account = {"id": 31, "login": "carol"}
    assert sign_in_with_github(client, github).status_code == 403


def test_button_shown_only_when_configured(client, camp, settings):
    settings.GITHUB_SIGN_IN_ENABLED = False
    assert "/auth/github/login/" not in client.get("/accounts/login/").content.decode()


def test_button_shown_when_configured(client, camp, github):
    assert "/auth/github/login/" in client.get("/accounts/login/").content.decode()


def test_self_signup_is_closed(client, db):
    response = client.get("/auth/signup/")
    assert response.status_code == 200
    assert b'name="password1"' not in response.content


def test_enterprise_base_url_reaches_allauth():
    code = (
        "import django; django.setup();"
        "from allauth.socialaccount.providers.github.views import GitHubOAuth2Adapter as A;"
        "print(A.authorize_url, A.access_token_url, A.profile_url);"
        "from django.conf import settings; print(settings.GITHUB_SIGN_IN_ENABLED)"
    )
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "camp.settings",
        "GITHUB_WEB_URL": "https://ghe.example.com/",
        "GITHUB_OAUTH_CLIENT_ID": "id",
        "GITHUB_OAUTH_CLIENT_SECRET": "secret",
    }
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [
        "https://ghe.example.com/login/oauth/authorize",
        "https://ghe.example.com/login/oauth/access_token",
        "https://ghe.example.com/api/v3/user",
        "True",
    ]


def test_a_freed_login_taken_by_someone_else_does_not_open_the_account(client, camp, github):
    github.account = {"id": 4242, "login": "alice"}
    sign_in_with_github(client, github)
    client.post("/accounts/logout/")
    # Alice renames her GitHub account; a stranger registers the freed login.
    github.account = {"id": 666, "login": "alice"}
    response = sign_in_with_github(client, github)
    assert response.status_code == 403
    assert client.get("/").status_code == 302  # not signed in
    camp.alice.refresh_from_db()
    assert camp.alice.github_id == 4242
    assert list(SocialAccount.objects.values_list("uid", flat=True)) == ["4242"]


def test_a_roster_user_already_tied_to_another_id_is_not_matched_by_login(client, camp, github):
    User.objects.filter(pk=camp.bob.pk).update(github_id=555)
    github.account = {"id": 777, "login": "bob"}
    assert sign_in_with_github(client, github).status_code == 403
    camp.bob.refresh_from_db()
    assert camp.bob.github_id == 555
