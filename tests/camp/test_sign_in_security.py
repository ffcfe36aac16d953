"""Sign-in security: lockout per account and per address, no user enumeration
on sign-in and password reset, Django's password validators."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tests.conftest import PASSWORD


@pytest.fixture
def lockouts(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_ADDRESS_FAILURE_LIMIT = 6


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_account_locks_from_that_address_even_with_the_right_password(client, camp, lockouts):
    for _ in range(2):
        assert attempt(client, "alice", "wrong").status_code == 200
    assert attempt(client, "alice", "wrong").status_code == 429  # the limit is reached
    response = attempt(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert client.get("/").status_code == 302  # not signed in


def test_failures_from_elsewhere_do_not_lock_the_account_out_for_everyone(client, camp, lockouts):
    for _ in range(5):
        attempt(client, "mentor_a", "wrong", ip="203.0.113.7")
    assert attempt(client, "mentor_a", "wrong", ip="203.0.113.7").status_code == 429
    assert attempt(client, "mentor_a", PASSWORD, ip="10.1.1.1").status_code == 302


def test_one_students_typos_do_not_lock_out_the_classroom_behind_one_address(
    client, camp, lockouts
):
    for _ in range(3):
        attempt(client, "alice", "wrong", ip="10.9.9.9")
    assert attempt(client, "alice", PASSWORD, ip="10.9.9.9").status_code == 429
    assert attempt(client, "bob", PASSWORD, ip="10.9.9.9").status_code == 302


def test_an_address_trying_many_accounts_is_locked_at_the_higher_limit(client, camp, lockouts):
    for name in ("nobody1", "nobody2", "nobody3", "nobody4", "nobody5"):
        assert attempt(client, name, "wrong", ip="10.9.9.9").status_code == 200
    assert attempt(client, "nobody6", "wrong", ip="10.9.9.9").status_code == 429
    assert attempt(client, "bob", PASSWORD, ip="10.9.9.9").status_code == 429
    assert attempt(client, "bob", PASSWORD, ip="10.1.1.1").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, camp, lockouts):
    for _ in range(3):
        attempt(client, "carol", "wrong")
    assert attempt(client, "carol", PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        assert attempt(client, "carol", PASSWORD).status_code == 302


def test_success_before_the_limit_resets_the_count(client, camp, lockouts):
    attempt(client, "carol", "wrong")
    attempt(client, "carol", "wrong")
    assert attempt(client, "carol", PASSWORD).status_code == 302


def test_sign_in_error_is_the_same_for_known_and_unknown_accounts(client, camp):
    known = attempt(client, "alice", "wrong").context["form"].non_field_errors()
    unknown = attempt(client, "not-a-user", "wrong").context["form"].non_field_errors()
    assert known == unknown


def test_password_reset_answers_the_same_for_known_and_unknown_emails(client, camp):
    known = client.post("/accounts/password_reset/", {"email": "alice@example.org"})
    unknown = client.post("/accounts/password_reset/", {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert "/accounts/reset/" in mail.outbox[0].body


def test_password_reset_link_sets_a_validated_password(client, camp):
    client.post("/accounts/password_reset/", {"email": "alice@example.org"})
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line
    ).strip()
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "password", "new_password2": "password"})
    assert weak.status_code == 200 and weak.context["form"].errors
    strong = client.post(
        set_url, {"new_password1": "Zq-long-enough-77", "new_password2": "Zq-long-enough-77"}
    )
    assert strong.status_code == 302
    camp.alice.refresh_from_db()
    assert camp.alice.check_password("Zq-long-enough-77")


def test_sessions_expire(client, camp, settings):
    assert 0 < settings.SESSION_COOKIE_AGE <= 30 * 24 * 3600
    assert attempt(client, "alice", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    later = timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    with time_machine.travel(later):
        response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
