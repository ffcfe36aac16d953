"""Mentors review in the admin: the permission matrix over every admin door,
the queue (columns, order, filters, query count), reviewing and the LGTM action."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.models import Allowance, Report, Review, Revision, Source
from reports.reviews import MAX_REVIEW_LENGTH, add_review, approve_reports
from reports.status import State, report_state
from tests.clients import signed_in
from tests.factories import AllowanceFactory, ReportFactory, ReviewFactory, UserFactory

NOW = datetime.datetime(2025, 3, 25, 12, 0, tzinfo=datetime.UTC)
# The queue shows what waits for review unless told to show everything.
ALL = {"review": "all"}
PEOPLE = ["alice", "mentor_a", "mentor_b", "ta", "other_ta", "admin"]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def reports(camp):
    period = camp.period(1)
    return {
        "alice": ReportFactory(
            student=camp.alice, period=period, body="### 本周工作\n\n- **算子**"
        ),
        "bob": ReportFactory(student=camp.bob, period=period),
        "carol": ReportFactory(student=camp.carol, period=period),
        "alice_draft": ReportFactory(student=camp.alice, period=camp.period(2), status="draft"),
        "outsider": ReportFactory(
            student=camp.outsider, period=camp.other_cohort.periods.get(number=1)
        ),
    }


def db_state():
    return (
        sorted(Review.objects.values_list("report_id", "mentor_id", "verdict", "body")),
        sorted(Report.objects.values_list("pk", "body", "status")),
        Revision.objects.count(),
    )


def change_url(report):
    return reverse("admin:reports_report_change", args=[report.pk])


def review_post(verdict="approved", body="很好", **extra):
    data = {
        "new_review-TOTAL_FORMS": "1",
        "new_review-INITIAL_FORMS": "0",
        "new_review-MIN_NUM_FORMS": "0",
        "new_review-MAX_NUM_FORMS": "1",
        "new_review-0-verdict": verdict,
        "new_review-0-body": body,
        "reviews-TOTAL_FORMS": "0",
        "reviews-INITIAL_FORMS": "0",
        "reviews-MIN_NUM_FORMS": "0",
        "reviews-MAX_NUM_FORMS": "0",
        "revisions-TOTAL_FORMS": "0",
        "revisions-INITIAL_FORMS": "0",
        "revisions-MIN_NUM_FORMS": "0",
        "revisions-MAX_NUM_FORMS": "0",
    }
    data.update(extra)
    return data


def listed(response) -> set[int]:
    return {report.pk for report in response.context["cl"].result_list}


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/admin/login/" in response["Location"]


# --- the permission matrix -------------------------------------------------------------


CHANGELIST_SEES = {
    "mentor_a": {"alice", "bob"},
    "mentor_b": {"bob", "carol"},
    "ta": {"alice", "bob", "carol"},
    "other_ta": {"outsider"},
    "admin": {"alice", "bob", "carol", "alice_draft", "outsider"},
}


@pytest.mark.parametrize("who", PEOPLE)
def test_changelist(client, camp, reports, who):
    response = signed_in(getattr(camp, who), client, language=None).get(
        reverse("admin:reports_report_changelist"), ALL
    )
    if who == "alice":
        assert is_login_redirect(response)
        return
    assert response.status_code == 200
    assert listed(response) == {reports[name].pk for name in CHANGELIST_SEES[who]}


@pytest.mark.parametrize("who", PEOPLE)
def test_search_stays_in_scope(client, camp, reports, who):
    if who == "alice":
        return
    response = signed_in(getattr(camp, who), client, language=None).get(
        reverse("admin:reports_report_changelist"), {"q": "carol", **ALL}
    )
    expected = {reports["carol"].pk} if "carol" in CHANGELIST_SEES[who] else set()
    assert listed(response) == expected


# who: status code on alice's submitted report
CHANGE_PAGE = {
    "alice": 302,
    "mentor_a": 200,
    "mentor_b": 404,
    "ta": 200,
    "other_ta": 404,
    "admin": 200,
}


@pytest.mark.parametrize("who", PEOPLE)
def test_change_page(client, camp, reports, who):
    response = signed_in(getattr(camp, who), client, language=None).get(
        change_url(reports["alice"])
    )
    assert response.status_code == CHANGE_PAGE[who]
    if response.status_code == 200:
        content = response.content.decode()
        assert "<h3>本周工作</h3>" in content and "<strong>算子</strong>" in content


@pytest.mark.parametrize("who", PEOPLE)
def test_history(client, camp, reports, who):
    url = reverse("admin:reports_report_history", args=[reports["alice"].pk])
    response = signed_in(getattr(camp, who), client, language=None).get(url)
    assert response.status_code == CHANGE_PAGE[who]


@pytest.mark.parametrize("who", PEOPLE)
def test_review_post(client, camp, reports, who):
    user = getattr(camp, who)
    before = db_state()
    # A crafted form that claims to be by mentor_b: the review is still the signer's.
    response = signed_in(user, client, language=None).post(
        change_url(reports["alice"]), review_post(**{"new_review-0-mentor": camp.mentor_b.pk})
    )
    if CHANGE_PAGE[who] != 200:
        assert response.status_code == CHANGE_PAGE[who]
        assert db_state() == before
        return
    assert response.status_code == 302
    review = Review.objects.get(report=reports["alice"])
    assert (review.mentor, review.verdict, review.body, review.source) == (
        user,
        "approved",
        "很好",
        Source.ADMIN,
    )
    assert review.created_at == NOW


def test_review_post_on_a_draft_adds_nothing(client, camp, reports):
    before = db_state()
    response = signed_in(camp.admin, client, language=None).post(
        change_url(reports["alice_draft"]), review_post()
    )
    assert response.status_code == 403
    assert db_state() == before


def test_oversized_review_is_refused_with_a_message(client, camp, reports):
    before = db_state()
    response = signed_in(camp.mentor_a, client, language=None).post(
        change_url(reports["alice"]), review_post(body="长" * (MAX_REVIEW_LENGTH + 1))
    )
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][1].formset.errors[0]["body"]
    assert db_state() == before


def test_mentor_cannot_change_the_report_body(client, camp, reports):
    before = db_state()
    data = review_post(body="", verdict="")
    data.update({"body": "改掉", "status": "draft", "submitted_at": ""})
    response = signed_in(camp.mentor_a, client, language=None).post(
        change_url(reports["alice"]), data
    )
    assert response.status_code == 302
    assert db_state() == before


def test_inline_post_cannot_edit_an_existing_review(client, camp, reports):
    theirs = ReviewFactory(report=reports["bob"], mentor=camp.mentor_b, body="原文")
    before = db_state()
    data = review_post(body="", verdict="")
    data.update(
        {
            "reviews-TOTAL_FORMS": "1",
            "reviews-INITIAL_FORMS": "1",
            "reviews-0-id": theirs.pk,
            "reviews-0-report": reports["bob"].pk,
            "reviews-0-verdict": "needs_changes",
            "reviews-0-body": "改写别人的点评",
            "reviews-0-DELETE": "on",
        }
    )
    response = signed_in(camp.mentor_a, client, language=None).post(
        change_url(reports["bob"]), data
    )
    assert response.status_code == 302
    assert db_state() == before
    # The same through the new-review form, posing as an existing row.
    data = review_post(body="改写别人的点评", verdict="needs_changes")
    data.update({"new_review-INITIAL_FORMS": "1", "new_review-0-id": theirs.pk})
    client.post(change_url(reports["bob"]), data)
    assert db_state() == before


# who: reports the LGTM action approves when alice's, carol's and outsider's are selected
BULK_APPROVES = {
    "alice": set(),
    "mentor_a": {"alice"},
    "mentor_b": {"carol"},
    "ta": {"alice", "carol"},
    "other_ta": {"outsider"},
    "admin": {"alice", "carol", "outsider"},
}


@pytest.mark.parametrize("who", PEOPLE)
def test_bulk_action(client, camp, reports, who):
    user = getattr(camp, who)
    selected = [reports[name].pk for name in ["alice", "carol", "outsider"]]
    before = db_state()
    response = signed_in(user, client, language=None).post(
        reverse("admin:reports_report_changelist"),
        {"action": "approve_selected", ACTION_CHECKBOX_NAME: selected, "index": "0"},
    )
    if who == "alice":
        assert is_login_redirect(response)
        assert db_state() == before
        return
    assert response.status_code == 302
    approved = set(
        Review.objects.filter(mentor=user, verdict="approved").values_list("report_id", flat=True)
    )
    assert approved == {reports[name].pk for name in BULK_APPROVES[who]}


# who: status of GET and POST on alice's report's delete page
DELETE = {"alice": 302, "mentor_a": 403, "mentor_b": 404, "ta": 403, "other_ta": 404, "admin": 200}


@pytest.mark.parametrize("who", PEOPLE)
def test_delete(client, camp, reports, who):
    url = reverse("admin:reports_report_delete", args=[reports["alice"].pk])
    client = signed_in(getattr(camp, who), client, language=None)
    assert client.get(url).status_code == DELETE[who]
    before = db_state()
    response = client.post(url, {"post": "yes"})
    if who == "admin":
        assert response.status_code == 302
        assert not Report.objects.filter(pk=reports["alice"].pk).exists()
    else:
        assert response.status_code == DELETE[who]
        assert db_state() == before


AUTOCOMPLETE_SEES = {
    "mentor_a": {"alice", "bob"},
    "mentor_b": {"bob", "carol"},
    "ta": {"alice", "bob", "carol"},
    "other_ta": {"outsider"},
    "admin": {"alice", "bob", "carol", "alice_draft", "outsider"},
}


@pytest.mark.parametrize("who", PEOPLE)
def test_report_autocomplete(client, camp, reports, who):
    response = signed_in(getattr(camp, who), client, language=None).get(
        reverse("admin:autocomplete"),
        {"app_label": "reports", "model_name": "review", "field_name": "report", "term": ""},
    )
    if who == "alice":
        assert is_login_redirect(response)
        return
    assert response.status_code == 200
    ids = {int(result["id"]) for result in response.json()["results"]}
    assert ids == {reports[name].pk for name in AUTOCOMPLETE_SEES[who]}


def test_nobody_but_the_superuser_edits_or_deletes_a_review(client, camp, reports):
    theirs = ReviewFactory(report=reports["bob"], mentor=camp.mentor_b, body="原文")
    out_of_scope = ReviewFactory(report=reports["carol"], mentor=camp.mentor_b)
    client = signed_in(camp.mentor_a, client, language=None)
    change = reverse("admin:reports_review_change", args=[theirs.pk])
    delete = reverse("admin:reports_review_delete", args=[theirs.pk])
    before = db_state()
    assert client.get(change).status_code == 200  # read-only view
    assert client.post(change, {"verdict": "comment", "body": "改"}).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert (
        client.get(reverse("admin:reports_review_change", args=[out_of_scope.pk])).status_code
        == 404
    )
    assert db_state() == before
    admin_client = signed_in(camp.admin, client, language=None)
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not Review.objects.filter(pk=theirs.pk).exists()


def test_review_added_from_the_review_admin_is_the_signers(client, camp, reports):
    add = reverse("admin:reports_review_add")
    client = signed_in(camp.mentor_a, client, language=None)
    response = client.post(
        add, {"report": reports["alice"].pk, "verdict": "needs_changes", "body": "补充"}
    )
    assert response.status_code == 302
    review = Review.objects.get(report=reports["alice"])
    assert (review.mentor, review.verdict) == (camp.mentor_a, "needs_changes")
    before = db_state()
    response = client.post(add, {"report": reports["carol"].pk, "verdict": "approved"})
    assert response.status_code == 200  # form error: not a choice for this mentor
    assert db_state() == before


def test_student_and_stranger_have_no_admin(client, camp, reports):
    for user in [camp.alice, camp.stranger, camp.outsider]:
        assert not user.is_staff
        assert is_login_redirect(signed_in(user, client, language=None).get("/admin/"))


def test_mentors_do_not_see_other_admin_models(client, camp, reports):
    client = signed_in(camp.mentor_a, client, language=None)
    assert client.get(reverse("admin:camp_user_changelist")).status_code == 403
    assert client.get(reverse("admin:reports_period_changelist")).status_code == 403
    assert client.get(reverse("admin:reports_allowance_changelist")).status_code == 403


@pytest.mark.django_db
def test_group_permissions_are_exactly_what_reviewing_needs():
    def perms(name):
        return set(
            Group.objects.get(name=name).permissions.values_list(
                "content_type__app_label", "codename"
            )
        )

    assert perms("Mentors") == {
        ("reports", "view_report"),
        ("reports", "view_revision"),
        ("reports", "view_review"),
        ("reports", "add_review"),
    }
    tas = perms("TAs")
    assert {("reports", "add_review"), ("reports", "change_allowance")} <= tas
    assert ("reports", "change_review") not in tas
    assert not {codename for _, codename in tas if codename.endswith("_report")} - {"view_report"}


# --- the queue ----------------------------------------------------------------------------


def test_queue_columns_and_order(client, camp, reports):
    period = camp.period(1)
    # carol waited longest, bob is late (after due), alice is reviewed.
    Report.objects.filter(pk=reports["carol"].pk).update(
        submitted_at=period.due_at - datetime.timedelta(days=3)
    )
    Report.objects.filter(pk=reports["bob"].pk).update(
        submitted_at=period.due_at + datetime.timedelta(days=1)
    )
    ReviewFactory(report=reports["alice"], mentor=camp.mentor_a, verdict="needs_changes")
    response = signed_in(camp.ta, client, language=None).get(
        reverse("admin:reports_report_changelist"), ALL
    )
    rows = list(response.context["cl"].result_list)
    assert [r.pk for r in rows] == [reports[n].pk for n in ["carol", "bob", "alice"]]
    content = response.content.decode()
    assert "项目一：算子补全" in content and "项目二：文档建设" in content
    carol, bob, alice = rows
    assert not carol.is_late and bob.is_late
    assert content.count('class="late-badge"') == 1
    admin = response.context["cl"].model_admin
    assert admin.days_waiting(carol) == (NOW - carol.submitted_at).days
    assert admin.days_waiting(alice) == "-"
    assert str(admin.review_status(alice)) == str(Review.Verdict.NEEDS_CHANGES.label)


def test_extension_is_not_late(client, camp, reports):
    period = camp.period(1)
    Report.objects.filter(pk=reports["bob"].pk).update(
        submitted_at=period.due_at + datetime.timedelta(days=1)
    )
    AllowanceFactory(
        student=camp.bob,
        period=period,
        kind=Allowance.Kind.EXTENSION,
        extended_due_at=period.due_at + datetime.timedelta(days=2),
    )
    response = signed_in(camp.ta, client, language=None).get(
        reverse("admin:reports_report_changelist"), {"late": "yes"}
    )
    assert listed(response) == set()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"review": "unreviewed"}, {"bob", "carol"}),
        ({"review": "approved"}, {"alice"}),
        ({"late": "yes"}, {"carol"}),
        ({"late": "no"}, {"alice", "bob"}),
        ({"source": "github-comment"}, {"bob"}),
        ({"q": "Carol"}, {"carol"}),
        ({"q": "mentor"}, set()),
    ],
)
def test_queue_filters(client, camp, reports, params, expected):
    ReviewFactory(report=reports["alice"], mentor=camp.mentor_a)
    Report.objects.filter(pk=reports["bob"].pk).update(source=Source.GITHUB_COMMENT)
    Report.objects.filter(pk=reports["carol"].pk).update(
        submitted_at=camp.period(1).due_at + datetime.timedelta(minutes=1)
    )
    response = signed_in(camp.ta, client, language=None).get(
        reverse("admin:reports_report_changelist"), {**ALL, **params}
    )
    assert listed(response) == {reports[name].pk for name in expected}


def test_project_cohort_and_period_filters(client, camp, reports):
    carol_later = ReportFactory(student=camp.carol, period=camp.period(2))
    client = signed_in(camp.ta, client, language=None)
    url = reverse("admin:reports_report_changelist")
    assert listed(client.get(url, {"project": camp.project_b.pk, **ALL})) == {
        reports["carol"].pk,
        carol_later.pk,
    }
    assert listed(client.get(url, {"period__id__exact": camp.period(2).pk, **ALL})) == {
        carol_later.pk
    }
    admin_client = signed_in(camp.admin, client, language=None)
    assert listed(
        admin_client.get(url, {"period__cohort__id__exact": camp.other_cohort.pk, **ALL})
    ) == {reports["outsider"].pk}
    # Filter choices never name what is out of scope.
    content = signed_in(camp.mentor_b, client, language=None).get(url).content.decode()
    assert "项目二：文档建设" in content and "Other camp" not in content


def test_changelist_query_count_does_not_grow_with_rows(client, camp):
    period = camp.period(1)

    def queries_for(count: int) -> int:
        Report.objects.all().delete()
        for n in range(count):
            student = UserFactory(username=f"s{count}-{n}")
            camp.cohort.memberships.create(user=student, role="student", project=camp.project_a)
            camp.cohort.mentorships.create(student=student, mentor=camp.mentor_a)
            report = ReportFactory(student=student, period=period)
            if n % 2:
                ReviewFactory(report=report, mentor=camp.mentor_a)
        signed_in(camp.mentor_a, client, language=None)
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("admin:reports_report_changelist"), ALL)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == count
        return len(context.captured_queries)

    assert queries_for(3) == queries_for(30)


# --- the domain functions ------------------------------------------------------------------


def test_add_review_refuses_who_may_not_review(camp, reports):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        add_review(reports["carol"], camp.mentor_a, "好", "approved")
    with pytest.raises(PermissionDenied):
        add_review(reports["alice_draft"], camp.admin, "好", "approved")
    with pytest.raises(ValidationError):
        add_review(reports["alice"], camp.mentor_a, "好", "maybe")
    assert not Review.objects.exists()


def test_approve_reports_counts_and_skips_already_approved(camp, reports):
    ReviewFactory(report=reports["bob"], mentor=camp.mentor_b, verdict="approved")
    selected = Report.objects.filter(pk__in=[reports[n].pk for n in ["alice", "bob", "carol"]])
    reviewed, skipped = approve_reports(camp.mentor_a, selected)
    assert {r.report_id for r in reviewed} == {reports["alice"].pk}
    assert {r.pk for r in skipped} == {reports["bob"].pk, reports["carol"].pk}
    assert approve_reports(camp.mentor_a, selected)[0] == []  # rerun adds nothing


def test_student_state_follows_the_review(client, camp, reports):
    report = reports["alice"]
    period = report.period

    def state():
        verdict = (
            Review.objects.filter(report=report)
            .order_by("-created_at", "-id")
            .values_list("verdict", flat=True)
            .first()
        )
        return report_state(period=period, report=report, allowance=None, verdict=verdict, now=NOW)

    assert state() == State.ON_TIME
    signed_in(camp.mentor_a, client, language=None).post(
        change_url(report), review_post("needs_changes")
    )
    assert state() == State.NEEDS_CHANGES
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        client.post(change_url(report), review_post("approved"))
    assert state() == State.REVIEWED


def test_bulk_action_says_how_many_it_reviewed_and_skipped(client, camp, reports):
    ReviewFactory(report=reports["bob"], mentor=camp.mentor_b, verdict="approved")
    client = signed_in(camp.ta, client, language=None)
    selected = [reports[name].pk for name in ["alice", "bob", "carol"]]
    # The whole list: an action applies to the selected rows the list shows.
    url = reverse("admin:reports_report_changelist") + "?review=all"
    for language, expected in [
        ("en", "Approved 2 reports. Skipped 1 (already approved or not yours to review)."),
        ("zh-hans", "已通过 0 份周报。 跳过 3 份（已通过，或不归你点评）。"),
    ]:
        client.post("/i18n/setlang/", {"language": language, "next": url})
        response = client.post(
            url,
            {"action": "approve_selected", ACTION_CHECKBOX_NAME: selected, "index": "0"},
            follow=True,
        )
        assert [str(message) for message in response.context["messages"]] == [expected]


@pytest.mark.parametrize("who", ["mentor_a", "mentor_b", "ta", "other_ta", "admin"])
def test_review_list_is_scoped(client, camp, reports, who):
    reviews = {
        name: ReviewFactory(report=reports[name], mentor=camp.admin)
        for name in ["alice", "carol", "outsider"]
    }
    response = signed_in(getattr(camp, who), client, language=None).get(
        reverse("admin:reports_review_changelist")
    )
    assert response.status_code == 200
    expected = {name for name in reviews if name in CHANGELIST_SEES[who]}
    assert {r.pk for r in response.context["cl"].result_list} == {
        reviews[name].pk for name in expected
    }
