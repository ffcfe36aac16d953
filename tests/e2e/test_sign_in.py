"""A person signs in through the real browser and lands on their home page."""

from tests.e2e.conftest import sign_in


def test_student_signs_in_and_sees_their_cohort(page, transactional_camp, screenshot_dir):
    sign_in(page, "alice")
    assert page.locator("[data-cohort=camp]").is_visible()
    page.screenshot(path=str(screenshot_dir / "home-student.png"), full_page=True)


def test_wrong_password_stays_on_sign_in(page, transactional_camp):
    page.goto("/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").is_visible()
    assert "/accounts/login/" in page.url
