"""Personal API tokens: created and revoked on /account/tokens/, shown once,
stored as a digest, accepted as `Authorization: Bearer`, throttled."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from camp.models import ApiToken
from camp.tokens import create_token, token_digest
from reports.api.authentication import ApiTokenRateThrottle
from reports.models import Report
from tests.factories import complete_body

IN_PERIOD_3 = datetime.datetime(2025, 4, 10, 12, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()  # throttle counters live in the cache


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_token_page_needs_sign_in(client, camp):
    response = client.get("/account/tokens/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post("/account/tokens/", {"name": "bot"}).status_code == 302
    assert not ApiToken.objects.exists()


def test_create_shows_the_token_once_and_stores_only_a_digest(client, camp):
    client.force_login(camp.alice)
    created = client.post("/account/tokens/", {"name": "chat bot"})
    assert created.status_code == 302 and created["Location"] == "/account/tokens/"
    response = client.get("/account/tokens/")
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=camp.alice)
    secret = response.context["new_secret"]
    assert secret.startswith("camp_") and secret.encode() in response.content
    assert token.name == "chat bot" and secret.startswith(token.prefix)
    assert token.digest == token_digest(secret) and secret not in token.digest

    page = client.get("/account/tokens/")
    assert secret.encode() not in page.content
    assert token.prefix.encode() in page.content and b"chat bot" in page.content


def test_a_token_needs_a_name(client, camp):
    client.force_login(camp.alice)
    response = client.post("/account/tokens/", {"name": "   "})
    assert response.status_code == 200 and response.context["form"].errors
    assert response.context["new_secret"] is None
    assert not ApiToken.objects.exists()


def test_token_authenticates_as_its_user_and_notes_its_use(client, camp):
    token, secret = create_token(camp.mentor_a, "dashboard")
    response = client.get("/api/me/", **bearer(secret))
    assert response.status_code == 200 and response.json()["username"] == "mentor_a"
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer camp_not-a-real-token", "Bearer", "Bearer two parts", "bearer camp_nope"],
)
def test_bad_tokens_are_401_with_a_json_message(client, camp, header):
    create_token(camp.alice, "real")
    response = client.get("/api/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_inactive_users_tokens_stop_working(client, camp):
    _token, secret = create_token(camp.alice, "bot")
    camp.alice.is_active = False
    camp.alice.save()
    assert client.get("/api/me/", **bearer(secret)).status_code == 401


def test_revoke_own_token_only(client, camp):
    alice_token, alice_secret = create_token(camp.alice, "bot")
    bob_token, bob_secret = create_token(camp.bob, "bot")
    client.force_login(camp.alice)
    assert client.get(f"/account/tokens/{alice_token.pk}/revoke/").status_code == 405
    assert client.post(f"/account/tokens/{bob_token.pk}/revoke/").status_code == 404
    response = client.post(f"/account/tokens/{alice_token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/account/tokens/"
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [bob_token.pk]

    anonymous = Client()
    assert anonymous.get("/api/me/", **bearer(alice_secret)).status_code == 401
    assert anonymous.get("/api/me/", **bearer(bob_secret)).status_code == 200


def test_token_clients_need_no_csrf_but_sessions_do(camp):
    _token, secret = create_token(camp.alice, "bot")
    payload = {
        "cohort": "camp",
        "period_number": 3,
        "body": complete_body("from a bot"),
        "submit": True,
    }
    with time_machine.travel(IN_PERIOD_3, tick=False):
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(camp.alice)
        refused = strict.post("/api/reports/", payload, content_type="application/json")
        assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
        assert not Report.objects.exists()
        accepted = Client(enforce_csrf_checks=True).post(
            "/api/reports/", payload, content_type="application/json", **bearer(secret)
        )
        assert accepted.status_code == 201


def test_token_clients_are_throttled_sessions_are_not(client, camp, monkeypatch):
    monkeypatch.setattr(ApiTokenRateThrottle, "THROTTLE_RATES", {"api_token": "3/minute"})
    _first, first_secret = create_token(camp.alice, "one")
    _second, second_secret = create_token(camp.alice, "two")
    for secret in (first_secret, first_secret, second_secret):
        assert client.get("/api/me/", **bearer(secret)).status_code == 200
    # The allowance is per user: a second token does not double it.
    throttled = client.get("/api/me/", **bearer(second_secret))
    assert throttled.status_code == 429
    assert throttled.json()["detail"] and int(throttled["Retry-After"]) > 0

    client.force_login(camp.alice)
    for _ in range(5):
        assert client.get("/api/me/").status_code == 200
    assert Client().get("/api/me/", **bearer(create_token(camp.bob, "b")[1])).status_code == 200


def test_admin_lists_tokens_and_can_revoke_but_not_create(client, camp):
    token, _secret = create_token(camp.alice, "bot")
    client.force_login(camp.admin)
    listing = client.get("/admin/camp/apitoken/")
    assert listing.status_code == 200 and token.prefix.encode() in listing.content
    assert token.digest.encode() not in listing.content
    assert client.get("/admin/camp/apitoken/add/").status_code == 403
    client.post(f"/admin/camp/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert not ApiToken.objects.exists()
    client.force_login(camp.ta)  # staff, but tokens are the superuser's business
    assert client.get("/admin/camp/apitoken/").status_code == 403
