"""The interactive API docs run in a real browser from our own static files,
and a personal token made on the tokens page works in the API."""

from urllib.parse import urlsplit

from camp.models import ApiToken
from tests.e2e.conftest import sign_in


def test_swagger_ui_renders_with_no_outside_requests(page, live_server, transactional_camp):
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto("/api/docs/")
    page.locator(".opblock-summary-path", has_text="/api/reports/").first.wait_for()
    assert hosts == {urlsplit(live_server.url).netloc}


def test_token_made_on_the_page_authenticates(page, transactional_camp, screenshot_dir):
    sign_in(page, "alice")
    page.goto("/account/tokens/")
    page.fill("#id_name", "chat bot")
    page.click("button.primary")
    secret = page.locator("code.secret").inner_text()
    page.screenshot(path=str(screenshot_dir / "api-tokens.png"), full_page=True)
    me = page.request.get("/api/me/", headers={"Authorization": f"Bearer {secret}"})
    assert me.status == 200 and me.json()["username"] == "alice"
    page.reload()
    assert page.locator("code.secret").count() == 0
    assert ApiToken.objects.filter(user=transactional_camp.alice).count() == 1
