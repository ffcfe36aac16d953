"""One check for every door that can refuse: the API refuses
a submission the web form refuses; GitHub, which cannot be refused, keeps the
problems on the report for the mentor and the TA."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine

from reports.github.ingest import SyncResult, save_comment_as_report
from reports.models import GitHubComment, Report, Revision
from tests.factories import ReportFactory, complete_body

IN_PERIOD_3 = datetime.datetime(2025, 4, 10, 12, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
INCOMPLETE = "### 本周工作\n\n写了 API\n"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(IN_PERIOD_3, tick=False):
        yield


def post(client, body, **extra):
    return client.post(
        "/api/reports/",
        {"cohort": "camp", "period_number": 3, "body": body, **extra},
        content_type="application/json",
    )


def test_api_refuses_a_submission_with_missing_sections(client, camp):
    client.force_login(camp.alice)
    response = post(client, INCOMPLETE, submit=True)
    assert response.status_code == 400
    assert any("姓名" in message for message in response.json()["body"])
    assert not Report.objects.exists() and not Revision.objects.exists()


def test_web_form_refuses_the_same_body(client, camp):
    client.force_login(camp.alice)
    response = client.post("/reports/write/camp/3/", {"body": INCOMPLETE, "action": "submit"})
    assert response.status_code == 200 and not Report.objects.exists()


def test_api_saves_an_incomplete_draft_and_refuses_to_submit_it_later(client, camp):
    client.force_login(camp.alice)
    draft = post(client, INCOMPLETE)
    assert draft.status_code == 201
    response = client.patch(
        f"/api/reports/{draft.json()['id']}/", {"submit": True}, content_type="application/json"
    )
    assert response.status_code == 400
    assert Report.objects.get().status == Report.Status.DRAFT


def test_api_warnings_refuse_unless_accepted(client, camp):
    client.force_login(camp.alice)
    body = complete_body("完成了 XXX")  # a placeholder left in
    refused = post(client, body, submit=True)
    assert refused.status_code == 400 and refused.json()["warnings"]
    accepted = post(client, body, submit=True, accept_warnings=True)
    assert accepted.status_code == 201 and accepted.json()["status"] == "submitted"


def test_api_edit_of_a_submitted_report_is_checked_too(client, camp):
    report = ReportFactory(student=camp.alice, period=camp.period(3), body=complete_body("x"))
    client.force_login(camp.alice)
    response = client.patch(
        f"/api/reports/{report.pk}/", {"body": INCOMPLETE}, content_type="application/json"
    )
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.body == complete_body("x")


def test_github_report_keeps_its_problems_for_mentor_and_ta(client, camp):
    record = GitHubComment.objects.create(
        comment_id=9,
        cohort=camp.cohort,
        period=camp.period(3),
        login="alice",
        body=INCOMPLETE,
        html_url="https://github.com/pfcc/camp/issues/1#issuecomment-9",
        commented_at=IN_PERIOD_3,
        edited_at=IN_PERIOD_3,
        student=camp.alice,
    )
    save_comment_as_report(record, SyncResult())
    report = Report.objects.get()
    assert report.status == Report.Status.SUBMITTED
    assert any("姓名" in problem for problem in report.problems)

    for who in (camp.mentor_a, camp.ta):
        client.force_login(who)
        page = client.get(f"/reports/{report.pk}/").content.decode()
        assert "data-problems" in page and "姓名" in page
        admin = client.get(f"/admin/reports/report/{report.pk}/change/").content.decode()
        assert "姓名" in admin.split("problems", 1)[-1]

    record.body = complete_body("补全了")
    record.edited_at = IN_PERIOD_3 + datetime.timedelta(hours=1)
    save_comment_as_report(record, SyncResult())
    report.refresh_from_db()
    assert report.problems == []
