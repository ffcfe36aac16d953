"""Polling GitHub: summary-issue comments through the fake GitHub server."""

from __future__ import annotations

import datetime
import json
import os
import time

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from reports.github.client import GitHubError, RateLimited
from reports.github.ingest import map_comment_to_student
from reports.github.poll import cohort_sync_lock, run_sync, sync_cohort
from reports.github.tasks import sync_github_cohort
from reports.models import (
    GitHubComment,
    GitHubETag,
    GitHubSettings,
    Report,
    Source,
    UnmatchedComment,
)
from reports.submissions import save_report
from tests.fakes.github import FakeGitHub

REPO = "pfcc/camp"
TITLE = "[WeeklyReports] 2025.03.03~2025.03.16 周报汇总"


@pytest.fixture
def fake_github(settings):
    fake = FakeGitHub().start()
    settings.GITHUB_API_URL = fake.base_url
    settings.GITHUB_TOKEN = "global-token"
    yield fake
    fake.stop()


@pytest.fixture
def github_camp(camp, fake_github):
    camp.cohort.github_repo = REPO
    camp.cohort.save()
    cache.clear()
    return camp


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch):
    monkeypatch.setattr("reports.github.client.RETRY_BACKOFF_SECONDS", (0, 0, 0))


def test_250_comments_on_three_pages_become_reports(github_camp, fake_github):
    issue = fake_github.add_issue(REPO, TITLE)
    fake_github.add_comment(REPO, issue["number"], "alice", "### 本周工作\n\nalice 的周报")
    for n in range(247):
        login = "github-actions[bot]" if n % 2 else "mentor-a"
        fake_github.add_comment(
            REPO, issue["number"], login, f"note {n}", user_type="Bot" if n % 2 else "User"
        )
        if n == 120:
            fake_github.add_comment(REPO, issue["number"], "bob", "bob 的周报")
    fake_github.add_comment(REPO, issue["number"], "Carol", "carol 的周报")

    result = sync_cohort(github_camp.cohort)

    period = github_camp.period(1)
    assert {r.student.username: r.body for r in Report.objects.filter(period=period)} == {
        "alice": "### 本周工作\n\nalice 的周报",
        "bob": "bob 的周报",
        "carol": "carol 的周报",
    }
    report = Report.objects.get(student=github_camp.alice)
    assert report.source == Source.GITHUB_COMMENT
    assert report.source_url.startswith(f"https://github.com/{REPO}/issues/1#issuecomment-")
    assert report.status == Report.Status.SUBMITTED
    assert report.submitted_at == datetime.datetime(2025, 3, 1, 0, 2, tzinfo=datetime.UTC)
    period.refresh_from_db()
    assert period.summary_issue_number == issue["number"]
    assert result.reports_created == 3
    assert result.ignored_comments == 247
    assert result.requests == 4  # the issue list and three pages of comments
    assert UnmatchedComment.objects.count() == 0


def test_idle_resync_is_only_304s(github_camp, fake_github):
    issue = fake_github.add_issue(REPO, TITLE)
    for n in range(150):
        fake_github.add_comment(REPO, issue["number"], "mentor-b", f"note {n}")
    fake_github.add_comment(REPO, issue["number"], "alice", "alice 的周报")
    sync_cohort(github_camp.cohort)
    fake_github.reset_log()

    result = sync_cohort(github_camp.cohort)

    assert fake_github.count() == 3 == fake_github.count(304)
    assert (result.requests, result.not_modified, result.rate_limit_units) == (3, 3, 0)
    assert result.reports_created == result.revisions_added == 0


def test_edited_comment_adds_a_revision(github_camp, fake_github):
    issue = fake_github.add_issue(REPO, TITLE)
    comment = fake_github.add_comment(REPO, issue["number"], "alice", "v1")
    sync_cohort(github_camp.cohort)
    edited = fake_github.edit_comment(comment["id"], "v2")

    result = sync_cohort(github_camp.cohort)

    report = Report.objects.get(student=github_camp.alice)
    assert report.body == "v2"
    assert [(r.body, r.created_at.isoformat()) for r in report.revisions.all()] == [
        ("v1", "2025-03-01T00:02:00+00:00"),
        ("v2", edited["updated_at"].replace("Z", "+00:00")),
    ]
    assert report.submitted_at.isoformat() == "2025-03-01T00:02:00+00:00"
    assert result.revisions_added == 1 and result.reports_created == 0
    # Replaying the same state adds nothing.
    assert sync_cohort(github_camp.cohort).revisions_added == 0


def test_deleted_comment_keeps_the_report(github_camp, fake_github):
    issue = fake_github.add_issue(REPO, TITLE)
    comment = fake_github.add_comment(REPO, issue["number"], "alice", "my report")
    sync_cohort(github_camp.cohort)
    fake_github.delete_comment(comment["id"])

    result = sync_cohort(github_camp.cohort)

    report = Report.objects.get(student=github_camp.alice)
    assert report.body == "my report" and report.source_deleted_at is not None
    assert report.revisions.count() == 1
    assert result.deleted_comments == 1
    assert sync_cohort(github_camp.cohort).deleted_comments == 0


def test_unknown_login_is_kept_unmatched_then_mapped(github_camp, fake_github):
    issue = fake_github.add_issue(REPO, TITLE)
    fake_github.add_comment(REPO, issue["number"], "newcomer", "我的周报")
    result = sync_cohort(github_camp.cohort)
    assert result.unmatched_comments == 1
    assert not Report.objects.exists()
    unmatched = UnmatchedComment.objects.get()
    assert (unmatched.login, unmatched.body, unmatched.period) == (
        "newcomer",
        "我的周报",
        github_camp.period(1),
    )
    assert sync_cohort(github_camp.cohort).unmatched_comments == 0

    github_camp.carol.github_login = None
    github_camp.carol.save()
    map_comment_to_student(unmatched, github_camp.carol, by=github_camp.ta)

    report = Report.objects.get(student=github_camp.carol)
    assert report.body == "我的周报" and report.source == Source.GITHUB_COMMENT
    assert not UnmatchedComment.objects.exists()
    github_camp.carol.refresh_from_db()
    assert github_camp.carol.github_login == "newcomer"
    with pytest.raises(ValueError):
        map_comment_to_student(GitHubComment.objects.get(), github_camp.outsider, by=github_camp.ta)


def test_mentor_ta_and_bot_comments_are_not_reports(github_camp, fake_github):
    issue = fake_github.add_issue(REPO, TITLE)
    fake_github.add_comment(REPO, issue["number"], "mentor-a", "### 本周工作\n\n看起来不错")
    fake_github.add_comment(REPO, issue["number"], "ta", "请大家按时提交")
    fake_github.add_comment(REPO, issue["number"], "dependabot[bot]", "bump", user_type="Bot")
    result = sync_cohort(github_camp.cohort)
    assert result.ignored_comments == 3
    assert not Report.objects.exists() and not GitHubComment.objects.exists()


def test_issues_without_tag_or_dates_are_not_summary_issues(github_camp, fake_github):
    other = fake_github.add_issue(REPO, "Bug: 2025.03.03~2025.03.16 the build fails")
    no_dates = fake_github.add_issue(REPO, "[WeeklyReports] 周报汇总")
    for issue in (other, no_dates):
        fake_github.add_comment(REPO, issue["number"], "alice", "not a report")
    result = sync_cohort(github_camp.cohort)
    assert result.summary_issues == 0 and not Report.objects.exists()
    assert result.requests == 1


def test_502_mid_pagination_applies_nothing_then_next_run_completes(github_camp, fake_github):
    issue = fake_github.add_issue(REPO, TITLE)
    fake_github.add_comment(REPO, issue["number"], "alice", "page one")
    for n in range(150):
        fake_github.add_comment(REPO, issue["number"], "mentor-a", f"note {n}")
    fake_github.add_comment(REPO, issue["number"], "bob", "page two")
    fake_github.fail("GET", r"/comments$", 502, query_contains="page=2", times=4)

    with pytest.raises(GitHubError):
        run_sync(github_camp.cohort)

    assert not Report.objects.exists() and not GitHubETag.objects.exists()
    state = GitHubSettings.objects.get(cohort=github_camp.cohort)
    assert state.last_sync_ok is False and "502" in state.last_sync_error

    result = run_sync(github_camp.cohort)
    assert result.reports_created == 2
    state.refresh_from_db()
    assert state.last_sync_ok is True and state.last_sync_result["reports_created"] == 2


def test_502_once_is_retried_within_the_run(github_camp, fake_github):
    issue = fake_github.add_issue(REPO, TITLE)
    fake_github.add_comment(REPO, issue["number"], "alice", "report")
    fake_github.fail("GET", r"/comments$", 502)
    assert sync_cohort(github_camp.cohort).reports_created == 1


class Rescheduled(Exception):
    pass


def _capture_retry(monkeypatch) -> dict:
    captured: dict = {}

    def retry(**kwargs):
        captured.update(kwargs)
        return Rescheduled()

    monkeypatch.setattr(sync_github_cohort, "retry", retry)
    return captured


def test_secondary_rate_limit_reschedules_the_task(github_camp, fake_github, monkeypatch):
    issue = fake_github.add_issue(REPO, TITLE)
    fake_github.add_comment(REPO, issue["number"], "alice", "report")
    fake_github.fail(
        "GET",
        r"/comments$",
        403,
        headers={"retry-after": "90"},
        body={"message": "You have exceeded a secondary rate limit."},
    )
    captured = _capture_retry(monkeypatch)
    before = datetime.datetime.now(datetime.UTC)

    with pytest.raises(Rescheduled):
        sync_github_cohort.run(github_camp.cohort.pk)

    assert isinstance(captured["exc"], RateLimited)
    delay = (captured["eta"] - before).total_seconds()
    assert 85 <= delay <= 95
    assert not Report.objects.exists()
    assert sync_github_cohort.run(github_camp.cohort.pk)["reports_created"] == 1


def test_exhausted_primary_limit_reschedules_at_reset(github_camp, fake_github, monkeypatch):
    fake_github.add_issue(REPO, TITLE)
    reset = int(datetime.datetime.now(datetime.UTC).timestamp()) + 1800
    fake_github.fail(
        "GET",
        r"/issues$",
        403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
        body={"message": "API rate limit exceeded"},
    )
    captured = _capture_retry(monkeypatch)
    with pytest.raises(Rescheduled):
        sync_github_cohort.run(github_camp.cohort.pk)
    assert captured["eta"].timestamp() == reset + 1


def test_form_and_comment_end_as_one_report_with_both_texts(github_camp, fake_github):
    period = github_camp.period(1)
    save_report(
        student=github_camp.alice,
        period=period,
        body="网页版周报",
        submit=True,
        at=datetime.datetime(2025, 3, 16, 10, tzinfo=datetime.UTC),
    )
    issue = fake_github.add_issue(REPO, TITLE)
    fake_github.add_comment(
        REPO,
        issue["number"],
        "alice",
        "GitHub 版周报",
        at=datetime.datetime(2025, 3, 16, 12, tzinfo=datetime.UTC),
    )
    sync_cohort(github_camp.cohort)
    report = Report.objects.get()
    assert report.body == "GitHub 版周报"
    assert [r.body for r in report.revisions.order_by("created_at")] == [
        "网页版周报",
        "GitHub 版周报",
    ]
    assert report.source == Source.WEB  # first submitted on the web, and judged by that time


def test_token_per_cohort_is_used(github_camp, fake_github):
    GitHubSettings.objects.create(cohort=github_camp.cohort, token="cohort-token")
    fake_github.repo(REPO)
    sync_cohort(github_camp.cohort)
    assert fake_github.auth_headers[-1] == "Bearer cohort-token"


def test_command_json_and_lock(github_camp, fake_github, capsys):
    issue = fake_github.add_issue(REPO, TITLE)
    fake_github.add_comment(REPO, issue["number"], "alice", "report")
    fake_github.add_comment(REPO, issue["number"], "stranger-login", "who am I")
    call_command("sync_github", "--cohort", "camp", "--json")
    (outcome,) = json.loads(capsys.readouterr().out)
    assert outcome["cohort"] == "camp"
    assert outcome["reports_created"] == 1 and outcome["unmatched_comments"] == 1
    # The issue list, its comments, and (once: an unknown login) GET /user for
    # the app's own login.
    assert outcome["requests"] == 3 and outcome["rate_limit_units"] == 3

    with cohort_sync_lock(github_camp.cohort) as held:
        assert held
        call_command("sync_github", "--cohort", "camp")
        assert "skipped" in capsys.readouterr().out


def test_command_rejects_bad_cohorts(github_camp):
    with pytest.raises(CommandError, match="No cohort"):
        call_command("sync_github", "--cohort", "nope")
    with pytest.raises(CommandError, match="no GitHub repository"):
        call_command("sync_github", "--cohort", "other")


def test_command_reports_failure_without_applying(github_camp, fake_github):
    fake_github.add_issue(REPO, TITLE)
    fake_github.fail("GET", r"/issues$", 403, headers={"retry-after": "60"})
    with pytest.raises(CommandError, match="rate limited"):
        call_command("sync_github")
    assert not GitHubETag.objects.exists()


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
def test_beat_task_runs_in_a_real_worker(transactional_camp, fake_github):
    from celery.contrib.testing.worker import start_worker

    from camp.celery import app
    from reports.github.tasks import sync_github_all

    camp = transactional_camp
    camp.cohort.github_repo = REPO
    camp.cohort.save()
    cache.clear()
    issue = fake_github.add_issue(REPO, TITLE)
    fake_github.add_comment(REPO, issue["number"], "bob", "bob via worker")
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        sync_github_all.delay()
        deadline = datetime.datetime.now() + datetime.timedelta(seconds=20)
        while datetime.datetime.now() < deadline:
            if Report.objects.filter(student=camp.bob).exists():
                break
            time.sleep(0.1)
    assert Report.objects.get(student=camp.bob).body == "bob via worker"
