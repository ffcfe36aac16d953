"""A mentor clears their queue in the admin through the real browser."""

from __future__ import annotations

import datetime

from reports.models import Review
from tests.e2e.conftest import sign_in
from tests.factories import ReportFactory


def admin_sign_in(page, username: str, password: str = "pw") -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: "/admin/login/" not in url)


def test_mentor_reviews_the_first_unreviewed_report(page, transactional_camp, screenshot_dir):
    camp = transactional_camp
    period = camp.period(1)
    waiting_longest = ReportFactory(
        student=camp.alice,
        period=period,
        submitted_at=period.due_at - datetime.timedelta(days=2),
        body="### 本周工作\n\n- 完成了 **算子补全**\n\n<script>alert(1)</script>\n",
    )
    ReportFactory(student=camp.bob, period=period)
    ReportFactory(student=camp.carol, period=period)  # mentor_b's student: not in the queue

    admin_sign_in(page, "mentor_a")
    page.goto("/admin/reports/report/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    page.screenshot(path=str(screenshot_dir / "admin-review-queue.png"), full_page=True)

    # The rows open the review workspace (tests/e2e/test_review_loop.py); the
    # change page still takes a review too.
    assert f"/admin/reports/report/{waiting_longest.pk}/review/" in rows.first.locator(
        "[data-workspace-link]"
    ).get_attribute("href")
    page.goto(f"/admin/reports/report/{waiting_longest.pk}/change/")
    rendered = page.locator(".field-rendered")
    assert rendered.locator("h3").inner_text() == "本周工作"
    assert rendered.locator("strong").inner_text() == "算子补全"
    assert "alert(1)" not in rendered.inner_text()

    page.select_option("select[name='new_review-0-verdict']", "needs_changes")
    page.fill("textarea[name='new_review-0-body']", "请补充**下周计划**。")
    page.screenshot(path=str(screenshot_dir / "admin-review-form.png"), full_page=True)
    page.click("input[name='_continue']")
    page.wait_for_selector(".messagelist .success")

    review = Review.objects.get(report=waiting_longest)
    assert (review.mentor, review.verdict) == (camp.mentor_a, Review.Verdict.NEEDS_CHANGES)
    # The posted review is shown rendered, read-only, on the same page.
    assert page.locator(".field-rendered_body strong").first.inner_text() == "下周计划"
    page.screenshot(path=str(screenshot_dir / "admin-review-posted.png"), full_page=True)

    # Back in the queue, the reviewed report has left it: bob's still waits.
    page.goto("/admin/reports/report/")
    assert rows.count() == 1
    assert rows.first.locator("[data-workspace-link]").inner_text().startswith("bob")

    # The student sees the review on their report page and on My reports.
    page.context.clear_cookies()
    sign_in(page, "alice")
    page.goto(f"/reports/{waiting_longest.pk}/")
    review_card = page.locator("[data-review]")
    assert review_card.locator(".review-head strong").inner_text() == "Mentor A"
    assert review_card.locator(".markdown strong").inner_text() == "下周计划"
    page.screenshot(path=str(screenshot_dir / "student-sees-review.png"), full_page=True)
    page.goto("/reports/")
    assert page.locator(".state-needs_changes").first.is_visible()
