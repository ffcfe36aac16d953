"""Publishing the period summary into its GitHub issue (fake GitHub server)."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from reports.github.publish import END_MARKER, START_MARKER, with_summary
from reports.github.tasks import publish_cohort_summaries
from reports.models import GitHubSettings
from tests.factories import ReportFactory
from tests.fakes.github import FakeGitHub

REPO = "pfcc/camp"
TITLE = "[WeeklyReports] 2025.03.03~2025.03.16 周报汇总"
SITE_URL = "https://camp.example.org"


@pytest.fixture
def fake_github(settings):
    fake = FakeGitHub().start()
    settings.GITHUB_API_URL = fake.base_url
    yield fake
    fake.stop()


@pytest.fixture
def publish_camp(camp, fake_github, settings):
    settings.SITE_URL = SITE_URL
    camp.cohort.github_repo = REPO
    camp.cohort.save()
    fake_github.repo(REPO)
    cache.clear()
    camp.alice_report = ReportFactory(student=camp.alice, period=camp.period(1))
    return camp


def alice_line(camp) -> str:
    """Alice's line of the overview's summary, linked to her report's page."""
    return f"- [x] @alice (@mentor-a) [周报]({SITE_URL}/reports/{camp.alice_report.pk}/)"


def patches(fake) -> list:
    return [r for r in fake.requests if r[0] == "PATCH"]


def test_with_summary_keeps_the_rest_of_the_body():
    body = with_summary("TA 的说明", "- [x] @alice")
    assert body == f"TA 的说明\n\n{START_MARKER}\n- [x] @alice\n{END_MARKER}"
    again = with_summary(body + "\n\n结尾", "- [x] @bob")
    assert again == f"TA 的说明\n\n{START_MARKER}\n- [x] @bob\n{END_MARKER}\n\n结尾"
    assert with_summary("", "x") == f"{START_MARKER}\nx\n{END_MARKER}"


@given(
    body=st.text(alphabet=st.characters(blacklist_characters="\r\ufeff"), max_size=200),
    first=st.text(min_size=1, max_size=80),
    second=st.text(min_size=1, max_size=80),
)
def test_with_summary_property_idempotent_and_keeps_the_rest(body, first, second):
    once = with_summary(body, first)
    assert with_summary(once, first) == once  # so a rerun writes nothing
    replaced = with_summary(once, second)
    assert replaced == with_summary(body, second)
    assert replaced.count(START_MARKER) == 1


def test_publish_finds_issue_writes_once(publish_camp, fake_github, capsys):
    issue = fake_github.add_issue(REPO, TITLE, body="请大家在下面评论周报")
    call_command("publish_summary", "camp", "1", "--json")
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["action"] == "updated" and outcome["issue_number"] == issue["number"]
    stored = fake_github.repo(REPO).issues[issue["number"]]["body"]
    assert stored.startswith("请大家在下面评论周报")
    assert "### 2025.03.03~2025.03.16 周报汇总" in stored
    assert alice_line(publish_camp) in stored.splitlines()
    assert "- [ ] @bob (@mentor-a, @mentor-b)" in stored.splitlines()
    assert publish_camp.period(1).summary_issue_number == issue["number"]

    call_command("publish_summary", "camp", "1", "--json")
    assert json.loads(capsys.readouterr().out)["action"] == "unchanged"
    assert len(patches(fake_github)) == 1


def test_dry_run_writes_nothing(publish_camp, fake_github, capsys):
    issue = fake_github.add_issue(REPO, TITLE, body="")
    call_command("publish_summary", "camp", "1", "--dry-run")
    out = capsys.readouterr().out
    assert out.startswith("would-update") and alice_line(publish_camp) in out
    assert patches(fake_github) == []
    assert fake_github.repo(REPO).issues[issue["number"]]["body"] == ""
    assert publish_camp.period(1).summary_issue_number is None


def test_missing_issue_needs_permission_to_create(publish_camp, fake_github):
    with pytest.raises(CommandError, match="does not allow"):
        call_command("publish_summary", "camp", "1")
    assert not [r for r in fake_github.requests if r[0] == "POST"]

    GitHubSettings.objects.create(cohort=publish_camp.cohort, create_summary_issues=True)
    call_command("publish_summary", "camp", "1", "--dry-run")
    assert not fake_github.repo(REPO).issues
    call_command("publish_summary", "camp", "1")
    (issue,) = fake_github.repo(REPO).issues.values()
    assert issue["title"] == TITLE
    assert "截止时间 2025.03.17 23:59" in issue["body"]
    assert alice_line(publish_camp) in issue["body"]
    period = publish_camp.period(1)
    assert period.summary_issue_number == issue["number"]
    call_command("publish_summary", "camp", "1")
    assert len(fake_github.repo(REPO).issues) == 1 and patches(fake_github) == []


def test_bad_arguments(publish_camp):
    with pytest.raises(CommandError, match="No cohort"):
        call_command("publish_summary", "nope", "1")
    with pytest.raises(CommandError, match="no period 99"):
        call_command("publish_summary", "camp", "99")
    with pytest.raises(CommandError, match="no GitHub repository"):
        call_command("publish_summary", "other", "1")


def test_beat_task_keeps_recent_summaries_current(publish_camp, fake_github):
    for title in (TITLE, "[WeeklyReports] 2025.03.17~2025.03.30 周报汇总"):
        fake_github.add_issue(REPO, title)
    with time_machine.travel(datetime.datetime(2025, 3, 20, 12, tzinfo=datetime.UTC), tick=False):
        results = publish_cohort_summaries.run(publish_camp.cohort.pk)
        assert [r["action"] for r in results] == ["updated", "updated"]
        again = publish_cohort_summaries.run(publish_camp.cohort.pk)
        assert [r["action"] for r in again] == ["unchanged", "unchanged"]
    assert len(patches(fake_github)) == 2


def test_one_periods_failure_does_not_keep_the_others_stale(publish_camp, fake_github):
    first = fake_github.add_issue(REPO, TITLE)
    fake_github.add_issue(REPO, "[WeeklyReports] 2025.03.17~2025.03.30 周报汇总")
    # The first period's issue keeps answering 422 (not retried, not a rate limit).
    fake_github.fail("PATCH", rf"/issues/{first['number']}$", 422, times=10)
    with time_machine.travel(datetime.datetime(2025, 3, 20, 12, tzinfo=datetime.UTC), tick=False):
        results = publish_cohort_summaries.run(publish_camp.cohort.pk)
    assert [r["action"] for r in results] == ["failed", "updated"]
    assert "HTTP 422" in results[0]["error"]
    assert [code for *_, code in patches(fake_github)] == [422, 200]


def posts(fake) -> list:
    return [r for r in fake.requests if r[0] == "POST"]


def test_issue_created_behind_a_502_is_adopted_not_created_twice(publish_camp, fake_github, capsys):
    GitHubSettings.objects.create(cohort=publish_camp.cohort, create_summary_issues=True)
    fake_github.fail("POST", r"/issues$", 502, after_applying=True)
    call_command("publish_summary", "camp", "1", "--json")
    outcome = json.loads(capsys.readouterr().out)
    (issue,) = fake_github.repo(REPO).issues.values()
    assert issue["title"] == TITLE
    assert outcome["action"] == "created" and outcome["issue_number"] == issue["number"]
    assert publish_camp.period(1).summary_issue_number == issue["number"]
    assert len(posts(fake_github)) == 1

    call_command("publish_summary", "camp", "1")
    assert len(fake_github.repo(REPO).issues) == 1 and len(posts(fake_github)) == 1


def test_failed_creation_is_reported_and_the_next_run_creates_one_issue(publish_camp, fake_github):
    GitHubSettings.objects.create(cohort=publish_camp.cohort, create_summary_issues=True)
    fake_github.fail("POST", r"/issues$", 502)
    with pytest.raises(CommandError, match="502"):
        call_command("publish_summary", "camp", "1")
    assert not fake_github.repo(REPO).issues
    assert publish_camp.period(1).summary_issue_number is None

    call_command("publish_summary", "camp", "1")
    (issue,) = fake_github.repo(REPO).issues.values()
    assert publish_camp.period(1).summary_issue_number == issue["number"]
    assert len(posts(fake_github)) == 2
