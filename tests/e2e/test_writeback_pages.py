"""What the write-back shows people: the TA's outbox with a refused write and
its retry, and the report check page a pull request's status links to."""

from __future__ import annotations

from reports.models import GitHubPullRequest, GitHubWrite, Source
from tests.e2e.conftest import sign_in
from tests.e2e.test_admin_review import admin_sign_in
from tests.factories import ReportFactory, ReviewFactory


def test_ta_sees_a_refused_write_and_retries_it(page, transactional_camp, screenshot_dir):
    camp = transactional_camp
    camp.cohort.github_repo = "pfcc/camp"
    camp.cohort.save()
    report = ReportFactory(student=camp.alice, period=camp.period(1), source=Source.GITHUB_COMMENT)
    review = ReviewFactory(report=report, mentor=camp.mentor_a)
    row = GitHubWrite.objects.create(
        cohort=camp.cohort,
        key=f"review:{review.pk}",
        kind=GitHubWrite.Kind.REVIEW_COMMENT,
        report=report,
        review=review,
        state=GitHubWrite.State.FAILED,
        attempts=1,
        last_error=(
            "GitHub refused the write (HTTP 403): the token needs Issues: write (fine-grained) "
            "or repo (classic) on pfcc/camp, and the repository must exist."
        ),
    )
    admin_sign_in(page, "ta")
    page.goto("/admin/reports/githubwrite/")
    assert "Issues: write" in page.content()
    page.screenshot(path=str(screenshot_dir / "admin-github-writes-refused.png"), full_page=True)
    page.check(f"input[name=_selected_action][value='{row.pk}']")
    page.select_option("select[name=action]", "retry")
    with page.expect_navigation():
        page.click("button[name=index]")
    row.refresh_from_db()
    assert row.state == GitHubWrite.State.PENDING


def test_the_author_reads_the_problems_of_their_pull_request(
    page, transactional_camp, screenshot_dir
):
    camp = transactional_camp
    pull = GitHubPullRequest.objects.create(
        cohort=camp.cohort,
        number=12,
        html_url="https://github.com/pfcc/camp/pull/12",
        author_login="alice",
        state=GitHubPullRequest.State.OPEN,
        head_sha="e7db1417b1fd5338baa7dfbe82958dba4f3d566b",
        checked_sha="e7db1417b1fd5338baa7dfbe82958dba4f3d566b",
        check_problems=[
            "WeeklyReports/第六期/alice/2025.03.03~2025.03.16.md: 缺少“下周工作”部分。",
            "WeeklyReports/第六期/alice/2025.03.03~2025.03.16.md: “本周工作”部分还留有占位符“XXX”。",
        ],
    )
    sign_in(page, "alice")
    page.goto(f"/github/checks/camp/{pull.number}/")
    assert page.locator(".check-problems li").count() == 2
    page.screenshot(path=str(screenshot_dir / "github-report-check.png"), full_page=True)
