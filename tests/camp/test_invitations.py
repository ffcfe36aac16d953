"""Invitations: one-time, expiring links by email in the person's language."""

import datetime
import json
import re
import textwrap
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from camp.invitations import invite
from camp.models import Invitation, User

STRONG = "a-long-Passw0rd-for-tests"


@pytest.fixture
def invited(camp):
    User.objects.filter(pk=camp.alice.pk).update(password=make_password(None))
    camp.alice.refresh_from_db()
    return camp.alice


def link_in(message) -> str:
    return re.search(r"http://testserver(/accounts/invite/[^/\s]+/)", message.body).group(1)


def test_invitation_email_in_chinese_by_default(invited, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(invited, base_url="http://testserver/")
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == "训练营周报邀请"
    assert "护航计划 测试营" in message.body and "只能使用一次" in message.body
    assert "/accounts/invite/" in message.alternatives[0][0]


def test_invitation_email_in_english(invited, django_capture_on_commit_callbacks):
    User.objects.filter(pk=invited.pk).update(language="en")
    invited.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        invite(invited, base_url="http://testserver/")
    (message,) = mail.outbox
    assert message.subject == "Your invitation to Camp Reports"
    assert "The link works once" in message.body


def test_link_sets_the_password_signs_in_and_works_only_once(
    client, invited, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(invited, base_url="http://testserver/")
    link = link_in(mail.outbox[0])
    page = client.get(link)
    assert page.status_code == 200 and b"new_password1" in page.content
    response = client.post(link, {"new_password1": STRONG, "new_password2": STRONG})
    assert response.status_code == 302
    assert client.get("/").context["user"] == invited
    invited.refresh_from_db()
    assert invited.check_password(STRONG)
    client.post("/accounts/logout/")
    second = client.post(
        link, {"new_password1": "another-Passw0rd-x", "new_password2": "another-Passw0rd-x"}
    )
    assert second.status_code == 404
    invited.refresh_from_db()
    assert invited.check_password(STRONG)


def test_weak_password_is_refused_and_the_link_stays_usable(
    client, invited, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(invited, base_url="http://testserver/")
    link = link_in(mail.outbox[0])
    response = client.post(link, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200 and "error" in response.content.decode()
    assert client.get(link).status_code == 200
    invited.refresh_from_db()
    assert not invited.has_usable_password()


def test_link_expires_after_seven_days(client, invited, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(invited, base_url="http://testserver/")
    link = link_in(mail.outbox[0])
    with time_machine.travel(timezone.now() + datetime.timedelta(days=7, minutes=1)):
        assert client.get(link).status_code == 404
        response = client.post(link, {"new_password1": STRONG, "new_password2": STRONG})
        assert response.status_code == 404
    invited.refresh_from_db()
    assert not invited.has_usable_password()


def test_resend_replaces_the_old_link(client, invited, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(invited, base_url="http://testserver/")
        invite(invited, base_url="http://testserver/")
    old, new = (link_in(m) for m in mail.outbox)
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_unknown_link_looks_like_an_expired_one(client, db):
    response = client.get("/accounts/invite/not-a-real-token/")
    assert response.status_code == 404
    assert "无效" in response.content.decode()


def test_admin_action_invites_those_without_password(
    client, camp, invited, django_capture_on_commit_callbacks
):
    client.force_login(camp.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/camp/user/",
            {"action": "send_invitations", "_selected_action": [invited.pk, camp.bob.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]  # bob already has a password
    assert Invitation.objects.filter(user=invited).count() == 1


def test_mentor_cannot_use_the_invite_action(client, camp, invited):
    client.force_login(camp.mentor_a)
    changelist = client.get("/admin/camp/user/")
    assert b"send_invitations" not in changelist.content
    client.post(
        "/admin/camp/user/", {"action": "send_invitations", "_selected_action": [invited.pk]}
    )
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_import_roster_invite(tmp_path, db, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://camp.example.org"
    roster = tmp_path / "roster.yaml"
    roster.write_text(
        textwrap.dedent(
            """\
            cohort: {slug: c1, name: 第一期, starts_on: 2025-03-03, ends_on: 2025-04-30}
            tas: [{github: the-ta, email: ta@example.org}]
            projects:
              - title: 项目一
                students:
                  - {github: stu-one, email: one@example.org, mentors: [men-one]}
                  - {github: stu-two}
            mentors: [men-one]
            """
        ),
        encoding="utf-8",
    )
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_roster", str(roster), "--invite", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["invited"] == ["stu-one", "the-ta"]
    assert result["not_invited"] == {"men-one": "no email address", "stu-two": "no email address"}
    assert sorted(m.to[0] for m in mail.outbox) == ["one@example.org", "ta@example.org"]
    assert "https://camp.example.org/accounts/invite/" in mail.outbox[0].body
