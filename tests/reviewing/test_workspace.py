"""The review workspace and the queue, through HTTP: who may open it, what it
shows, saving (a verdict is required), Save and next through the same queue,
and the queue's default filter matching the home page's count."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import translation

from reports.models import Report, Review, Revision
from tests.clients import signed_in
from tests.factories import ReportFactory, ReviewFactory

NOW = datetime.datetime(2025, 3, 25, 12, 0, tzinfo=datetime.UTC)
QUEUE = "/admin/reports/report/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


def url(report: Report, filters: str = "") -> str:
    query = f"?_changelist_filters={filters}" if filters else ""
    return f"/admin/reports/report/{report.pk}/review/{query}"


@pytest.fixture
def waiting(camp):
    """alice's and bob's reports of period 1 wait (bob longest), carol's is
    approved, alice's period 2 waits again after a change (resubmitted)."""
    p1, p2 = camp.period(1), camp.period(2)
    bob = ReportFactory(
        student=camp.bob, period=p1, submitted_at=p1.due_at - datetime.timedelta(days=2)
    )
    alice = ReportFactory(student=camp.alice, period=p1)
    carol = ReportFactory(student=camp.carol, period=p1)
    ReviewFactory(report=carol, mentor=camp.mentor_b, verdict="approved")
    alice2 = ReportFactory(
        student=camp.alice,
        period=p2,
        submitted_at=NOW - datetime.timedelta(days=3),
        body="### 本周工作\n\n- 旧\n",
    )
    review = ReviewFactory(report=alice2, mentor=camp.mentor_a, verdict="needs_changes")
    Revision.objects.create(
        report=alice2,
        body="### 本周工作\n\n- 新\n",
        source="web",
        created_at=review.created_at + datetime.timedelta(hours=1),
    )
    Report.objects.filter(pk=alice2.pk).update(body="### 本周工作\n\n- 新\n")
    alice2.refresh_from_db()
    return {"bob": bob, "alice": alice, "carol": carol, "alice2": alice2}


def listed(response) -> list[int]:
    return [report.pk for report in response.context["cl"].result_list]


def test_the_queue_shows_what_waits_oldest_first_and_matches_the_home_page(camp, waiting):
    ta = signed_in(camp.ta)
    response = ta.get(QUEUE)
    assert listed(response) == [waiting[n].pk for n in ["bob", "alice", "alice2"]]
    home = ta.get("/").content.decode()
    assert "3 reports wait for review" in home
    link = f'href="{QUEUE}?review=waiting&amp;period__cohort__id__exact={camp.cohort.pk}"'
    assert link in home
    assert listed(
        ta.get(QUEUE, {"review": "waiting", "period__cohort__id__exact": camp.cohort.pk})
    ) == listed(response)
    # mentor_a mentors alice and bob: the same count on both pages.
    mentor = signed_in(camp.mentor_a)
    assert len(listed(mentor.get(QUEUE))) == 3
    assert "3 reports wait for review" in mentor.get("/").content.decode()
    mentor_b = signed_in(camp.mentor_b)
    assert listed(mentor_b.get(QUEUE)) == [waiting["bob"].pk]
    assert "1 report waits for review" in mentor_b.get("/").content.decode()


def test_the_queue_filters_read_in_both_languages(camp, waiting):
    ReportFactory(student=camp.outsider, period=camp.other_cohort.periods.get(number=1))
    content = signed_in(camp.admin).get(QUEUE).content.decode()
    for title in ["cohort", "period", "project", "review status", "late", "source"]:
        assert f"By {title}" in content
    client = signed_in(camp.admin)
    client.cookies["django_language"] = "zh-hans"
    content = client.get(QUEUE).content.decode()
    for title in ["营期", "周期", "项目", "点评状态", "迟交", "来源"]:
        assert f"按{title}" in content
    assert "以 " not in content


def test_resubmitted_filter_and_column(camp, waiting):
    response = signed_in(camp.ta).get(QUEUE, {"review": "resubmitted"})
    assert listed(response) == [waiting["alice2"].pk]
    assert "Resubmitted" in response.content.decode()


@pytest.mark.parametrize("who", ["alice", "bob", "outsider", "other_ta", "mentor_b"])
def test_who_may_not_open_the_workspace(camp, waiting, who):
    response = signed_in(getattr(camp, who)).get(url(waiting["alice"]))
    if who in ("alice", "bob", "outsider"):
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    else:
        assert response.status_code == 404


def test_the_workspace_shows_the_report_the_plan_the_diff_and_the_conversation(camp, waiting):
    Report.objects.filter(pk=waiting["alice"].pk).update(
        body="### 本周工作\n\n- 做了 A\n\n### 下周工作\n\n- 计划做 B\n"
    )
    response = signed_in(camp.mentor_a).get(url(waiting["alice2"]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "计划做 B" in content  # last period's plan
    assert 'class="diff-remove">-- 旧' in content and 'class="diff-add">+- 新' in content
    assert "data-review-form" in content and "data-evidence" in content
    assert 'data-entry="review"' in content and 'data-entry="resubmitted"' in content
    assert "data-lint" in content  # the body lacks required sections


def test_save_with_nothing_records_nothing_and_says_so(camp, waiting):
    mentor = signed_in(camp.mentor_a)
    response = mentor.post(
        url(waiting["alice"]), {"action": "save_next", "verdict": "", "body": ""}
    )
    assert response.status_code == 200
    assert "a review needs one" in response.content.decode()
    assert not Review.objects.filter(report=waiting["alice"]).exists()
    response = mentor.post(url(waiting["alice"]), {"action": "save", "body": "looks fine"})
    assert "a review needs one" in response.content.decode()
    assert not Review.objects.filter(report=waiting["alice"]).exists()


def test_save_and_next_walks_the_queue_oldest_first(camp, waiting):
    mentor = signed_in(camp.mentor_a)
    filters = "review%3Dwaiting"
    response = mentor.post(
        url(waiting["bob"], filters), {"action": "save_next", "verdict": "approved", "body": "ok"}
    )
    assert response.status_code == 302
    assert response["Location"] == url(waiting["alice"], filters)
    response = mentor.post(url(waiting["alice"], filters), {"action": "approve_next"})
    assert response["Location"] == url(waiting["alice2"], filters)
    response = mentor.post(
        url(waiting["alice2"], filters),
        {"action": "save_next", "verdict": "needs_changes", "body": "again"},
    )
    # The last one: back to the (now empty) queue.
    assert response["Location"] == f"{QUEUE}?review=waiting"
    assert listed(mentor.get(QUEUE)) == []
    verdicts = dict(Review.objects.filter(mentor=camp.mentor_a).values_list("report_id", "verdict"))
    assert verdicts[waiting["bob"].pk] == "approved"
    assert verdicts[waiting["alice"].pk] == "approved"


def test_j_and_k_links_follow_the_queue(camp, waiting):
    content = signed_in(camp.ta).get(url(waiting["alice"])).content.decode()
    assert (
        f'href="/admin/reports/report/{waiting["bob"].pk}/review/?_changelist_filters=review%3Dwaiting" rel="prev"'
        in content
    )
    assert (
        f'href="/admin/reports/report/{waiting["alice2"].pk}/review/?_changelist_filters=review%3Dwaiting" rel="next"'
        in content
    )


def test_queue_rows_open_the_workspace_with_the_queues_filters(camp, waiting):
    content = signed_in(camp.ta).get(QUEUE, {"review": "waiting"}).content.decode()
    assert (
        f'href="/admin/reports/report/{waiting["bob"].pk}/review/?_changelist_filters=review%3Dwaiting"'
        in content
    )


def test_a_peer_cannot_review_through_the_workspace(camp, waiting):
    # mentor_b does not mentor alice: the report is not in their scope at all.
    response = signed_in(camp.mentor_b).post(url(waiting["alice"]), {"action": "approve_next"})
    assert response.status_code == 404
    assert not Review.objects.filter(report=waiting["alice"], mentor=camp.mentor_b).exists()


def test_the_change_page_with_nothing_says_nothing_was_saved(camp, waiting):
    mentor = signed_in(camp.mentor_a)
    response = mentor.post(
        f"/admin/reports/report/{waiting['alice'].pk}/change/",
        {
            "new_review-TOTAL_FORMS": "1",
            "new_review-INITIAL_FORMS": "0",
            "new_review-MIN_NUM_FORMS": "0",
            "new_review-MAX_NUM_FORMS": "1",
            "new_review-0-verdict": "",
            "new_review-0-body": "",
            **{
                f"{inline}-{field}": "0"
                for inline in ["reviews", "revisions"]
                for field in ["TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"]
            },
        },
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["Nothing saved: a review needs a verdict."]
    assert not Review.objects.filter(report=waiting["alice"]).exists()
