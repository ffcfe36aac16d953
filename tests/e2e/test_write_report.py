"""A student writes, previews, saves, submits and edits a report in the real
browser; another student cannot open it. Screenshots of the pages, desktop and
phone width, go to the screenshot folder."""

import datetime

import pytest
from django.utils import timezone

from camp.models import Cohort
from reports.models import Report
from reports.periods import current_period, ensure_periods
from tests.e2e.conftest import sign_in

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def live_camp(transactional_camp):
    """The test camp moved so that today falls in its period 2: the browser's
    session cookie lives in real time, so the server's clock cannot be frozen."""
    camp = transactional_camp
    cohort = camp.cohort
    cohort.starts_on = timezone.localdate(timezone=cohort.tzinfo) - datetime.timedelta(days=16)
    cohort.ends_on = cohort.starts_on + datetime.timedelta(days=125)
    cohort.report_visibility = Cohort.Visibility.PRIVATE
    cohort.save()
    cohort.periods.all().delete()
    ensure_periods(cohort)
    return camp


def fill_in(template: str) -> str:
    return template.replace(
        "请在此描述本周完成的工作",
        "完成了 `paddle.add` 的单测\n\n| 算子 | 状态 |\n|---|---|\n| add | ✅ |",
    ).replace(
        "请在此描述下周的工作计划",
        "补充文档\n\n        ```\n        " + "long_line_of_code(" * 20 + "\n        ```",
    )


def test_student_writes_previews_drafts_submits_and_edits(
    page, browser, live_server, live_camp, screenshot_dir
):
    camp = live_camp
    period = current_period(camp.cohort)
    assert period.number == 2
    sign_in(page, "alice")
    page.click("header >> a[href='/reports/']")
    page.wait_for_url("**/reports/")
    page.screenshot(path=str(screenshot_dir / "my-reports-empty.png"), full_page=True)
    page.click("[data-current-period='2'] a.button.primary")
    page.wait_for_url("**/reports/write/camp/2/")

    textarea = page.locator("textarea[name=body]")
    template = textarea.input_value()
    assert "### 姓名\n\nAlice" in template and "项目一：算子补全" in template
    textarea.fill(fill_in(template))

    # Preview through JavaScript: no page load, the sanitised HTML appears.
    url_before = page.url
    page.click("button[data-preview]")
    page.wait_for_selector("#preview table")
    assert page.url == url_before
    assert page.locator("#preview h3", has_text="本周工作").is_visible()
    page.screenshot(path=str(screenshot_dir / "write-preview.png"), full_page=True)

    page.click("button[value=draft]")
    page.wait_for_selector(".messages .msg-success")
    report = Report.objects.get(student=camp.alice, period=period)
    assert report.status == Report.Status.DRAFT

    page.click("button[value=submit]")
    page.wait_for_url(f"**/reports/{report.pk}/")
    assert page.locator(".facts [data-state=on_time]").is_visible()
    assert page.locator("[data-revision]").count() == 1
    page.screenshot(path=str(screenshot_dir / "report-submitted.png"), full_page=True)

    page.click("header >> a[href='/reports/']")
    assert page.locator("[data-period='2'] [data-state=on_time]").is_visible()
    page.screenshot(path=str(screenshot_dir / "my-reports.png"), full_page=True)

    page.click("[data-current-period='2'] a[href='/reports/write/camp/2/']")
    textarea = page.locator("textarea[name=body]")
    textarea.fill(textarea.input_value().replace("补充文档", "补充中文文档和示例"))
    page.click("button[value=submit]")
    page.wait_for_url(f"**/reports/{report.pk}/")
    assert page.locator("[data-revision]").count() == 2
    assert page.locator(".report-body", has_text="补充中文文档和示例").is_visible()

    page.set_viewport_size(PHONE)
    # A long code line scrolls inside its block instead of widening the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate("document.querySelector('.report-body pre').scrollWidth") > 390
    page.screenshot(path=str(screenshot_dir / "report-phone.png"), full_page=True)
    page.goto("/reports/")
    page.screenshot(path=str(screenshot_dir / "my-reports-phone.png"), full_page=True)
    page.goto("/reports/write/camp/2/")
    page.screenshot(path=str(screenshot_dir / "write-phone.png"), full_page=True)

    other = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE)
    try:
        bob = other.new_page()
        sign_in(bob, "bob")
        response = bob.goto(f"/reports/{report.pk}/")
        assert response.status == 404
    finally:
        other.close()


def test_empty_sections_block_submission_in_the_browser(page, live_camp, screenshot_dir):
    sign_in(page, "alice")
    page.goto("/reports/write/camp/2/")
    page.click("button[value=submit]")
    errors = page.locator("[data-errors] li")
    assert errors.count() == 2
    assert page.locator("[data-warnings] li").count() == 2
    page.screenshot(path=str(screenshot_dir / "write-checks.png"), full_page=True)
    assert not Report.objects.exists()


def test_preview_works_without_javascript(browser, live_server, live_camp):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        # Not sign_in(): without JavaScript the language form's <noscript>
        # button is the page's first submit button.
        page.goto("/accounts/login/?next=/reports/write/camp/2/")
        page.fill("#id_username", "alice")
        page.fill("#id_password", "pw")
        page.click("form.stack button[type=submit]")
        page.wait_for_url("**/reports/write/camp/2/")
        page.fill("textarea[name=body]", "### 本周工作\n\n- [x] 无脚本也能预览")
        page.click("button[data-preview]")
        page.wait_for_selector("#preview input[type=checkbox][checked]")
        assert page.locator("#preview h3").inner_text() == "本周工作"
        assert page.locator("textarea[name=body]").input_value().endswith("无脚本也能预览")
        assert not Report.objects.exists()
    finally:
        context.close()


def test_checks_follow_the_text_and_the_bar_never_covers_the_preview(
    page, browser, live_server, live_camp, screenshot_dir
):
    sign_in(page, "alice")
    page.goto(f"{live_server.url}/reports/write/camp/2/")
    textarea = page.locator("textarea[name=body]")
    template = textarea.input_value()

    # The template as it comes: this period's work is still a hint.
    page.click("[data-preview]")
    expect_errors = page.locator("#checks [data-errors]")
    expect_errors.wait_for()
    assert page.url.endswith("/reports/write/camp/2/")  # previewed in place, not posted

    # Fixed and previewed again: the box goes away with the error.
    textarea.fill(fill_in(template))
    page.click("[data-preview]")
    page.wait_for_function("!document.querySelector('#checks [data-errors]')")
    assert "paddle.add" in page.locator("#preview").inner_text()

    # However far the page scrolls, the preview ends above the button bar.
    page.set_viewport_size({"width": 1280, "height": 700})
    for scroll in (0, 300, 10_000):
        page.evaluate(f"window.scrollTo(0, {scroll})")
        preview = page.locator("#preview").bounding_box()
        bar = page.locator(".sticky-actions").bounding_box()
        visible_bottom = min(preview["y"] + preview["height"], 700)
        assert visible_bottom <= bar["y"] + 1 or preview["y"] >= bar["y"] + bar["height"]
    page.screenshot(path=str(screenshot_dir / "write-checks-cleared.png"))
