"""An invited student follows the emailed link, sets a password and lands on My reports."""

import re

from django.contrib.auth.hashers import make_password
from django.core import mail

from camp.invitations import invite
from camp.models import User


def test_invited_student_sets_a_password_and_lands_on_my_reports(
    page, live_server, transactional_camp, screenshot_dir
):
    User.objects.filter(pk=transactional_camp.alice.pk).update(password=make_password(None))
    alice = User.objects.get(pk=transactional_camp.alice.pk)
    invite(alice, base_url=live_server.url)  # outside a transaction: sent at once
    link = re.search(r"(http://\S+/accounts/invite/\S+/)", mail.outbox[-1].body).group(1)

    page.goto(link)
    page.screenshot(path=str(screenshot_dir / "invitation.png"), full_page=True)
    page.fill("#id_new_password1", "a-long-Passw0rd-for-alice")
    page.fill("#id_new_password2", "a-long-Passw0rd-for-alice")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/reports/")
    alice.refresh_from_db()
    assert alice.check_password("a-long-Passw0rd-for-alice")

    page.goto(link)  # the link is used up
    assert page.locator("h1").inner_text() == "该链接无效"
