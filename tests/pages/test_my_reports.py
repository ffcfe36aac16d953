"""My reports and the report page through HTTP: periods with due times in the
cohort's time zone and statuses, the current period on top, the report with its
history and reviews, and the permission matrix (404, never 403)."""

import datetime
import zoneinfo

import pytest
import time_machine

from camp.models import Cohort, User
from reports.demo import seed_demo
from reports.models import Allowance, Review
from tests.factories import AllowanceFactory, ReportFactory, ReviewFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
IN_PERIOD_3 = datetime.datetime(2025, 4, 10, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(IN_PERIOD_3, tick=False):
        yield


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


def rows_by_number(response):
    [entry] = response.context["cohorts"]
    return {row.period.number: row for row in entry.rows}


def test_my_reports_lists_every_period_with_its_state(client, camp):
    ReportFactory(
        student=camp.alice,
        period=camp.period(2),
        submitted_at=camp.period(2).due_at + datetime.timedelta(hours=3),
    )
    reviewed = ReportFactory(student=camp.alice, period=camp.period(1))
    ReviewFactory(report=reviewed, mentor=camp.mentor_a, verdict=Review.Verdict.APPROVED)
    AllowanceFactory(student=camp.alice, period=camp.period(5), kind=Allowance.Kind.EXCUSED)
    client.force_login(camp.alice)
    response = client.get("/reports/")
    assert response.status_code == 200
    states = {n: row.state for n, row in rows_by_number(response).items()}
    assert states == {
        1: "reviewed",
        2: "late",
        3: "open",
        4: "future",
        5: "excused",
        6: "future",
        7: "future",
        8: "future",
        9: "future",
    }
    page = response.content.decode()
    assert page.index('data-current-period="3"') < page.index('data-period="9"')
    assert "Write this period's report" in page and 'href="/reports/write/camp/3/"' in page
    assert "2025-04-14 23:59" in page and "Asia/Shanghai" in page
    assert "4\xa0days, 11\xa0hours left" in page
    assert "submitted 3\xa0hours late" in page


def test_missing_period_says_how_late_and_draft_shows_as_draft(client, camp):
    ReportFactory(student=camp.alice, period=camp.period(3), status="draft", body="wip")
    client.force_login(camp.alice)
    response = client.get("/reports/")
    rows = rows_by_number(response)
    assert rows[2].state == "missing" and rows[3].state == "draft"
    page = response.content.decode()
    assert "Continue your draft" in page
    assert "overdue" in page


def test_due_time_is_shown_in_the_cohorts_time_zone(client, camp):
    Cohort.objects.filter(pk=camp.cohort.pk).update(timezone="America/New_York")
    camp.period(3).__class__.objects.filter(pk=camp.period(3).pk).update(
        due_at=datetime.datetime(2025, 4, 14, 23, 59, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    )
    client.force_login(camp.alice)
    page = client.get("/reports/").content.decode()
    assert "2025-04-14 23:59" in page and "America/New_York" in page


def test_extension_shows_the_extended_due_time(client, camp):
    AllowanceFactory(
        student=camp.alice,
        period=camp.period(3),
        kind=Allowance.Kind.EXTENSION,
        extended_due_at=datetime.datetime(2025, 4, 20, 12, 0, tzinfo=SHANGHAI),
    )
    client.force_login(camp.alice)
    row = rows_by_number(client.get("/reports/"))[3]
    assert row.extended and row.due_local.isoformat() == "2025-04-20T12:00:00+08:00"


@pytest.mark.parametrize("who", ["mentor_a", "ta", "stranger"])
def test_people_who_are_not_students_see_no_periods(client, camp, who):
    client.force_login(getattr(camp, who))
    response = client.get("/reports/")
    assert response.status_code == 200 and response.context["cohorts"] == []


def test_nav_and_home_link_my_reports_for_students_only(client, camp):
    client.force_login(camp.alice)
    home = client.get("/").content.decode()
    assert home.count('href="/reports/"') >= 2 and 'href="/reports/write/camp/3/"' in home
    client.force_login(camp.mentor_a)
    assert 'href="/reports/"' not in client.get("/").content.decode()


def test_report_page_shows_body_status_times_history_and_reviews(client, camp):
    report = ReportFactory(
        student=camp.alice,
        period=camp.period(2),
        body="### 本周工作\n\n1. 写了 **测试**\n",
        submitted_at=datetime.datetime(2025, 3, 31, 2, 0, tzinfo=SHANGHAI),
    )
    ReviewFactory(
        report=report,
        mentor=camp.mentor_a,
        verdict=Review.Verdict.NEEDS_CHANGES,
        body="请补充 *链接* <script>alert(1)</script>",
    )
    client.force_login(camp.alice)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "<li>写了 <strong>测试</strong></li>" in page
    assert "Needs changes" in page and "Mentor A" in page
    assert "请补充 <em>链接</em>" in page and "<script>alert" not in page
    assert "2025-03-31 02:00" in page and "History (1 revision)" in page
    assert 'href="/reports/write/camp/2/"' in page


def test_late_report_page_says_how_late(client, camp):
    period = camp.period(2)
    report = ReportFactory(
        student=camp.alice, period=period, submitted_at=period.due_at + datetime.timedelta(days=2)
    )
    client.force_login(camp.alice)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "Submitted late" in page and "2\xa0days late" in page


@pytest.fixture
def alices(camp):
    return {
        "submitted": ReportFactory(student=camp.alice, period=camp.period(1)),
        "draft": ReportFactory(student=camp.alice, period=camp.period(2), status="draft"),
    }


SHARED = {
    "alice": {"submitted", "draft"},
    "bob": {"submitted"},
    "carol": {"submitted"},
    "mentor_a": {"submitted"},
    "mentor_b": {"submitted"},
    "ta": {"submitted"},
    "other_ta": set(),
    "outsider": set(),
    "stranger": set(),
    "admin": {"submitted", "draft"},
}
PRIVATE = {**SHARED, "bob": set(), "carol": set(), "mentor_b": set()}


@pytest.mark.parametrize("visibility", ["cohort", "private"])
@pytest.mark.parametrize("who", list(SHARED))
def test_report_page_permission_matrix(client, camp, alices, who, visibility):
    Cohort.objects.filter(pk=camp.cohort.pk).update(report_visibility=visibility)
    expected = (SHARED if visibility == "cohort" else PRIVATE)[who]
    client.force_login(getattr(camp, who))
    for name, report in alices.items():
        status = client.get(f"/reports/{report.pk}/").status_code
        assert status == (200 if name in expected else 404), (who, name, status)


# Who reads the reviews of alice's shared report: she, her mentor, the TA, the admin.
SEES_REVIEW = {"alice", "mentor_a", "ta", "admin"}


@pytest.mark.parametrize("who", [who for who, seen in SHARED.items() if "submitted" in seen])
def test_a_shared_reports_review_is_read_only_by_those_involved(client, camp, alices, who):
    report = alices["submitted"]
    ReviewFactory(
        report=report, mentor=camp.mentor_a, verdict="needs_changes", body="REVIEW-TEXT-42"
    )
    client.force_login(getattr(camp, who))
    page = client.get(f"/reports/{report.pk}/").content.decode()
    if who in SEES_REVIEW:
        assert "REVIEW-TEXT-42" in page and "state-needs_changes" in page
    else:  # a peer, or another mentor reading the shared cohort
        assert "REVIEW-TEXT-42" not in page and "state-needs_changes" not in page


def test_only_the_author_gets_an_edit_link(client, camp, alices):
    url = f"/reports/{alices['submitted'].pk}/"
    client.force_login(camp.bob)
    assert "/reports/write/" not in client.get(url).content.decode()
    client.force_login(camp.admin)
    assert "/reports/write/" not in client.get(url).content.decode()


def test_anonymous_and_unknown_ids(client, camp, alices):
    response = client.get(f"/reports/{alices['submitted'].pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(camp.alice)
    assert client.get("/reports/999999/").status_code == 404


def test_demo_student_can_see_and_write_reports(client, db):
    seed_demo(students=4, mentors=2, periods=6)
    student = User.objects.get(username="student1")
    client.force_login(student)
    response = client.get("/reports/")
    [entry] = response.context["cohorts"]
    assert entry.current is not None and len(entry.rows) == 6
    assert {row.state for row in entry.rows} - {"future", "open"}, "demo history shows"
    write = f"/reports/write/demo/{entry.current.period.number}/"
    page = client.get(write)
    assert page.status_code == 200 and "学员1" in page.context["form"].initial["body"]
    submitted = next(row.report for row in entry.rows if row.report and row.report.is_submitted)
    assert client.get(f"/reports/{submitted.pk}/").status_code == 200
