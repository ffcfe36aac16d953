"""Report files from pull requests, through the fake GitHub server."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json

import pytest
from django.core.cache import cache
from django.db import connection

from camp.celery import app as celery_app
from reports.github.ingest import fetch_pull
from reports.github.poll import sync_cohort
from reports.github.webhooks import process_delivery
from reports.models import GitHubPullRequest, Report, Review, Source, WebhookDelivery
from tests.fakes.github import FakeGitHub

REPO = "pfcc/camp"
BASE = "WeeklyReports/第六期"
REPORT = """### 姓名

Alice

### 本周工作

1. 写了算子

### 导师点评

{review}

### 问题疑惑与解答

* 暂无
"""


@pytest.fixture
def fake_github(settings):
    fake = FakeGitHub().start()
    settings.GITHUB_API_URL = fake.base_url
    yield fake
    fake.stop()


@pytest.fixture
def files_camp(camp, fake_github):
    camp.cohort.github_repo = REPO
    camp.cohort.github_reports_path = BASE
    camp.cohort.save()
    fake_github.repo(REPO)
    cache.clear()
    return camp


def test_merged_pr_from_a_fork_with_cjk_brackets_tilde_spaces(files_camp, fake_github):
    path = f"{BASE}/alice/[WeeklyReport] 张三 2025.03.03~2025.03.16.md"
    pull = fake_github.add_pull(
        REPO,
        "alice",
        {path: REPORT.format(review="完成得很好，继续保持"), "README.md": "not a report"},
        fork=True,
        created_at=datetime.datetime(2025, 3, 17, 8, tzinfo=datetime.UTC),
    )
    result = sync_cohort(files_camp.cohort)

    report = Report.objects.get()
    assert (report.student, report.period) == (files_camp.alice, files_camp.period(1))
    assert report.source == Source.GITHUB_FILE
    assert report.source_url == pull["html_url"]
    assert report.source_ref == f"{path}@{pull['merge_commit_sha']}"
    assert report.submitted_at == datetime.datetime(2025, 3, 17, 8, tzinfo=datetime.UTC)
    assert (report.claimed_start, report.claimed_end) == (
        datetime.date(2025, 3, 3),
        datetime.date(2025, 3, 16),
    )
    assert "写了算子" in report.body
    review = Review.objects.get()
    assert review.mentor == files_camp.mentor_a and review.body == "完成得很好，继续保持"
    assert review.source == Source.GITHUB_FILE
    assert (result.reports_created, result.reviews_added, result.pull_requests_ingested) == (
        1,
        1,
        1,
    )
    # The contents were read from the base repository at the merge commit.
    assert any(
        "/repos/pfcc/camp/contents/" in p and f"ref={pull['merge_commit_sha']}" in p
        for _, p, _ in fake_github.requests
    )

    fake_github.reset_log()
    again = sync_cohort(files_camp.cohort)
    assert again.reports_created == again.reviews_added == 0
    assert fake_github.count() == fake_github.count(304) == 2  # issues and pulls lists


def test_placeholder_review_is_no_review_and_two_mentors_leave_it_unattributed(
    files_camp, fake_github
):
    fake_github.add_pull(
        REPO,
        "alice",
        {f"{BASE}/alice/2025.03.17~2025.03.30.md": REPORT.format(review="请联系导师填写")},
    )
    fake_github.add_pull(
        REPO, "bob", {f"{BASE}/bob/2025.03.17~2025.03.30.md": REPORT.format(review="不错")}
    )
    sync_cohort(files_camp.cohort)
    assert Report.objects.filter(period=files_camp.period(2)).count() == 2
    review = Review.objects.get()
    assert review.report.student == files_camp.bob and review.mentor is None


def contents_fetched(fake) -> list[str]:
    return [p for _, p, _ in fake.requests if "/contents/" in p]


def test_files_the_shared_reader_skips_are_reported_not_imported(files_camp, fake_github):
    folder = f"{BASE}/alice"
    fake_github.add_pull(
        REPO,
        "alice",
        {
            f"{folder}/README.md": "# 关于我",
            f"{folder}/2025.03.03~2025.03.16.png": b"\x89PNG\r\n",
            f"{folder}/notes.md": "随手记",
            f"{folder}/[WeeklyReport]2025.03.03~2025.03.16.md": b"PK\x03\x04\x00\x00",
            f"{folder}/[WeeklyReport]2025.03.17~2025.03.30.md": "x" * (1024 * 1024 + 1),
        },
    )
    result = sync_cohort(files_camp.cohort)

    assert not Report.objects.exists()
    # README and non-Markdown files are ruled out by name, without reading them.
    assert len(contents_fetched(fake_github)) == 3
    assert sorted(result.skipped_files) == [
        f"{folder}/[WeeklyReport]2025.03.03~2025.03.16.md: a binary file",
        f"{folder}/[WeeklyReport]2025.03.17~2025.03.30.md: larger than 1 MB",
        f"{folder}/notes.md: no weekly-report tag or date range in the name, "
        "and not the report template",
    ]
    assert result.unmatched_files == [] and result.pull_requests_ingested == 1
    pull = GitHubPullRequest.objects.get()
    assert pull.report_paths == [] and not pull.students.exists()


def test_typod_end_year_matches_the_period_and_is_kept_as_typed(files_camp, fake_github):
    path = f"{BASE}/alice/[WeeklyReport]2025.03.17~2024.03.30.md"
    fake_github.add_pull(REPO, "alice", {path: REPORT.format(review="✔️")})
    result = sync_cohort(files_camp.cohort)

    report = Report.objects.get()
    assert report.period == files_camp.period(2)
    # Stored as the student typed it, as the importer stores it.
    assert (report.claimed_start, report.claimed_end) == (
        datetime.date(2025, 3, 17),
        datetime.date(2024, 3, 30),
    )
    assert result.file_problems == [f"{path}: end year corrected from 2024 to 2025"]
    # A check mark alone is a mentor's whole review.
    assert Review.objects.get().body == "✔️"


def test_bom_crlf_and_gb18030_files_read_like_the_importer_reads_them(files_camp, fake_github):
    utf8 = f"{BASE}/alice/2025.03.03~2025.03.16.md"
    gbk = f"{BASE}/bob/2025.03.03~2025.03.16.md"
    fake_github.add_pull(
        REPO,
        "alice",
        {utf8: "\ufeff" + REPORT.format(review="很好").replace("\n", "\r\n")},
    )
    fake_github.add_pull(REPO, "bob", {gbk: "### 本周工作\n\n1. 写了算子\n".encode("gb18030")})
    result = sync_cohort(files_camp.cohort)

    alice = Report.objects.get(student=files_camp.alice)
    assert alice.body == REPORT.format(review="很好")  # no BOM, Unix line ends
    assert Review.objects.get(report=alice).body == "很好"
    bob = Report.objects.get(student=files_camp.bob)
    assert "写了算子" in bob.body
    assert result.file_problems == [f"{gbk}: not UTF-8: read as GB18030"]


def test_file_without_student_folder_belongs_to_the_author(files_camp, fake_github):
    fake_github.add_pull(REPO, "carol", {f"{BASE}/[WeeklyReport]2025.03.03-2025.03.16.md": "carol"})
    fake_github.add_pull(REPO, "nobody", {f"{BASE}/2025.03.03-2025.03.16.md": "who?"})
    result = sync_cohort(files_camp.cohort)
    assert Report.objects.get().student == files_camp.carol
    assert result.unmatched_files == [f"{BASE}/2025.03.03-2025.03.16.md"]


def test_open_pr_is_pending_not_submitted_until_merged(files_camp, fake_github):
    pull = fake_github.add_pull(
        REPO, "alice", {f"{BASE}/alice/2025.03.03~2025.03.16.md": "draft on GitHub"}, merged=False
    )
    sync_cohort(files_camp.cohort)
    assert not Report.objects.exists()
    open_pulls = GitHubPullRequest.objects.filter(state=GitHubPullRequest.State.OPEN)
    assert list(open_pulls.filter(students=files_camp.alice).values_list("number", flat=True)) == [
        pull["number"]
    ]

    fake_github.reset_log()
    idle = sync_cohort(files_camp.cohort)
    assert idle.rate_limit_units == 0 and fake_github.count() == 3  # issues, pulls, open PR files

    fake_github.merge_pull(REPO, pull["number"])
    sync_cohort(files_camp.cohort)
    assert Report.objects.get().body == "draft on GitHub"
    assert not open_pulls.exists()
    assert GitHubPullRequest.objects.get().state == GitHubPullRequest.State.MERGED


def test_closed_unmerged_pr_is_ignored(files_camp, fake_github):
    pull = fake_github.add_pull(REPO, "alice", {f"{BASE}/alice/x.md": "x"}, merged=False)
    fake_github.repo(REPO).pulls[pull["number"]]["state"] = "closed"
    sync_cohort(files_camp.cohort)
    assert not Report.objects.exists()
    assert fake_github.count() == 2


def test_merged_pr_via_webhook(
    client, files_camp, fake_github, settings, django_capture_on_commit_callbacks
):
    settings.GITHUB_WEBHOOK_SECRET = "s"
    pull = fake_github.add_pull(
        REPO, "alice", {f"{BASE}/alice/2025.03.03~2025.03.16.md": "via hook"}
    )
    body = json.dumps(
        {"action": "closed", "repository": {"full_name": REPO}, "pull_request": pull}
    ).encode()
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/github/webhook/",
                body,
                content_type="application/json",
                HTTP_X_GITHUB_EVENT="pull_request",
                HTTP_X_GITHUB_DELIVERY="pr-1",
                HTTP_X_HUB_SIGNATURE_256="sha256="
                + hmac.new(b"s", body, hashlib.sha256).hexdigest(),
            )
    finally:
        celery_app.conf.task_always_eager = previous
    assert response.status_code == 200
    assert Report.objects.get().body == "via hook"


def test_webhook_asks_github_before_opening_its_transaction(files_camp, fake_github, monkeypatch):
    # On SQLite a write transaction holds the database lock: no HTTP inside it.
    depths: list[int] = []

    def watched_fetch(*args, **kwargs):
        depths.append(len(connection.atomic_blocks))
        return fetch_pull(*args, **kwargs)

    monkeypatch.setattr("reports.github.webhooks.fetch_pull", watched_fetch)
    pull = fake_github.add_pull(
        REPO, "alice", {f"{BASE}/alice/2025.03.03~2025.03.16.md": "fetched first"}
    )
    delivery = WebhookDelivery.objects.create(
        delivery_id="pr-outside",
        event="pull_request",
        payload={"action": "closed", "repository": {"full_name": REPO}, "pull_request": pull},
    )
    outside = len(connection.atomic_blocks)
    result = process_delivery(delivery)
    assert depths == [outside]
    assert result["pull_requests_ingested"] == 1 and result["requests"] == 2
    assert Report.objects.get().body == "fetched first"
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PROCESSED


def test_webhook_fetch_failure_stores_nothing(files_camp, fake_github):
    pull = fake_github.add_pull(REPO, "alice", {f"{BASE}/alice/2025.03.03~2025.03.16.md": "x"})
    fake_github.fail("GET", r"/files$", 404)
    delivery = WebhookDelivery.objects.create(
        delivery_id="pr-failed",
        event="pull_request",
        payload={"action": "closed", "repository": {"full_name": REPO}, "pull_request": pull},
    )
    assert process_delivery(delivery) == {}
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED and "NotFound" in delivery.error
    assert not Report.objects.exists() and not GitHubPullRequest.objects.exists()
