"""The overview with GitHub evidence: merged pull requests per cell, quiet
students in the current period (and the filter), and the CSV's counts."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
import time_machine

from reports.models import GitHubEvidence
from tests.factories import ReportFactory

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
# Inside period 3 (03-31..04-13): #3 is current.
NOW = datetime.datetime(2025, 4, 10, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def evidence(student, period, opened=0, merged=0, reviewed=0, issues=0) -> GitHubEvidence:
    return GitHubEvidence.objects.create(
        student=student,
        period=period,
        login=student.github_login,
        prs_opened_count=opened,
        prs_merged_count=merged,
        reviews_given_count=reviewed,
        issues_opened_count=issues,
        fetched_at=NOW,
    )


@pytest.fixture
def work(camp):
    # alice: merged work in #2 and #3, no report for #3 yet: busy, not quiet.
    evidence(camp.alice, camp.period(2), opened=2, merged=3)
    evidence(camp.alice, camp.period(3), opened=1, merged=1)
    # bob: nothing on GitHub in #3 and no report: quiet.
    evidence(camp.bob, camp.period(3))
    # carol: nothing on GitHub, but her report for #3 is in: not quiet.
    evidence(camp.carol, camp.period(3))
    ReportFactory(student=camp.carol, period=camp.period(3), submitted_at=NOW)
    return camp


def test_cells_show_merged_counts_and_rows_the_quiet_marker(client, work):
    client.force_login(work.ta)
    page = client.get("/overview/camp/").content.decode()
    assert page.count('data-merged="3"') == 1
    assert page.count('data-merged="1"') == 1
    assert page.count("data-quiet") == 1
    assert "data-quiet" in row_of(page, "bob")
    assert 'data-merged="3"' in row_of(page, "alice")


def row_of(page: str, login: str) -> str:
    start = page.index(f'<th scope="row"><span class="login">@{login}<')
    return page[start : page.index("</tr>", start)]


def test_without_collected_evidence_nobody_is_quiet(client, camp):
    client.force_login(camp.ta)
    assert "data-quiet" not in client.get("/overview/camp/").content.decode()


def test_the_quiet_filter_keeps_only_quiet_students(client, work):
    client.force_login(work.ta)
    page = client.get("/overview/camp/?quiet=on").content.decode()
    assert "data-quiet" in row_of(page, "bob")
    assert '<th scope="row"><span class="login">@alice' not in page
    assert '<th scope="row"><span class="login">@carol' not in page
    rows = list(csv.reader(io.StringIO(client.get("/overview/camp.csv?quiet=on").content.decode())))
    assert {row[0] for row in rows[1:]} == {"bob"}


def test_a_mentor_sees_only_their_students_counts(client, work):
    client.force_login(work.mentor_b)  # bob and carol
    page = client.get("/overview/camp/").content.decode()
    assert "data-merged" not in page
    assert "data-quiet" in page


def test_csv_has_the_counts(client, work):
    client.force_login(work.ta)
    rows = list(csv.reader(io.StringIO(client.get("/overview/camp.csv").content.decode())))
    assert rows[0][-4:] == ["prs_opened", "prs_merged", "reviews_given", "issues_opened"]
    by_key = {(r[0], r[4]): r for r in rows[1:]}
    assert by_key[("alice", "2")][-4:] == ["2", "3", "0", "0"]
    assert by_key[("bob", "3")][-4:] == ["0", "0", "0", "0"]
    assert by_key[("bob", "2")][-4:] == ["", "", "", ""]
