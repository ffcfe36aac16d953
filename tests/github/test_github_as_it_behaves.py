"""GitHub as it really behaves, through the fake server and the public faces
(sync_cohort / sync_github, the webhook endpoint's processing, publishing):
file contents over 1 MB, a list growing past a full page, renamed and
transferred repositories and issues, the app's own comments, files in someone
else's folder, pull request actions that change nothing, and the odd shapes
(removed and renamed files, `user: null`, the ghost user)."""

from __future__ import annotations

import datetime
import io
import json

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command

from reports.github.poll import sync_cohort
from reports.github.publish import publish_summary
from reports.github.tasks import publish_cohort_summaries
from reports.github.webhooks import process_delivery
from reports.models import (
    GitHubPullRequest,
    GitHubSettings,
    Report,
    UnmatchedComment,
    WebhookDelivery,
)
from reports.reminders.policy import policy_for
from reports.submissions import save_report
from tests.fakes.github import FakeGitHub

REPO = "pfcc/camp"
BASE = "WeeklyReports/第六期"
TITLE = "[WeeklyReports] 2025.03.03~2025.03.16 周报汇总"
TITLE_2 = "[WeeklyReports] 2025.03.17~2025.03.30 周报汇总"
REPORT = "### 本周工作\n\n1. {what}\n\n### 下周工作\n\n1. 继续\n"


@pytest.fixture
def fake_github(settings):
    fake = FakeGitHub().start()
    settings.GITHUB_API_URL = fake.base_url
    settings.GITHUB_TOKEN = "global-token"
    fake.token_logins["global-token"] = "camp-helper"
    yield fake
    fake.stop()


@pytest.fixture
def github_camp(camp, fake_github):
    camp.cohort.github_repo = REPO
    camp.cohort.github_reports_path = BASE
    camp.cohort.save()
    fake_github.repo(REPO)
    cache.clear()
    return camp


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch):
    monkeypatch.setattr("reports.github.client.RETRY_BACKOFF_SECONDS", (0, 0, 0))


def sync_json(capsys) -> dict:
    call_command("sync_github", "--cohort", "camp", "--json")
    (outcome,) = json.loads(capsys.readouterr().out)
    return outcome


# ---------------------------------------------------------------- 1. large files


def test_fake_answers_json_contents_over_1_mb_with_403_too_large(github_camp, fake_github):
    import httpx

    fake_github.add_pull(REPO, "alice", {f"{BASE}/alice/big.md": "x" * (1024 * 1024 + 10)})
    pull = fake_github.repo(REPO).pulls[1]
    url = f"{fake_github.base_url}/repos/{REPO}/contents/{BASE}/alice/big.md"
    params = {"ref": pull["merge_commit_sha"]}
    as_json = httpx.get(url, params=params, headers={"Accept": "application/vnd.github+json"})
    assert as_json.status_code == 403
    assert as_json.json()["errors"][0]["code"] == "too_large"
    raw = httpx.get(url, params=params, headers={"Accept": "application/vnd.github.raw"})
    assert raw.status_code == 200 and len(raw.content) == 1024 * 1024 + 10


def test_report_over_1_mb_is_skipped_and_the_rest_of_the_pull_arrives(
    github_camp, fake_github, capsys
):
    big = f"{BASE}/bob/[WeeklyReport] 2025.03.03~2025.03.16.md"
    binary = f"{BASE}/carol/[WeeklyReport] 2025.03.03~2025.03.16.md"
    fake_github.add_pull(
        REPO,
        "mentor-a",  # a mentor merging the camp's reports: the folders say whose
        {
            f"{BASE}/alice/[WeeklyReport] 2025.03.03~2025.03.16.md": REPORT.format(what="算子"),
            big: REPORT.format(what="x" * (3 * 1024 * 1024)),
            binary: b"\x00\x01\x02PK\x03\x04" * 10,
        },
    )

    outcome = sync_json(capsys)

    assert Report.objects.get().student == github_camp.alice
    assert outcome["reports_created"] == 1 and outcome["pull_requests_ingested"] == 1
    assert sorted(outcome["skipped_files"]) == [
        f"{big}: larger than 1 MB",
        f"{binary}: a binary file",
    ]
    # Read raw: no 403, and the large file was not read past what a report may be.
    assert fake_github.count(403) == 0
    state = GitHubSettings.objects.get(cohort=github_camp.cohort)
    assert state.last_sync_ok is True
    assert len(GitHubPullRequest.objects.get().problems) == 2
    # The next poll is not blocked by the file either.
    assert sync_json(capsys)["reports_created"] == 0


def test_file_github_refuses_is_skipped_with_its_reason(github_camp, fake_github, capsys):
    path = f"{BASE}/alice/[WeeklyReport] 2025.03.03~2025.03.16.md"
    fake_github.add_pull(REPO, "alice", {path: REPORT.format(what="x")})
    fake_github.fail("GET", r"/contents/", 403, body=fake_github._too_large()[1])
    outcome = sync_json(capsys)
    (skipped,) = outcome["skipped_files"]
    assert skipped.startswith(f"{path}: GitHub would not give the file") and "403" in skipped


# ---------------------------------------------------------------- 2. full pages


def test_comment_after_exactly_100_is_seen_by_the_next_poll(github_camp, fake_github):
    issue = fake_github.add_issue(REPO, TITLE)
    for n in range(100):
        fake_github.add_comment(REPO, issue["number"], "mentor-a", f"note {n}")
    first = sync_cohort(github_camp.cohort)
    assert first.ignored_comments == 100

    fake_github.add_comment(REPO, issue["number"], "alice", "alice 的周报")
    fake_github.reset_log()
    second = sync_cohort(github_camp.cohort)

    assert Report.objects.get().body == "alice 的周报"
    assert second.reports_created == 1
    # Page 1 stayed 304; its Link named page 2, which was asked for.
    assert any("page=2" in path and code == 200 for _, path, code in fake_github.requests)

    fake_github.reset_log()
    third = sync_cohort(github_camp.cohort)
    assert third.reports_created == 0 and fake_github.count() == fake_github.count(304)


def test_summary_issue_after_exactly_100_issues_is_seen(github_camp, fake_github):
    for n in range(100):
        fake_github.add_issue(REPO, f"question {n}")
    sync_cohort(github_camp.cohort)
    issue = fake_github.add_issue(REPO, TITLE)
    fake_github.add_comment(REPO, issue["number"], "bob", "bob 的周报")
    result = sync_cohort(github_camp.cohort)
    assert result.summary_issues == 1 and Report.objects.get().student == github_camp.bob


def test_merged_pull_after_exactly_100_pulls_is_seen(github_camp, fake_github):
    for n in range(100):
        fake_github.add_pull(REPO, "mentor-a", {f"docs/{n}.md": "not ours"}, merged=False)
    sync_cohort(github_camp.cohort)
    fake_github.add_pull(
        REPO, "carol", {f"{BASE}/carol/2025.03.03~2025.03.16.md": REPORT.format(what="c")}
    )
    assert sync_cohort(github_camp.cohort).reports_created == 1


# ---------------------------------------------------------------- 3. moves


def test_renamed_repository_is_followed_and_recorded(github_camp, fake_github, capsys):
    issue = fake_github.add_issue(REPO, TITLE)
    for n in range(120):
        fake_github.add_comment(REPO, issue["number"], "mentor-a", f"note {n}")
    sync_cohort(github_camp.cohort)
    fake_github.rename_repo(REPO, "paddle/camp-renamed")
    fake_github.add_comment("paddle/camp-renamed", issue["number"], "alice", "after the move")

    outcome = sync_json(capsys)

    assert Report.objects.get().body == "after the move"
    assert outcome["repository_moved"] == f"{REPO} -> paddle/camp-renamed"
    github_camp.cohort.refresh_from_db()
    assert github_camp.cohort.github_repo == "paddle/camp-renamed"
    state = GitHubSettings.objects.get(cohort=github_camp.cohort)
    assert state.last_sync_ok is True and state.repository_renamed_from == REPO
    # Pages 2 came through the /repositories/<id>/ URLs GitHub's Link names.
    assert any(p.startswith("/repositories/") and "page=2" in p for _, p, _ in fake_github.requests)


def test_merged_pull_webhook_for_a_renamed_repository_is_processed(github_camp, fake_github):
    pull = fake_github.add_pull(
        REPO, "alice", {f"{BASE}/alice/2025.03.03~2025.03.16.md": REPORT.format(what="a")}
    )
    fake_github.rename_repo(REPO, "paddle/camp-renamed")
    delivery = WebhookDelivery.objects.create(
        delivery_id="moved-pr",
        event="pull_request",
        payload={"action": "closed", "repository": {"full_name": REPO}, "pull_request": pull},
    )
    process_delivery(delivery)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PROCESSED, delivery.error
    assert Report.objects.get().student == github_camp.alice


def test_summary_of_a_transferred_issue_fails_alone(github_camp, fake_github):
    first = fake_github.add_issue(REPO, TITLE)
    second = fake_github.add_issue(REPO, TITLE_2)
    for number, period in ((first["number"], 1), (second["number"], 2)):
        row = github_camp.period(period)
        row.summary_issue_number = number
        row.save()
    fake_github.repo("pfcc/elsewhere")
    fake_github.add_issue("pfcc/elsewhere", "an older issue")
    fake_github.transfer_issue(REPO, first["number"], "pfcc/elsewhere")

    with time_machine.travel(datetime.datetime(2025, 3, 20, 12, tzinfo=datetime.UTC), tick=False):
        results = publish_cohort_summaries.run(github_camp.cohort.pk)

    assert [r["action"] for r in results] == ["failed", "updated"]
    assert "has moved" in results[0]["error"] and "pfcc/elsewhere" in results[0]["error"]
    # Nothing was written over the issue that now has that number elsewhere, or here.
    patched = [p for m, p, _ in fake_github.requests if m == "PATCH"]
    assert patched == [f"/repos/{REPO}/issues/{second['number']}"]


def test_unexpected_error_in_a_delivery_is_recorded_as_failed(github_camp, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("something nobody expected")

    monkeypatch.setattr("reports.github.webhooks.apply_comment", broken)
    period = github_camp.period(1)
    delivery = WebhookDelivery.objects.create(
        delivery_id="boom",
        event="issue_comment",
        payload={
            "action": "created",
            "repository": {"full_name": REPO},
            "issue": {"number": 1, "title": TITLE, "html_url": f"https://github.com/{REPO}/1"},
            "comment": {"id": 5, "user": {"login": "alice", "type": "User"}},
        },
    )
    assert process_delivery(delivery) == {}
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.error == "ValueError: something nobody expected"
    assert period.reports.count() == 0


# ---------------------------------------------------------------- 6. our own comments


def test_the_apps_own_reminder_comment_is_not_an_unmatched_comment(github_camp, fake_github):
    issue = fake_github.add_issue(REPO, TITLE)
    period = github_camp.period(1)
    period.summary_issue_number = issue["number"]
    period.save()
    policy = policy_for(github_camp.cohort)
    policy.github_comments = True
    policy.save()
    morning_after = datetime.datetime(2025, 3, 18, 1, 0, tzinfo=datetime.UTC)
    with time_machine.travel(morning_after, tick=False):
        call_command("send_reminders", "--cohort", "camp", stdout=io.StringIO())
    (posted,) = fake_github.repo(REPO).comments[issue["number"]]
    assert posted["user"]["login"] == "camp-helper"  # a plain user account

    result = sync_cohort(github_camp.cohort)
    again = sync_cohort(github_camp.cohort)

    assert result.unmatched_comments == 0 and result.ignored_comments == 1
    assert not UnmatchedComment.objects.exists()
    assert again.requests == again.not_modified  # GET /user was asked once, then cached
    assert fake_github.user_requests == 1


def test_the_apps_own_comment_by_webhook_is_ignored(github_camp, fake_github):
    delivery = WebhookDelivery.objects.create(
        delivery_id="own",
        event="issue_comment",
        payload={
            "action": "created",
            "repository": {"full_name": REPO},
            "issue": {"number": 1, "title": TITLE, "html_url": f"https://github.com/{REPO}/1"},
            "comment": {
                "id": 9,
                "body": "提醒",
                "user": {"login": "Camp-Helper", "type": "User"},
                "created_at": "2025-03-17T01:00:00Z",
                "updated_at": "2025-03-17T01:00:00Z",
                "html_url": f"https://github.com/{REPO}/issues/1#issuecomment-9",
            },
        },
    )
    result = process_delivery(delivery)
    assert result["ignored_comments"] == 1 and not UnmatchedComment.objects.exists()


def test_installation_token_without_a_user_still_syncs(github_camp, fake_github, settings):
    settings.GITHUB_TOKEN = "ghs_installation"
    issue = fake_github.add_issue(REPO, TITLE)
    fake_github.add_comment(REPO, issue["number"], "someone", "hello")
    result = sync_cohort(github_camp.cohort)
    assert result.unmatched_comments == 1


# ---------------------------------------------------------------- 7. someone else's folder


def test_file_in_another_students_folder_is_kept_for_the_ta(github_camp, fake_github, capsys):
    period = github_camp.period(1)
    save_report(student=github_camp.alice, period=period, body="alice's own", submit=True)
    path = f"{BASE}/alice/[WeeklyReport] 2025.03.03~2025.03.16.md"
    fake_github.add_pull(REPO, "bob", {path: REPORT.format(what="bob wrote this")})

    outcome = sync_json(capsys)

    assert Report.objects.get(student=github_camp.alice).body == "alice's own"
    assert not Report.objects.filter(student=github_camp.bob).exists()
    (problem,) = outcome["file_problems"]
    assert problem.startswith(f"{path}: in the folder of alice but added by bob")
    assert GitHubPullRequest.objects.get().problems == [problem]


def test_own_folder_and_no_folder_go_to_the_author(github_camp, fake_github):
    fake_github.add_pull(
        REPO, "carol", {f"{BASE}/carol/2025.03.03~2025.03.16.md": REPORT.format(what="c")}
    )
    fake_github.add_pull(REPO, "bob", {f"{BASE}/2025.03.03~2025.03.16.md": REPORT.format(what="b")})
    sync_cohort(github_camp.cohort)
    assert {r.student.username for r in Report.objects.all()} == {"carol", "bob"}


# ---------------------------------------------------------------- 8. pull request actions


@pytest.mark.parametrize("action", ["labeled", "assigned", "review_requested", "unlabeled"])
def test_pull_request_actions_that_change_no_report_cost_no_request(
    github_camp, fake_github, action
):
    pull = fake_github.add_pull(
        REPO, "alice", {f"{BASE}/alice/2025.03.03~2025.03.16.md": REPORT.format(what="a")}
    )
    delivery = WebhookDelivery.objects.create(
        delivery_id=f"pr-{action}",
        event="pull_request",
        payload={"action": action, "repository": {"full_name": REPO}, "pull_request": pull},
    )
    process_delivery(delivery)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert fake_github.count() == 0 and not Report.objects.exists()


# ---------------------------------------------------------------- odd shapes


def test_removed_and_renamed_files(github_camp, fake_github):
    new = f"{BASE}/alice/[WeeklyReport] 2025.03.03~2025.03.16.md"
    fake_github.add_pull(
        REPO,
        "alice",
        {new: REPORT.format(what="renamed")},
        renamed={new: f"{BASE}/alice/draft.md"},
        removed=(f"{BASE}/alice/old.md",),
    )
    sync_cohort(github_camp.cohort)
    assert Report.objects.get().body == REPORT.format(what="renamed")
    read = [p for _, p, _ in fake_github.requests if "/contents/" in p]
    assert len(read) == 1 and "old.md" not in read[0]


def test_deleted_accounts_null_user_and_ghost(github_camp, fake_github):
    issue = fake_github.add_issue(REPO, TITLE)
    fake_github.add_comment(REPO, issue["number"], None, "from a deleted account")
    fake_github.add_comment(REPO, issue["number"], "ghost", "from the ghost")
    fake_github.add_pull(
        REPO, None, {f"{BASE}/alice/2025.03.03~2025.03.16.md": REPORT.format(what="a")}
    )
    result = sync_cohort(github_camp.cohort)
    assert result.unmatched_comments == 2
    # A pull request without an author: the folder says whose report it is.
    assert Report.objects.get().student == github_camp.alice


def test_publish_follows_nothing_off_the_api_host(github_camp, fake_github):
    issue = fake_github.add_issue(REPO, TITLE)
    period = github_camp.period(1)
    period.summary_issue_number = issue["number"]
    period.save()
    fake_github.fail(
        "GET",
        rf"/issues/{issue['number']}$",
        301,
        headers={"Location": "https://evil.example.org/repos/x/y/issues/1"},
    )
    with pytest.raises(Exception, match="not following it"):
        publish_summary(github_camp.cohort, period)
    assert not any(m == "PATCH" for m, _, _ in fake_github.requests)


def test_publishing_into_a_renamed_repository_follows_it(github_camp, fake_github):
    issue = fake_github.add_issue(REPO, TITLE)
    period = github_camp.period(1)
    period.summary_issue_number = issue["number"]
    period.save()
    fake_github.rename_repo(REPO, "paddle/camp-renamed")

    result = publish_summary(github_camp.cohort, period)

    assert result.action == "updated"
    github_camp.cohort.refresh_from_db()
    assert github_camp.cohort.github_repo == "paddle/camp-renamed"
    assert GitHubSettings.objects.get(cohort=github_camp.cohort).repository_renamed_from == REPO
    patched = [p for m, p, _ in fake_github.requests if m == "PATCH"]
    assert patched == [f"/repos/paddle/camp-renamed/issues/{issue['number']}"]


def test_reminder_comment_on_a_renamed_repository_lands(github_camp, fake_github):
    issue = fake_github.add_issue(REPO, TITLE)
    period = github_camp.period(1)
    period.summary_issue_number = issue["number"]
    period.save()
    policy = policy_for(github_camp.cohort)
    policy.github_comments = True
    policy.save()
    fake_github.rename_repo(REPO, "paddle/camp-renamed")
    morning_after = datetime.datetime(2025, 3, 18, 1, 0, tzinfo=datetime.UTC)
    with time_machine.travel(morning_after, tick=False):
        call_command("send_reminders", "--cohort", "camp", stdout=io.StringIO())
    # GitHub answered the POST at the old name 307; it was repeated there, once.
    assert [code for m, _, code in fake_github.requests if m == "POST"] == [307, 201]
    assert len(fake_github.repo("paddle/camp-renamed").comments[issue["number"]]) == 1
