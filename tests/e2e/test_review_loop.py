"""The review loop in the real browser: alice submits, mentor_a asks for changes
in the workspace, alice replies and revises, mentor_a approves with "Save and
next"; the overview cell goes on time → needs changes → resubmitted → reviewed.
Screenshots of the queue and the workspace at 1280 px and 390 px, in zh-hans
and English."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from camp.celery import app
from camp.models import Cohort
from reports.models import Reply, Report, Review
from reports.overview.templatetags import STATE_CODES
from reports.periods import current_period, ensure_periods
from tests.e2e.conftest import sign_in
from tests.factories import ReportFactory
from tests.pages.test_writing import FILLED

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def live_camp(transactional_camp):
    """Today falls in the camp's period 2 (the browser's session cookie lives in
    real time, so the server's clock cannot be frozen)."""
    camp = transactional_camp
    cohort = camp.cohort
    cohort.starts_on = timezone.localdate(timezone=cohort.tzinfo) - datetime.timedelta(days=16)
    cohort.ends_on = cohort.starts_on + datetime.timedelta(days=125)
    cohort.report_visibility = Cohort.Visibility.PRIVATE
    cohort.save()
    cohort.periods.all().delete()
    ensure_periods(cohort)
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield camp
    app.conf.task_always_eager = previous


def new_page(browser, live_server, *, language: str = "", viewport=DESKTOP):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=viewport)
    if language:
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def admin_sign_in(page, username: str, password: str = "pw") -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: "/admin/login/" not in url)


STATE_OF_CODE = {code: state.value for state, code in STATE_CODES.items()}


def cell_state(ta_page, report: Report) -> str:
    """The state of the report's cell, read from its class (s-t: on time ...)."""
    ta_page.goto("/overview/camp/")
    cell = ta_page.locator(f"td:has(a[href='/reports/{report.pk}/'])")
    code = next(c[2:] for c in cell.get_attribute("class").split() if c.startswith("s-"))
    return STATE_OF_CODE[code]


def test_the_review_loop(page, browser, live_server, live_camp, screenshot_dir):
    camp = live_camp
    period = current_period(camp.cohort)
    assert period.number == 2
    # bob's report waits too, so "Save and next" has somewhere to go.
    bob_report = ReportFactory(
        student=camp.bob, period=period, submitted_at=timezone.now() - datetime.timedelta(hours=1)
    )
    ta = new_page(browser, live_server)
    sign_in(ta, "ta")
    mentor = new_page(browser, live_server)
    admin_sign_in(mentor, "mentor_a")

    # alice submits.
    sign_in(page, "alice")
    page.goto("/reports/write/camp/2/")
    page.fill("textarea[name=body]", FILLED)
    page.click("button[name=action][value=submit]")
    page.wait_for_url("**/reports/*/")
    report = Report.objects.get(student=camp.alice, period=period)
    assert cell_state(ta, report) == "on_time"

    # The mentor follows "Review now" on the home page: exactly the waiting reports.
    mentor.goto("/")
    assert "2" in mentor.locator("p.owe").first.inner_text()
    mentor.click("[data-review-now]")
    mentor.wait_for_url("**/admin/reports/report/?review=waiting*")
    mentor.wait_for_selector("#result_list")
    rows = mentor.locator("#result_list tbody tr")
    assert rows.count() == 2
    mentor.screenshot(path=str(screenshot_dir / "review-queue-1280-zh.png"), full_page=True)
    # The oldest waiting first: bob's.
    mentor.locator("[data-workspace-link]").nth(1).click()
    mentor.wait_for_url(f"**/admin/reports/report/{report.pk}/review/**")
    assert "算子" in mentor.locator("[data-report-body]").inner_text()
    # Nothing chosen: nothing saved, the browser asks for a verdict (the
    # server refuses it too: tests/reviewing/test_workspace.py).
    mentor.click("button[name=action][value=save]")
    assert mentor.locator("input[name=verdict]:invalid").count() == 3
    assert not Review.objects.exists()
    # "c" focuses the comment.
    mentor.keyboard.press("c")
    mentor.keyboard.type("请补充 **PR 链接**。")
    mentor.check("input[name=verdict][value=needs_changes]")
    mentor.click("[data-preview-button]")
    mentor.wait_for_selector("[data-preview] strong")
    mentor.screenshot(path=str(screenshot_dir / "review-workspace-1280-zh.png"), full_page=True)
    mentor.click("button[name=action][value=save]")
    mentor.wait_for_selector(".messagelist .success")
    assert cell_state(ta, report) == "needs_changes"

    # alice sees the review, replies, and revises (warned that it goes back).
    page.goto(f"/reports/{report.pk}/")
    assert page.locator("[data-review] .markdown strong").inner_text() == "PR 链接"
    page.fill("[data-reply-form] textarea", "好的，已补充。")
    page.click("[data-reply-form] button[type=submit]")
    page.wait_for_selector("[data-entry=reply]")
    assert Reply.objects.filter(report=report, author=camp.alice).exists()
    page.goto("/reports/write/camp/2/")
    assert page.locator("[data-goes-back-to-review]").is_visible()
    page.fill(
        "textarea[name=body]", FILLED + "\nPR: https://github.com/PaddlePaddle/Paddle/pull/1\n"
    )
    page.click("button[name=action][value=submit]")
    page.wait_for_url("**/reports/*/")
    page.screenshot(path=str(screenshot_dir / "student-conversation-1280-zh.png"), full_page=True)
    assert cell_state(ta, report) == "resubmitted"

    # The mentor's queue has it again, marked resubmitted, with the diff.
    mentor.goto("/admin/reports/report/")
    assert "已重新提交" in mentor.locator("#result_list").inner_text()
    mentor.locator(f"[data-workspace-link][href*='/report/{report.pk}/']").click()
    assert (
        "+PR: https://github.com/PaddlePaddle/Paddle/pull/1"
        in mentor.locator("[data-diff]").inner_text()
    )
    assert mentor.locator("[data-entry=reply]").is_visible()
    # j / k walk the queue.
    mentor.keyboard.press("k")
    mentor.wait_for_url(f"**/admin/reports/report/{bob_report.pk}/review/**")
    mentor.keyboard.press("j")
    mentor.wait_for_url(f"**/admin/reports/report/{report.pk}/review/**")
    mentor.check("input[name=verdict][value=approved]")
    mentor.click("[data-save-next]")
    # Save and next: the next report of the same queue (bob's, the only one left).
    mentor.wait_for_url(f"**/admin/reports/report/{bob_report.pk}/review/**")
    assert cell_state(ta, report) == "reviewed"

    # Screenshots of the queue and the workspace: phone and English.
    for language, suffix in [("zh-hans", "zh"), ("en", "en")]:
        for width, viewport in [("1280", DESKTOP), ("390", PHONE)]:
            shot = new_page(browser, live_server, language=language, viewport=viewport)
            admin_sign_in(shot, "mentor_a")
            shot.goto("/admin/reports/report/?review=all")
            table = shot.locator("#result_list")
            # Every column is on the screen: none cut off at the right edge.
            right = shot.evaluate("document.documentElement.clientWidth")
            last = table.locator("thead th").last.bounding_box()
            assert last["x"] + last["width"] <= right + 1, (language, width)
            shot.screenshot(
                path=str(screenshot_dir / f"review-queue-{width}-{suffix}.png"), full_page=True
            )
            shot.goto(f"/admin/reports/report/{report.pk}/review/?_changelist_filters=review%3Dall")
            shot.screenshot(
                path=str(screenshot_dir / f"review-workspace-{width}-{suffix}.png"),
                full_page=True,
            )
            shot.context.close()
