"""What a camp learns, in a browser: a blocker carried into the next
period's form, the search page's marked snippets (screenshots kept)."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine

from reports.submissions import save_report
from tests.conftest import build_camp
from tests.e2e.conftest import sign_in
from tests.factories import complete_body

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
BODY = (
    complete_body("1. 完成了算子切分推导规则的开发")
    + "\n### 当前阻塞\n\n- CI 一直失败，无法合入 PR\n\n### 问题疑惑与解答\n\n* 如何调试显存泄漏？\n\n    答：用 profiler\n"
)


@pytest.fixture
def knowledge_camp(transactional_db):
    camp = build_camp()
    with time_machine.travel(datetime.datetime(2025, 3, 20, 10, tzinfo=SHANGHAI), tick=False):
        save_report(student=camp.alice, period=camp.period(1), body=BODY, submit=True)
    return camp


def test_still_blocked_and_search(page, knowledge_camp, screenshot_dir):
    sign_in(page, "alice")
    page.goto("/reports/write/camp/2/")
    panel = page.locator("[data-still-blocked]")
    assert "CI 一直失败" in panel.inner_text()
    page.screenshot(path=str(screenshot_dir / "knowledge-still-blocked.png"), full_page=True)

    page.goto("/search/?q=算子")
    assert page.locator(".search-results mark").first.inner_text() == "算子"
    page.screenshot(path=str(screenshot_dir / "knowledge-search.png"), full_page=True)

    page.goto("/qa/")
    assert "如何调试显存泄漏？" in page.locator(".qa-list").inner_text()
    page.screenshot(path=str(screenshot_dir / "knowledge-qa.png"), full_page=True)
