"""The TA opens the demo cohort's overview from the home page, filters it, copies
the period summary, and a screenshot is kept; a mentor sees only their students."""

import pytest
from playwright.sync_api import expect

from reports.demo import seed_demo
from tests.e2e.conftest import sign_in


@pytest.fixture
def demo(transactional_db):
    return seed_demo(students=24, mentors=5, periods=10, password="pw").cohort


def test_ta_opens_the_demo_overview(page, demo, screenshot_dir):
    sign_in(page, "ta")
    page.click(f"[data-cohort={demo.slug}] a[data-overview]")
    page.wait_for_url(f"**/overview/{demo.slug}/")
    matrix = page.locator("table.matrix")
    assert matrix.is_visible()
    assert matrix.locator("tbody th[scope=row]").count() == 24
    assert matrix.locator("thead th.period").count() == 10
    # Nine states (resubmitted among them), "pending on GitHub", merged pull
    # requests and "quiet".
    assert page.locator(".legend li").count() == 12
    page.screenshot(path=str(screenshot_dir / "overview-ta.png"), full_page=True)

    # The header row and the first column stay in view while the matrix scrolls.
    wrap = page.locator(".matrix-wrap")
    wrap.evaluate("el => { el.scrollTop = 400; el.scrollLeft = 300; }")
    header_top = page.locator("table.matrix thead th.corner").bounding_box()["y"]
    assert abs(header_top - wrap.bounding_box()["y"]) < 3
    first_column = page.locator("table.matrix tbody th[scope=row]").nth(10).bounding_box()["x"]
    assert abs(first_column - wrap.bounding_box()["x"]) < 3
    page.screenshot(path=str(screenshot_dir / "overview-ta-scrolled.png"))

    # A cell links to its report.
    href = page.locator("table.matrix td a").first.get_attribute("href")
    assert href.startswith("/reports/") and href.endswith("/")

    # Filters apply on change, without a submit button press.
    page.select_option("select[name=status]", "missing")
    page.wait_for_url("**status=missing**")
    rows = page.locator("table.matrix tbody tr:has(th[scope=row])")
    assert 0 < rows.count() < 24
    for index in range(rows.count()):
        assert rows.nth(index).locator("td.s-m").count() > 0

    # The copy button puts the summary on the clipboard.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    summary = page.locator("#summary-text").input_value()
    assert "周报汇总" in summary and "- [" in summary
    page.click("[data-copy]")
    expect(page.locator("[data-copy]")).to_have_text("已复制")
    assert page.evaluate("navigator.clipboard.readText()") == summary


def test_mentor_sees_only_their_students(page, demo, screenshot_dir):
    sign_in(page, "mentor1")
    page.goto(f"/overview/{demo.slug}/")
    logins = page.locator("table.matrix tbody th[scope=row] .login").all_inner_texts()
    # The demo gives mentor1 students 1, 6, 11, ... and a second mentor to every fourth.
    assert logins and "@student2" not in logins
    assert "@student1" in logins
    page.screenshot(path=str(screenshot_dir / "overview-mentor.png"), full_page=True)
