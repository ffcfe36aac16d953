"""The profile page: name, email, language, time zone, notifications, GitHub link."""

from allauth.socialaccount.models import SocialAccount


def test_profile_requires_sign_in(client, db):
    assert client.get("/accounts/profile/").status_code == 302


def test_edit_profile(client, camp):
    client.force_login(camp.alice)
    response = client.post(
        "/accounts/profile/",
        {
            "display_name": "爱丽丝",
            "email": "a@example.org",
            "language": "en",
            "timezone": "Europe/Berlin",
        },
    )
    assert response.status_code == 302
    camp.alice.refresh_from_db()
    assert (camp.alice.display_name, camp.alice.language, camp.alice.timezone) == (
        "爱丽丝",
        "en",
        "Europe/Berlin",
    )
    assert camp.alice.email_notifications is False  # unchecked box
    assert "Profile" in client.get("/accounts/profile/").content.decode()  # now in English


def test_bad_time_zone_is_refused_and_nothing_changes(client, camp):
    client.force_login(camp.alice)
    response = client.post(
        "/accounts/profile/",
        {"display_name": "X", "email": "a@example.org", "language": "en", "timezone": "Mars/Base"},
    )
    assert response.status_code == 200 and response.context["form"].errors["timezone"]
    camp.alice.refresh_from_db()
    assert camp.alice.display_name == "Alice"


def test_profile_language_is_used_without_a_browser_choice(client, camp):
    camp.alice.language = "en"
    camp.alice.save()
    client.force_login(camp.alice)
    assert "Hello, Alice" in client.get("/").content.decode()


def test_linked_github_account_is_shown(client, camp):
    SocialAccount.objects.create(
        user=camp.alice, provider="github", uid="1", extra_data={"login": "alice"}
    )
    client.force_login(camp.alice)
    assert "@alice" in client.get("/accounts/profile/").content.decode()


def test_profile_links_the_api_tokens(client, camp):
    client.force_login(camp.alice)
    page = client.get("/accounts/profile/").content.decode()
    assert 'href="/account/tokens/"' in page
