"""What the GitHub and chat settings show people: a student's chat id on their profile, and the
TA's view of a renamed repository and of files left for them."""

from __future__ import annotations

from reports.models import GitHubPullRequest, GitHubSettings
from tests.e2e.conftest import sign_in
from tests.e2e.test_admin_review import admin_sign_in


def test_student_sets_their_chat_id(page, transactional_camp, screenshot_dir):
    camp = transactional_camp
    sign_in(page, "alice")
    page.goto("/accounts/profile/")
    page.fill("#id_chat_user_id", "ou_7d8a6e6df7621556")
    page.screenshot(path=str(screenshot_dir / "profile-chat-id.png"), full_page=True)
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    camp.alice.refresh_from_db()
    assert camp.alice.chat_user_id == "ou_7d8a6e6df7621556"


def test_ta_sees_the_renamed_repository_and_the_files_left_for_them(
    page, transactional_camp, screenshot_dir
):
    camp = transactional_camp
    camp.cohort.github_repo = "paddle/camp-renamed"
    camp.cohort.save()
    problem = (
        "WeeklyReports/第六期/alice/2025.03.03~2025.03.16.md: in the folder of alice but "
        "added by bob; not written into anyone's report, left for the TA"
    )
    GitHubSettings.objects.create(
        cohort=camp.cohort,
        repository_renamed_from="pfcc/camp",
        last_sync_ok=True,
        last_sync_result={"file_problems": [problem], "skipped_files": []},
    )
    pull = GitHubPullRequest.objects.create(
        cohort=camp.cohort,
        number=7,
        html_url="https://github.com/paddle/camp-renamed/pull/7",
        author_login="bob",
        state=GitHubPullRequest.State.MERGED,
        problems=[problem],
    )
    admin_sign_in(page, "ta")
    page.goto("/admin/reports/githubsettings/")
    assert "paddle/camp-renamed" in page.content() and "pfcc/camp" in page.content()
    page.locator("#result_list tbody tr th a").first.click()
    page.wait_for_url("**/change/")
    assert "in the folder of alice but added by bob" in page.content()
    page.screenshot(path=str(screenshot_dir / "admin-github-settings-renamed.png"), full_page=True)
    page.goto(f"/admin/reports/githubpullrequest/{pull.pk}/change/")
    assert "left for the TA" in page.content()
    page.screenshot(path=str(screenshot_dir / "admin-pull-request-problems.png"), full_page=True)
