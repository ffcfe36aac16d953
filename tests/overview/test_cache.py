"""The overview is cached until its cohort changes: every write path moves the
cohort's data_version, so a cached page is never stale."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from camp.models import Cohort, Role, mark_cohort_changed
from reports.models import Allowance, Report
from reports.reviews import add_review, approve_reports
from reports.submissions import save_report
from tests.factories import MembershipFactory, ReportFactory, UserFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2025, 4, 10, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def page(client, path: str = "/overview/camp/") -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def version(camp) -> int:
    return Cohort.objects.get(pk=camp.cohort.pk).data_version


def test_an_unchanged_cohort_is_served_from_the_cache(client, camp):
    client.force_login(camp.ta)
    first, built = page(client)
    second, cached = page(client)
    # The same page but for the CSRF token, which is masked anew for each response.
    assert second.split('<main class="page">')[1] == first.split('<main class="page">')[1]
    assert cached < built  # no overview queries, only session, user, cohort, scope


def test_every_write_path_shows_at_once(client, camp):
    client.force_login(camp.ta)
    period = camp.period(2)
    page(client)

    # The web form, the API and GitHub all write through save_report.
    save_report(student=camp.alice, period=period, body="### 本周工作\n\n1. x\n", submit=True)
    text, _ = page(client)
    report = Report.objects.get(student=camp.alice, period=period)
    assert f"{report.pk}/" in text  # late: due 03-31

    add_review(report, camp.mentor_a, "ok", "approved")
    assert "<td class=s-r>审" in page(client)[0]

    Allowance.objects.create(
        student=camp.bob, period=period, kind=Allowance.Kind.EXCUSED, reason="ill"
    )
    assert "<td class=s-e>免" in page(client)[0]

    camp.carol.display_name = "卡罗尔"
    camp.carol.save()
    assert "卡罗尔" in page(client)[0]

    newcomer = UserFactory(username="newcomer")
    MembershipFactory(user=newcomer, cohort=camp.cohort, role=Role.STUDENT)
    assert "@newcomer" in page(client)[0]


def test_bulk_approval_moves_the_version(camp):
    report = ReportFactory(student=camp.alice, period=camp.period(1))
    before = version(camp)
    added, _ = approve_reports(camp.mentor_a, [report])
    assert added and version(camp) > before


def test_a_sign_in_does_not_move_the_version(client, camp):
    before = version(camp)
    client.post("/accounts/login/", {"username": "alice", "password": "pw"})
    camp.alice.refresh_from_db()
    camp.alice.save(update_fields=["last_login"])
    assert version(camp) == before


def test_saving_an_old_cohort_instance_never_moves_the_version_back(camp):
    stale = Cohort.objects.get(pk=camp.cohort.pk)
    mark_cohort_changed(camp.cohort.pk)
    moved = version(camp)
    stale.name = "renamed"
    stale.save()
    assert version(camp) > moved
    assert Cohort.objects.get(pk=camp.cohort.pk).name == "renamed"


def test_other_cohorts_keep_their_version(camp):
    other = Cohort.objects.get(pk=camp.other_cohort.pk).data_version
    save_report(student=camp.alice, period=camp.period(1), body="x", submit=False)
    assert Cohort.objects.get(pk=camp.other_cohort.pk).data_version == other


def test_the_page_follows_the_clock(client, camp, frozen):
    """A deadline passing changes states without any write: a new minute is a new page."""
    client.force_login(camp.ta)
    period = camp.period(3)  # due 04-14 23:59
    frozen.move_to(period.due_at - datetime.timedelta(seconds=61))
    before, _ = page(client)
    frozen.move_to(period.due_at + datetime.timedelta(seconds=1))
    after, _ = page(client)
    assert after.count("<td class=s-m>") > before.count("<td class=s-m>")


def test_each_person_gets_their_own_page(client, camp):
    client.force_login(camp.ta)
    ta_page, _ = page(client)
    client.force_login(camp.mentor_b)
    mentor_page, _ = page(client)
    assert "@alice" in ta_page and "@alice" not in mentor_page.split("<table class=")[1]


def test_the_csv_is_cached_and_follows_changes(client, camp):
    client.force_login(camp.ta)
    first = client.get("/overview/camp.csv").content
    save_report(student=camp.alice, period=camp.period(3), body="x", submit=True)
    second = client.get("/overview/camp.csv").content
    assert first != second
    assert second == client.get("/overview/camp.csv").content
