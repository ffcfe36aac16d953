"""A GitHub report that the web form would have refused shows its problems to
the mentor, on the report page and in the admin."""

from __future__ import annotations

from reports.models import Source
from reports.writing import keep_problems
from tests.e2e.conftest import sign_in
from tests.e2e.test_admin_review import admin_sign_in
from tests.factories import ReportFactory


def test_mentor_sees_the_problems_of_a_github_report(page, transactional_camp, screenshot_dir):
    camp = transactional_camp
    report = ReportFactory(
        student=camp.alice,
        period=camp.period(1),
        source=Source.GITHUB_COMMENT,
        body="### 本周工作\n\n- 完成了算子补全\n",
    )
    keep_problems(report)

    sign_in(page, "mentor_a")
    page.goto(f"/reports/{report.pk}/")
    problems = page.locator("[data-problems] li")
    assert problems.count() == 3  # 姓名, 实习项目, 下周工作 missing
    assert "姓名" in problems.first.inner_text()
    page.screenshot(path=str(screenshot_dir / "report-problems.png"), full_page=True)

    page.context.clear_cookies()
    admin_sign_in(page, "mentor_a")
    page.goto(f"/admin/reports/report/{report.pk}/change/")
    field = page.locator(".field-problems_found")
    assert "姓名" in field.inner_text()
    page.screenshot(path=str(screenshot_dir / "admin-report-problems.png"), full_page=True)
