"""A mentor clears their queue in the admin through the real browser."""

from __future__ import annotations

import datetime

from django.utils import timezone

from reports.models import Review
from reports.status import State, report_state
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

    rows.first.locator("th a").click()
    page.wait_for_url(f"**/admin/reports/report/{waiting_longest.pk}/change/")
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

    # What the student sees follows the review's verdict (the report page itself
    # is issue 4's; its check is added when both are merged).
    waiting_longest.refresh_from_db()
    assert (
        report_state(
            period=period,
            report=waiting_longest,
            allowance=None,
            verdict=review.verdict,
            now=timezone.now(),
        )
        == State.NEEDS_CHANGES
    )

    # Back in the queue, the reviewed report moved below the one still waiting.
    page.goto("/admin/reports/report/")
    assert rows.first.locator("th a").inner_text().startswith("bob")
