"""Links from GitHub payloads are stored only when they are https on the
configured GitHub web host (reports.github.trust)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from camp.celery import app as celery_app
from reports.github.trust import trusted_github_url
from reports.models import GitHubComment, Report
from tests.github.test_webhooks import REPO, comment_payload, deliver

EVIL = "javascript:alert(1)"


@pytest.fixture
def repo_camp(camp):
    camp.cohort.github_repo = REPO
    camp.cohort.save()
    return camp


@pytest.fixture
def eager_tasks():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.GITHUB_WEBHOOK_SECRET = "webhook-secret"
    settings.GITHUB_WEB_URL = "https://github.com"


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/pfcc/camp/issues/1#issuecomment-2",
        "https://github.com/",
    ],
)
def test_github_https_links_are_kept(url, settings):
    settings.GITHUB_WEB_URL = "https://github.com"
    assert trusted_github_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        EVIL,
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "http://github.com/pfcc/camp/issues/1",
        "https://github.com.evil.example/x",
        "https://evil.example/github.com/",
        "https://user@github.com/x",
        "https://github.com:8443/x",
        "//github.com/x",
        "https://github.com/x\n<script>",
        " https://github.com/x",
        None,
        42,
    ],
)
def test_anything_else_is_empty(url, settings):
    settings.GITHUB_WEB_URL = "https://github.com"
    assert trusted_github_url(url) == ""


def test_the_configured_enterprise_host_is_the_one_trusted(settings):
    settings.GITHUB_WEB_URL = "https://ghe.example.com"
    assert trusted_github_url("https://ghe.example.com/a/b/pull/1") == (
        "https://ghe.example.com/a/b/pull/1"
    )
    assert trusted_github_url("https://github.com/a/b/pull/1") == ""


@given(st.text(max_size=60))
def test_a_kept_link_is_always_https_on_the_host(text):
    kept = trusted_github_url(text)
    assert kept == "" or kept.startswith("https://github.com")


def test_a_signed_comment_with_a_javascript_link_stores_no_link(
    client, repo_camp, eager_tasks, django_capture_on_commit_callbacks, settings
):
    settings.LANGUAGE_CODE = "en"
    unknown = comment_payload("created", "someone-unknown", "周报", comment_id=5)
    unknown["comment"]["html_url"] = EVIL
    student = comment_payload("created", "alice", "周报", comment_id=6)
    student["comment"]["html_url"] = EVIL
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, "issue_comment", unknown).status_code == 200
        assert deliver(client, "issue_comment", student).status_code == 200
    assert GitHubComment.objects.get(comment_id=5).html_url == ""
    report = Report.objects.get(student=repo_camp.alice)
    assert report.source_url == ""

    client.force_login(repo_camp.admin)
    page = client.get("/admin/reports/unmatchedcomment/")
    assert page.status_code == 200 and b"javascript:" not in page.content
    client.force_login(repo_camp.alice)
    api = client.get(f"/api/reports/{report.pk}/").json()
    assert not api["source_url"]
