"""Writing back to GitHub (reports.github.writeback): reviews where their
reports came from, web and API reports on the summary issue, through the
outbox, against the fake GitHub server."""

from __future__ import annotations

import datetime
import json
import zoneinfo
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from camp.celery import app as celery_app
from reports.github import tasks
from reports.github.checks import status_payload
from reports.github.writeback import _claim
from reports.models import (
    GitHubPullRequest,
    GitHubSettings,
    GitHubWrite,
    Report,
    Review,
    Source,
    UnmatchedComment,
)
from tests.factories import ReportFactory, complete_body
from tests.fakes.github import FakeGitHub
from tests.github import test_webhooks as webhook_tests

REPO = "pfcc/camp"
TITLE = "[WeeklyReports] 2025.03.03~2025.03.16 周报汇总"
SITE_URL = "https://camp.example.org"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
IN_PERIOD_1 = datetime.datetime(2025, 3, 10, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture
def fake_github(settings):
    fake = FakeGitHub().start()
    settings.GITHUB_API_URL = fake.base_url
    yield fake
    fake.stop()


@pytest.fixture
def traveller():
    with time_machine.travel(IN_PERIOD_1, tick=False) as traveller:
        yield traveller


@pytest.fixture
def wb(camp, fake_github, settings, traveller):
    """The camp with write-back on, period 1's summary issue on GitHub."""
    settings.SITE_URL = SITE_URL
    cache.clear()
    camp.cohort.github_repo = REPO
    camp.cohort.github_write_back = True
    camp.cohort.save()
    camp.issue = fake_github.add_issue(REPO, TITLE)
    period = camp.period(1)
    period.summary_issue_number = camp.issue["number"]
    period.summary_issue_url = camp.issue["html_url"]
    period.save()
    camp.traveller = traveller
    return camp


@pytest.fixture
def enqueued():
    """The push tasks enqueued after commit (not run: each test runs them)."""
    with mock.patch.object(tasks.push_github_cohort, "delay") as delay:
        yield delay


def comment_report(camp, student=None) -> Report:
    return ReportFactory(
        student=student or camp.alice,
        period=camp.period(1),
        source=Source.GITHUB_COMMENT,
        source_url=camp.issue["html_url"] + "#issuecomment-1",
        body="### 本周工作\n\n写了算子",
    )


def pull_report(camp, fake, *, merged: bool) -> tuple[Report, dict]:
    pull = fake.add_pull(
        REPO, "alice", {"reports/alice/week1.md": "### 本周工作\n\n写了"}, merged=merged
    )
    GitHubPullRequest.objects.create(
        cohort=camp.cohort,
        number=pull["number"],
        html_url=pull["html_url"],
        author_login="alice",
        state="merged" if merged else "open",
    )
    report = ReportFactory(
        student=camp.alice,
        period=camp.period(1),
        source=Source.GITHUB_FILE,
        source_url=pull["html_url"],
        body="### 本周工作\n\n写了",
    )
    return report, pull


def review_by_api(client, camp, report, verdict="approved", body="写得很好\n\n继续保持"):
    client.force_login(camp.mentor_a)
    response = client.post(
        "/api/reviews/",
        {"report": report.pk, "verdict": verdict, "body": body},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return Review.objects.get(pk=response.json()["id"])


def push(camp) -> list[dict]:
    return tasks.push_github_cohort(camp.cohort.pk)


def issue_comments(fake, number) -> list[dict]:
    return fake.repo(REPO).comments[number]


# ---------------------------------------------------------------- reviews


def test_review_of_a_comment_report_is_a_comment_on_the_summary_issue(
    wb, fake_github, client, enqueued, django_capture_on_commit_callbacks
):
    report = comment_report(wb)
    with django_capture_on_commit_callbacks(execute=True):
        review = review_by_api(client, wb, report)
    enqueued.assert_called_with(wb.cohort.pk)
    row = GitHubWrite.objects.get(review=review)
    assert (row.kind, row.state) == ("review-comment", "pending")

    fake_github.reset_log()
    outcomes = push(wb)

    assert [o["action"] for o in outcomes] == ["created"]
    # One review, one request: the POST of the comment.
    assert fake_github.requests == [
        ("POST", f"/repos/{REPO}/issues/{wb.issue['number']}/comments", 201)
    ]
    (comment,) = issue_comments(fake_github, wb.issue["number"])
    body = comment["body"]
    assert body.startswith("@alice 点评：通过")
    assert "> 写得很好\n>\n> 继续保持" in body
    assert f"{SITE_URL}/reports/{report.pk}/" in body
    row.refresh_from_db()
    assert row.state == "done" and row.github_id == comment["id"]
    assert row.url == comment["html_url"]


def test_a_student_without_a_login_is_named_not_mentioned(wb, fake_github, client, enqueued):
    wb.alice.github_login = None
    wb.alice.save()
    review_by_api(client, wb, comment_report(wb), verdict="needs_changes")
    push(wb)
    (comment,) = issue_comments(fake_github, wb.issue["number"])
    assert comment["body"].startswith(f"{wb.alice.name} 点评：需修改")
    assert "@" not in comment["body"].splitlines()[0].split(" ")[0]


def test_editing_a_review_edits_the_same_comment(wb, fake_github, client, enqueued):
    review = review_by_api(client, wb, comment_report(wb))
    push(wb)
    assert push(wb) == []  # nothing changed: nothing written
    review.body = "改过的评语"
    review.save()
    fake_github.reset_log()
    outcomes = push(wb)
    assert [o["action"] for o in outcomes] == ["edited"]
    (comment,) = issue_comments(fake_github, wb.issue["number"])
    assert "> 改过的评语" in comment["body"]
    assert [r[0] for r in fake_github.requests] == ["PATCH"]


@pytest.mark.parametrize(
    ("verdict", "state"),
    [("approved", "APPROVED"), ("needs_changes", "CHANGES_REQUESTED"), ("comment", "COMMENTED")],
)
def test_review_of_an_open_pull_request_is_a_pull_request_review(
    wb, fake_github, client, enqueued, verdict, state
):
    report, pull = pull_report(wb, fake_github, merged=False)
    review_by_api(client, wb, report, verdict=verdict)
    push(wb)
    (made,) = fake_github.reviews[(REPO, pull["number"])]
    assert made["state"] == state and made["body"].startswith("@alice")
    assert issue_comments(fake_github, wb.issue["number"]) == []


def test_a_pull_request_review_is_edited_in_place(wb, fake_github, client, enqueued):
    report, pull = pull_report(wb, fake_github, merged=False)
    review = review_by_api(client, wb, report, verdict="needs_changes")
    push(wb)
    review.body = "再看一下第二节"
    review.save()
    fake_github.reset_log()
    push(wb)
    (made,) = fake_github.reviews[(REPO, pull["number"])]
    assert "> 再看一下第二节" in made["body"]
    assert [r[0] for r in fake_github.requests] == ["PUT"]


def test_review_of_a_merged_pull_request_is_a_comment_on_it(wb, fake_github, client, enqueued):
    report, pull = pull_report(wb, fake_github, merged=True)
    review_by_api(client, wb, report, verdict="approved")
    push(wb)
    assert fake_github.reviews.get((REPO, pull["number"]), []) == []
    (comment,) = fake_github.repo(REPO).comments[pull["number"]]
    assert comment["body"].startswith("@alice 点评：通过")


def test_approving_ones_own_pull_request_is_a_permanent_failure(wb, fake_github, client, enqueued):
    """GitHub answers 422: nobody approves their own pull request (here the
    token's account opened it)."""
    report, pull = pull_report(wb, fake_github, merged=False)
    fake_github.repo(REPO).pulls[pull["number"]]["user"]["login"] = FakeGitHub.DEFAULT_LOGIN
    review_by_api(client, wb, report, verdict="approved")
    (outcome,) = push(wb)
    assert outcome["state"] == "failed" and "Can not approve your own" in outcome["error"]


# ---------------------------------------------------------------- web reports


def submit_by_api(client, camp, body: str, student=None) -> dict:
    client.force_login(student or camp.alice)
    response = client.post(
        "/api/reports/",
        {"cohort": "camp", "period_number": 1, "body": body, "submit": True},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_web_report_is_published_and_edited_in_place(wb, fake_github, client, enqueued):
    report = submit_by_api(client, wb, complete_body("读了论文"))
    fake_github.reset_log()
    push(wb)
    assert [r[0] for r in fake_github.requests] == ["POST"]  # one request for one report
    (comment,) = issue_comments(fake_github, wb.issue["number"])
    assert comment["body"].startswith("@alice")
    assert "### 本周工作\n\n读了论文" in comment["body"]
    assert f"{SITE_URL}/reports/{report['id']}/" in comment["body"]
    assert "通过训练营周报提交" in comment["body"]

    client.patch(
        f"/api/reports/{report['id']}/",
        {"body": complete_body("读了两篇论文")},
        content_type="application/json",
    )
    push(wb)
    (comment,) = issue_comments(fake_github, wb.issue["number"])
    assert "读了两篇论文" in comment["body"]


def test_a_draft_is_not_published(wb, fake_github, client, enqueued):
    client.force_login(wb.alice)
    client.post(
        "/api/reports/",
        {"cohort": "camp", "period_number": 1, "body": "draft"},
        content_type="application/json",
    )
    assert push(wb) == [] and fake_github.writes() == []


def test_the_summary_issue_is_opened_when_the_cohort_allows_it(wb, fake_github, client, enqueued):
    period = wb.period(1)
    period.summary_issue_number = None
    period.save()
    fake_github.repo(REPO).issues.clear()
    GitHubSettings.objects.create(cohort=wb.cohort, create_summary_issues=True)
    submit_by_api(client, wb, complete_body("读了论文"))
    (outcome,) = push(wb)
    assert outcome["state"] == "done"
    period.refresh_from_db()
    (comment,) = issue_comments(fake_github, period.summary_issue_number)
    assert "读了论文" in comment["body"]


def test_without_a_summary_issue_the_write_fails_with_the_reason(wb, fake_github, client, enqueued):
    period = wb.period(1)
    period.summary_issue_number = None
    period.save()
    fake_github.repo(REPO).issues.clear()
    submit_by_api(client, wb, complete_body("读了论文"))
    (outcome,) = push(wb)
    assert outcome["state"] == "failed" and "does not allow creating" in outcome["error"]


def test_the_sync_never_reads_the_apps_own_comment_back(
    wb, fake_github, client, enqueued, settings
):
    submit_by_api(client, wb, complete_body("读了论文"))
    push(wb)
    # Without a token GitHub cannot tell us our login; the marker still does.
    call_command("sync_github", "--cohort", "camp")
    assert not UnmatchedComment.objects.exists()
    report = Report.objects.get(student=wb.alice, period=wb.period(1))
    assert report.source == Source.API and report.revisions.count() == 1


# ---------------------------------------------------------------- the outbox


def test_a_post_that_landed_but_failed_is_adopted_not_repeated(wb, fake_github, client, enqueued):
    fake_github.fail("POST", r"/issues/\d+/comments$", 502, after_applying=True)
    review_by_api(client, wb, comment_report(wb))
    (first,) = push(wb)
    assert first["state"] == "pending" and "502" in first["error"]
    assert push(wb) == []  # not before its retry time
    wb.traveller.shift(datetime.timedelta(minutes=3))
    (second,) = push(wb)
    assert second["action"] == "adopted" and second["state"] == "done"
    assert len(issue_comments(fake_github, wb.issue["number"])) == 1


def test_two_workers_claim_a_row_once(wb, client, enqueued):
    review = review_by_api(client, wb, comment_report(wb))
    row = GitHubWrite.objects.get(review=review)
    now = datetime.datetime.now(tz=datetime.UTC)
    assert _claim(row.pk, now) is not None
    assert _claim(row.pk, now) is None
    # A claim whose worker died is taken over after ten minutes.
    assert _claim(row.pk, now + datetime.timedelta(minutes=11)) is not None


def test_a_rate_limit_reschedules_the_write(wb, fake_github, client, enqueued, capsys):
    fake_github.fail(
        "POST",
        r"/issues/\d+/comments$",
        403,
        headers={"retry-after": "120"},
        body={"message": "You have exceeded a secondary rate limit"},
    )
    review = review_by_api(client, wb, comment_report(wb))
    with pytest.raises(CommandError, match="rate limit"):
        call_command("push_github", "--cohort", "camp")
    row = GitHubWrite.objects.get(review=review)
    assert row.state == "pending" and row.attempts == 0
    assert row.retry_at == IN_PERIOD_1 + datetime.timedelta(seconds=120)
    wb.traveller.shift(datetime.timedelta(minutes=3))
    call_command("push_github", "--cohort", "camp", "--json")
    (outcome,) = json.loads(capsys.readouterr().out)
    assert outcome["kind"] == "review-comment" and outcome["state"] == "done"
    assert outcome["url"].startswith(wb.issue["html_url"] + "#issuecomment-")
    assert len(issue_comments(fake_github, wb.issue["number"])) == 1


def test_a_refused_write_is_shown_to_the_ta_who_retries_it(wb, fake_github, client, enqueued):
    fake_github.fail(
        "POST",
        r"/issues/\d+/comments$",
        403,
        body={"message": "Resource not accessible by personal access token"},
    )
    review = review_by_api(client, wb, comment_report(wb))
    (outcome,) = push(wb)
    assert outcome["state"] == "failed"
    row = GitHubWrite.objects.get(review=review)

    client.force_login(wb.ta)
    page = client.get(reverse("admin:reports_githubwrite_changelist")).content.decode()
    assert "Issues: write" in page and "HTTP 403" in page
    client.force_login(wb.other_ta)
    page = client.get(reverse("admin:reports_githubwrite_changelist")).content.decode()
    assert row.key not in page
    client.force_login(wb.mentor_a)
    assert client.get(reverse("admin:reports_githubwrite_changelist")).status_code in (302, 403)

    client.force_login(wb.ta)
    response = client.post(
        reverse("admin:reports_githubwrite_changelist"),
        {"action": "retry", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.state == "pending"
    (outcome,) = push(wb)
    assert outcome["state"] == "done"
    assert len(issue_comments(fake_github, wb.issue["number"])) == 1


def test_another_tas_retry_changes_nothing(wb, fake_github, client, enqueued):
    fake_github.fail("POST", r"/issues/\d+/comments$", 404, body={"message": "Not Found"})
    review = review_by_api(client, wb, comment_report(wb))
    push(wb)
    row = GitHubWrite.objects.get(review=review)
    client.force_login(wb.other_ta)
    client.post(
        reverse("admin:reports_githubwrite_changelist"),
        {"action": "retry", "_selected_action": [row.pk]},
    )
    row.refresh_from_db()
    assert row.state == "failed"


def test_with_the_setting_off_nothing_new_is_written(
    wb, fake_github, client, enqueued, django_capture_on_commit_callbacks
):
    wb.cohort.github_write_back = False
    wb.cohort.save()
    fake_github.reset_log()
    with django_capture_on_commit_callbacks(execute=True):
        review_by_api(client, wb, comment_report(wb))
        submit_by_api(client, wb, complete_body("读了论文"), student=wb.bob)
    enqueued.assert_not_called()
    assert push(wb) == []
    assert tasks.push_github_all() == 0
    with pytest.raises(CommandError, match="does not write back"):
        call_command("push_github", "--cohort", "camp")
    assert not GitHubWrite.objects.exists()
    assert fake_github.writes() == []


def test_bulk_approval_is_caught_by_the_periodic_pass(wb, fake_github, client, enqueued):
    report = comment_report(wb)
    client.force_login(wb.mentor_a)
    client.post(
        reverse("admin:reports_report_changelist"),
        {"action": "approve_selected", "_selected_action": [report.pk]},
    )
    assert Review.objects.filter(report=report).exists()
    with mock.patch.object(tasks.push_github_cohort, "delay") as delay:
        assert tasks.push_github_all() == 1
    delay.assert_called_once_with(wb.cohort.pk)
    (outcome,) = push(wb)
    assert outcome["kind"] == "review-comment" and outcome["state"] == "done"


# ---------------------------------------------------------------- the report check

BASE = "WeeklyReports/第六期"
GOOD_FILE = f"{BASE}/alice/[WeeklyReport] Alice 2025.03.03~2025.03.16.md"
GOOD = """### 姓名

Alice

### 实习项目

算子补全

### 本周工作

1. 写了算子

### 下周工作

1. 写测试
"""


@pytest.fixture
def checked(wb, fake_github):
    wb.cohort.github_reports_path = BASE
    wb.cohort.save()
    return wb


def sync(django_capture_on_commit_callbacks, enqueued) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sync_github", "--cohort", "camp")


def test_an_open_pull_request_with_good_reports_gets_success(
    checked, fake_github, client, enqueued, django_capture_on_commit_callbacks
):
    pull = fake_github.add_pull(REPO, "alice", {GOOD_FILE: GOOD}, merged=False)
    sync(django_capture_on_commit_callbacks, enqueued)
    enqueued.assert_called_with(checked.cohort.pk)
    fake_github.reset_log()
    (outcome,) = push(checked)
    assert outcome["kind"] == "commit-status" and outcome["action"] == "success"
    status = fake_github.status_of(REPO, pull["head"]["sha"], "camp-reports/report")
    assert status["state"] == "success"
    assert status["target_url"] == f"{SITE_URL}/github/checks/camp/{pull['number']}/"
    assert push(checked) == []  # one status per commit


def test_problems_fail_the_check_and_every_push_is_checked_again(
    checked, fake_github, client, enqueued, django_capture_on_commit_callbacks
):
    bad = GOOD.replace("写了算子", "XXX").replace("### 下周工作\n\n1. 写测试\n", "")
    pull = fake_github.add_pull(REPO, "alice", {GOOD_FILE: bad}, merged=False)
    sync(django_capture_on_commit_callbacks, enqueued)
    push(checked)
    first_sha = pull["head"]["sha"]
    status = fake_github.status_of(REPO, first_sha, "camp-reports/report")
    assert status["state"] == "failure"
    assert len(status["description"]) <= 140
    assert status["description"].startswith("[WeeklyReport] Alice 2025.03.03~2025.03.16.md: ")
    record = GitHubPullRequest.objects.get(number=pull["number"])
    problems = "\n".join(record.check_problems)
    assert "缺少“下周工作”部分" in problems and "占位符“XXX”" in problems

    # The student fixes the files (synchronize): the new head commit is checked.
    fake_github.push_to_pull(REPO, pull["number"], {GOOD_FILE: GOOD})
    sync(django_capture_on_commit_callbacks, enqueued)
    push(checked)
    second_sha = fake_github.repo(REPO).pulls[pull["number"]]["head"]["sha"]
    assert second_sha != first_sha
    assert fake_github.status_of(REPO, second_sha, "camp-reports/report")["state"] == "success"
    assert fake_github.status_of(REPO, first_sha, "camp-reports/report")["state"] == "failure"


def test_a_report_of_nobody_on_the_roster_fails_the_check(
    checked, fake_github, client, enqueued, django_capture_on_commit_callbacks
):
    # In a student's folder, a TA's commit is fine; elsewhere it is nobody's report.
    in_folder = fake_github.add_pull(REPO, "somebody", {GOOD_FILE: GOOD}, merged=False)
    nowhere = fake_github.add_pull(
        REPO, "somebody", {f"{BASE}/x/2025.03.03~2025.03.16.md": GOOD}, merged=False
    )
    sync(django_capture_on_commit_callbacks, enqueued)
    push(checked)
    first = fake_github.status_of(REPO, in_folder["head"]["sha"], "camp-reports/report")
    second = fake_github.status_of(REPO, nowhere["head"]["sha"], "camp-reports/report")
    assert first["state"] == "success"
    assert second["state"] == "failure" and "somebody" in second["description"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("alice", 200),
        ("mentor_a", 200),
        ("mentor_b", 200),
        ("ta", 200),
        ("admin", 200),
        ("bob", 404),
        ("other_ta", 404),
        ("outsider", 404),
    ],
)
def test_the_check_page_lists_problems_for_those_concerned(
    checked, fake_github, client, enqueued, django_capture_on_commit_callbacks, who, expected
):
    bad = GOOD.replace("写了算子", "XXX")
    pull = fake_github.add_pull(REPO, "alice", {GOOD_FILE: bad}, merged=False)
    sync(django_capture_on_commit_callbacks, enqueued)
    push(checked)
    client.force_login(getattr(checked, who))
    response = client.get(f"/github/checks/camp/{pull['number']}/")
    assert response.status_code == expected
    if expected == 200:
        assert "XXX" in response.content.decode()


def test_the_check_page_needs_a_sign_in(checked, client):
    assert client.get("/github/checks/camp/1/").status_code == 302


def test_a_synchronize_webhook_checks_the_new_head(
    checked, fake_github, client, enqueued, django_capture_on_commit_callbacks, settings
):
    settings.GITHUB_WEBHOOK_SECRET = webhook_tests.SECRET
    pull = fake_github.add_pull(REPO, "alice", {GOOD_FILE: GOOD}, merged=False)
    sync(django_capture_on_commit_callbacks, enqueued)
    push(checked)
    fake_github.push_to_pull(REPO, pull["number"], {GOOD_FILE: GOOD.replace("写测试", "XXX")})
    payload = {
        "action": "synchronize",
        "repository": {"full_name": REPO},
        "pull_request": fake_github.repo(REPO).pulls[pull["number"]],
    }
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = webhook_tests.deliver(client, "pull_request", payload)
    finally:
        celery_app.conf.task_always_eager = previous
    assert response.status_code in (200, 202)
    push(checked)
    head = fake_github.repo(REPO).pulls[pull["number"]]["head"]["sha"]
    status = fake_github.status_of(REPO, head, "camp-reports/report")
    assert status["state"] == "failure" and "下周工作" in status["description"]


@given(
    problems=st.lists(
        st.text(min_size=1, max_size=300).map(lambda text: f"{BASE}/alice/a.md: {text}"),
        max_size=5,
    )
)
def test_a_status_description_fits_githubs_140_characters(problems):
    payload = status_payload(problems, f"{SITE_URL}/x/", file_count=2)
    assert len(payload["description"]) <= 140
    assert payload["state"] == ("failure" if problems else "success")
    assert payload["context"] == "camp-reports/report"
    if problems:
        assert payload["description"].startswith("a.md: ")


def test_a_status_refused_names_the_statuses_permission(
    checked, fake_github, client, enqueued, django_capture_on_commit_callbacks
):
    fake_github.fail(
        "POST", r"/statuses/", 403, body={"message": "Resource not accessible by integration"}
    )
    fake_github.add_pull(REPO, "alice", {GOOD_FILE: GOOD}, merged=False)
    sync(django_capture_on_commit_callbacks, enqueued)
    (outcome,) = push(checked)
    assert outcome["state"] == "failed" and "Commit statuses: write" in outcome["error"]


def test_a_review_of_a_published_web_report_follows_it_on_the_issue(
    wb, fake_github, client, enqueued
):
    report = submit_by_api(client, wb, complete_body("读了论文"))
    review_by_api(client, wb, Report.objects.get(pk=report["id"]), verdict="approved")
    push(wb)
    published, reviewed = issue_comments(fake_github, wb.issue["number"])
    assert "读了论文" in published["body"]
    assert reviewed["body"].startswith("@alice 点评：通过")
