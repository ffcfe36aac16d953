"""Writing a report in the browser, through HTTP: prefill, preview, draft, submit,
edit, the checks before submit, late and extended deadlines (frozen time), double
submit, and who may write (only the student, only their own report)."""

import datetime
import threading
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import translation

from reports.models import Allowance, Report, Revision
from reports.parsing import find_section
from tests.conftest import using_postgres
from tests.factories import AllowanceFactory, ReportFactory
from tests.pages.test_writing import FILLED

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Period 3 runs 2025-03-31 .. 2025-04-13, due 2025-04-14 23:59 Shanghai.
IN_PERIOD_3 = datetime.datetime(2025, 4, 10, 12, 0, tzinfo=SHANGHAI)
AFTER_DUE_3 = datetime.datetime(2025, 4, 15, 9, 0, tzinfo=SHANGHAI)
WRITE_3 = "/reports/write/camp/3/"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def alice(client, camp):
    client.force_login(camp.alice)
    return client


def post(client, action, body=FILLED, url=WRITE_3):
    return client.post(url, {"body": body, "action": action})


def report_of(camp, number=3):
    return Report.objects.filter(student=camp.alice, period=camp.period(number)).first()


@time_machine.travel(IN_PERIOD_3, tick=False)
def test_form_is_prefilled_from_template_profile_and_project(alice):
    page = alice.get(WRITE_3)
    assert page.status_code == 200
    body = page.context["form"].initial["body"]
    assert "### 姓名\n\nAlice\n" in body and "项目一：算子补全" in body
    assert 'data-preview-url="/reports/preview/"' in page.content.decode()


@time_machine.travel(IN_PERIOD_3, tick=False)
def test_a_new_report_starts_with_last_periods_plans_as_this_periods_work(alice, camp):
    plans = "1. **工作计划**\n\n    * 补全 `paddle.sub` 的单测\n    * 修文档"
    previous = FILLED.replace(find_section(FILLED, "下周工作").body, plans)
    ReportFactory(student=camp.alice, period=camp.period(2), body=previous)
    body = alice.get(WRITE_3).context["form"].initial["body"]
    this_period = find_section(body, "本周工作").body
    assert "补全 `paddle.sub` 的单测" in this_period and "修文档" in this_period
    assert "请在此描述本周完成的工作" not in this_period
    # The plans section itself starts from the template again.
    assert "请在此描述下周的工作计划" in find_section(body, "下周工作").body
    # Another student's plans are never carried over.
    ReportFactory(student=camp.bob, period=camp.period(3), body=previous)
    assert "paddle.sub" not in alice.get("/reports/write/camp/4/").context["form"].initial["body"]


@time_machine.travel(IN_PERIOD_3, tick=False)
def test_server_side_preview_renders_and_saves_nothing(alice, camp):
    page = post(alice, "preview", FILLED + "\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert page.status_code == 200
    assert "<table>" in str(page.context["preview"])
    assert "<li>完成了 <code>paddle.add</code> 的单测</li>" in str(page.context["preview"])
    assert report_of(camp) is None


@time_machine.travel(IN_PERIOD_3, tick=False)
def test_draft_then_submit_then_edit_keeps_history(alice, camp):
    response = post(alice, "draft", "### 本周工作\n\n半成品")
    assert response.status_code == 302 and response["Location"] == WRITE_3
    report = report_of(camp)
    assert report.status == Report.Status.DRAFT and report.revisions.count() == 1
    # the form now shows the draft, not the template
    assert alice.get(WRITE_3).context["form"].initial["body"] == "### 本周工作\n\n半成品"

    response = post(alice, "submit")
    report.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    assert report.status == Report.Status.SUBMITTED and report.submitted_at == IN_PERIOD_3
    assert report.body == FILLED

    with time_machine.travel(AFTER_DUE_3, tick=False):
        response = post(alice, "submit", FILLED.replace("继续补充文档", "补充中文文档"))
    report.refresh_from_db()
    assert response.status_code == 302
    assert report.submitted_at == IN_PERIOD_3, "an edit keeps the first submission time"
    assert list(report.revisions.order_by("created_at").values_list("created_at", flat=True)) == [
        IN_PERIOD_3,
        IN_PERIOD_3,
        AFTER_DUE_3,
    ]
    page = alice.get(response["Location"]).content.decode()
    assert "History (3 revisions)" in page and "Submitted on time" in page


@time_machine.travel(IN_PERIOD_3, tick=False)
def test_submitted_report_form_offers_save_changes_not_draft(alice, camp):
    post(alice, "submit")
    page = alice.get(WRITE_3).content.decode()
    assert 'value="draft"' not in page and "Save changes" in page
    # A "draft" post to a submitted report is checked like a submission, never un-submits.
    response = post(alice, "draft", FILLED.replace("Alice", ""))
    assert response.status_code == 200 and "Section “姓名” is empty." in response.content.decode()
    assert report_of(camp).is_submitted and report_of(camp).body == FILLED


@time_machine.travel(IN_PERIOD_3, tick=False)
def test_empty_required_sections_block_submit_with_a_message_each(alice, camp):
    untouched = alice.get(WRITE_3).context["form"].initial["body"]
    response = post(alice, "submit", untouched)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Section “本周工作” is empty." in page and "Section “下周工作” is empty." in page
    assert "Submit anyway" not in page, "errors cannot be overridden"
    assert report_of(camp) is None


@time_machine.travel(IN_PERIOD_3, tick=False)
def test_warnings_ask_once_then_submit_anyway(alice, camp):
    body = FILLED.replace("继续补充文档", "继续补充 xxx 的文档")
    response = post(alice, "submit", body)
    assert response.status_code == 200
    assert "Placeholder “xxx” left in section “下周工作”." in response.content.decode()
    assert 'value="submit_anyway"' in response.content.decode()
    assert report_of(camp) is None
    response = post(alice, "submit_anyway", body)
    assert response.status_code == 302 and report_of(camp).is_submitted


@time_machine.travel(AFTER_DUE_3, tick=False)
def test_submission_after_due_is_accepted_and_marked_late(alice, camp):
    response = post(alice, "submit")
    assert response.status_code == 302
    page = alice.get(response["Location"]).content.decode()
    assert (
        "Submitted late" in page
        and "2025-04-15 09:00" in page
        and "9\xa0hours, 1\xa0minute late" in page
    )


def test_extension_is_not_late_until_it_ends(client, camp):
    extended_to = datetime.datetime(2025, 4, 17, 23, 59, tzinfo=SHANGHAI)
    AllowanceFactory(
        student=camp.alice,
        period=camp.period(3),
        kind=Allowance.Kind.EXTENSION,
        extended_due_at=extended_to,
    )
    AllowanceFactory(
        student=camp.bob,
        period=camp.period(3),
        kind=Allowance.Kind.EXTENSION,
        extended_due_at=extended_to,
    )
    client.force_login(camp.alice)
    with time_machine.travel(AFTER_DUE_3, tick=False):
        response = post(client, "submit")
    page = client.get(response["Location"]).content.decode()
    assert "Submitted on time" in page and "2025-04-17 23:59" in page and "extended" in page

    client.force_login(camp.bob)
    with time_machine.travel(extended_to + datetime.timedelta(minutes=1), tick=False):
        response = post(client, "submit", FILLED.replace("Alice", "Bob"))
    assert Report.objects.get(student=camp.bob).submitted_at > extended_to
    assert "Submitted late" in client.get(response["Location"]).content.decode()


@time_machine.travel(IN_PERIOD_3, tick=False)
def test_future_period_takes_drafts_but_not_submissions(alice, camp):
    response = post(alice, "submit", url="/reports/write/camp/9/")
    assert response.status_code == 200
    assert "This period starts on 2025-06-23; submit from then on." in response.content.decode()
    assert post(alice, "draft", url="/reports/write/camp/9/").status_code == 302
    assert not report_of(camp, 9).is_submitted


@time_machine.travel(IN_PERIOD_3, tick=False)
def test_double_submit_leaves_one_report_and_one_revision(alice, camp):
    first, second = post(alice, "submit"), post(alice, "submit")
    assert first.status_code == second.status_code == 302
    assert Report.objects.filter(student=camp.alice).count() == 1
    assert report_of(camp).revisions.count() == 1


@pytest.mark.skipif(not using_postgres(), reason="real row locks need PostgreSQL")
@pytest.mark.parametrize("bodies", [(FILLED, FILLED), (FILLED, FILLED.replace("Alice", "Alice L"))])
def test_concurrent_submits_on_postgres_stay_one_report_with_consistent_history(
    transactional_camp, bodies
):
    camp = transactional_camp
    barrier = threading.Barrier(len(bodies))
    statuses = []

    def submit(body):
        try:
            client = Client()
            client.cookies["django_language"] = "en"
            client.force_login(camp.alice)
            barrier.wait()
            statuses.append(post(client, "submit", body).status_code)
        finally:
            connection.close()  # each thread has its own; the test database must drop

    threads = [threading.Thread(target=submit, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    report = Report.objects.get(student=camp.alice, period=camp.period(3))
    history = list(report.revisions.order_by("created_at", "id").values_list("body", flat=True))
    assert len(history) == len(set(bodies))
    assert report.body == history[-1] and report.status == Report.Status.SUBMITTED


@pytest.mark.parametrize("who", ["mentor_a", "ta", "outsider", "stranger", "admin"])
def test_only_students_of_the_cohort_reach_the_form(client, camp, who):
    client.force_login(getattr(camp, who))
    assert client.get(WRITE_3).status_code == 404
    assert post(client, "submit").status_code == 404
    assert not Report.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, camp):
    for response in (client.get(WRITE_3), post(client, "submit"), client.get("/reports/")):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Report.objects.exists()


@time_machine.travel(IN_PERIOD_3, tick=False)
def test_a_crafted_post_cannot_touch_someone_elses_report(alice, camp):
    bobs = ReportFactory(student=camp.bob, period=camp.period(3), body="bob's own")
    response = alice.post(
        WRITE_3,
        {"body": FILLED, "action": "submit", "student": camp.bob.pk, "report": bobs.pk},
    )
    assert response.status_code == 302
    bobs.refresh_from_db()
    assert bobs.body == "bob's own" and bobs.revisions.count() == 1
    assert report_of(camp).body == FILLED
    # another cohort's period, or one that does not exist
    assert post(alice, "submit", url="/reports/write/other/3/").status_code == 404
    assert post(alice, "submit", url="/reports/write/camp/99/").status_code == 404


@time_machine.travel(IN_PERIOD_3, tick=False)
def test_bad_input_changes_nothing(alice, camp):
    assert post(alice, "delete").status_code == 400
    too_long = post(alice, "submit", "x" * 50_001)
    assert too_long.status_code == 200 and too_long.context["form"].errors
    assert post(alice, "submit", "").context["form"].errors
    assert not Revision.objects.exists()


def test_preview_endpoint_returns_sanitised_html(alice):
    response = alice.post("/reports/preview/", {"body": "**hi** <script>alert(1)</script>"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert response.content.decode().strip() == "<p><strong>hi</strong> </p>"
    assert alice.get("/reports/preview/").status_code == 405
    assert alice.post("/reports/preview/", {"body": "x" * 50_001}).status_code == 400


def test_preview_needs_sign_in_and_csrf(camp):
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post("/reports/preview/", {"body": "hi"}).status_code in (302, 403)
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(camp.alice)
    assert signed_in.post("/reports/preview/", {"body": "hi"}).status_code == 403
