"""Sign in, sign out, and the home page by role (frozen time, cohort time zone)."""

import datetime
import zoneinfo

import pytest
import time_machine

from reports.models import Review
from tests.conftest import PASSWORD
from tests.factories import ReportFactory, ReviewFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Period 3 of the camp runs 2025-03-31 .. 2025-04-13, due 2025-04-14 23:59 Shanghai.
IN_PERIOD_3 = datetime.datetime(2025, 4, 10, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(IN_PERIOD_3, tick=False):
        yield


def test_anonymous_is_sent_to_sign_in(client, camp):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_sign_in_and_out(client, camp):
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and b'name="password"' in page.content
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part(client, camp):
    for username in ("alice", "nobody-here"):
        response = client.post("/accounts/login/", {"username": username, "password": "wrong"})
        assert response.status_code == 200
        assert "alice" not in response.context["form"].non_field_errors()[0]


def test_student_sees_cohort_current_period_due_time_and_what_they_owe(client, camp):
    client.force_login(camp.alice)
    page = client.get("/").content.decode()
    assert "护航计划 测试营" in page
    assert "第 3 期" in page and "2025.03.31" in page
    assert "2025-04-14 23:59" in page and "Asia/Shanghai" in page
    assert "state state-open" in page


def test_student_with_submitted_report_sees_it(client, camp):
    ReportFactory(student=camp.alice, period=camp.period(3), submitted_at=IN_PERIOD_3)
    client.force_login(camp.alice)
    assert "state state-on_time" in client.get("/").content.decode()


def test_mentor_sees_reviews_waiting_and_own_missing_students(client, camp):
    waiting = ReportFactory(student=camp.alice, period=camp.period(2))
    ReportFactory(
        student=camp.carol, period=camp.period(2)
    )  # mentor_b's student: not mentor_a's queue
    reviewed = ReportFactory(student=camp.bob, period=camp.period(1))
    ReviewFactory(report=reviewed, mentor=camp.mentor_a, verdict=Review.Verdict.APPROVED)
    client.force_login(camp.mentor_a)
    response = client.get("/")
    card = response.context["cards"][0]
    assert card.awaiting_review == 1
    assert [s.username for s in card.not_submitted] == ["alice", "bob"]
    assert card.expected == 2
    assert waiting.pk


def test_ta_sees_everyone_missing(client, camp):
    ReportFactory(student=camp.carol, period=camp.period(3), submitted_at=IN_PERIOD_3)
    client.force_login(camp.ta)
    card = client.get("/").context["cards"][0]
    assert card.expected == 3
    assert [s.username for s in card.not_submitted] == ["alice", "bob"]


def test_stranger_sees_no_cohort(client, camp):
    client.force_login(camp.stranger)
    response = client.get("/")
    assert response.context["cards"] == []
    assert "护航计划 测试营" not in response.content.decode()


def test_superuser_sees_every_cohort_with_its_overview_reminders_and_review_queue(client, camp):
    client.force_login(camp.admin)
    response = client.get("/")
    page = response.content.decode()
    assert "You are not in any cohort" not in page and "你还不在任何营期中" not in page
    cards = {card.cohort.slug: card for card in response.context["cards"]}
    assert cards.keys() == {"camp", "other"}
    assert cards["camp"].expected == 3  # everyone, like a TA
    for cohort in (camp.cohort, camp.other_cohort):
        assert f'href="/overview/{cohort.slug}/" data-overview' in page
        assert f'href="/reminders/{cohort.slug}/" data-reminders' in page
        queue = f"/admin/reports/report/?period__cohort__id__exact={cohort.pk}"
        assert f'href="{queue}" data-review-queue' in page
        assert client.get(f"/overview/{cohort.slug}/").status_code == 200
        assert client.get(queue).status_code == 200


def test_a_superuser_without_cohorts_is_told_how_to_add_one(client, camp):
    camp.cohort.delete()
    camp.other_cohort.delete()
    client.force_login(camp.admin)
    assert "import_roster" in client.get("/").content.decode()


def test_outsider_sees_only_their_own_cohort(client, camp):
    client.force_login(camp.outsider)
    cards = client.get("/").context["cards"]
    assert [c.cohort.slug for c in cards] == ["other"]


def test_english_interface(client, camp):
    client.force_login(camp.alice)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Current period" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "当前周期" in client.get("/").content.decode()


def test_tas_find_the_reminder_preview_and_mentors_do_not(client, camp):
    client.force_login(camp.ta)
    assert 'href="/reminders/camp/"' in client.get("/").content.decode()
    client.force_login(camp.mentor_a)
    assert "/reminders/" not in client.get("/").content.decode()


def test_due_time_is_shown_in_the_cohort_time_zone_whatever_the_server_zone(client, camp):
    from reports.periods import ensure_periods

    camp.cohort.timezone = "America/New_York"
    camp.cohort.save()
    camp.cohort.periods.all().delete()
    ensure_periods(camp.cohort)
    client.force_login(camp.alice)
    page = client.get("/").content.decode()
    # period 3 ends 2025-04-13: due 2025-04-14 23:59 in New York
    assert "2025-04-14 23:59" in page and "America/New_York" in page
    assert 'datetime="2025-04-14T23:59:00-04:00"' in page


def test_an_extension_moves_the_due_time_on_the_home_page(client, camp):
    from tests.factories import AllowanceFactory

    extended = datetime.datetime(2025, 4, 18, 12, 0, tzinfo=SHANGHAI)
    AllowanceFactory(
        student=camp.alice, period=camp.period(3), kind="extension", extended_due_at=extended
    )
    client.force_login(camp.alice)
    page = client.get("/").content.decode()
    assert "2025-04-18 12:00" in page and "2025-04-14 23:59" not in page


def test_excused_students_are_not_expected(client, camp):
    from tests.factories import AllowanceFactory

    AllowanceFactory(student=camp.bob, period=camp.period(3))
    client.force_login(camp.ta)
    card = client.get("/").context["cards"][0]
    assert card.expected == 2
    assert [s.username for s in card.not_submitted] == ["alice", "carol"]
