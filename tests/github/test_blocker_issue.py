"""A TA turns a blocker into an issue of the cohort's repository, through the
GitHub outbox (reports.github.writeback, kind blocker-issue): once, linked
both ways, and an attempt that landed unheard is adopted, not repeated."""

from __future__ import annotations

import datetime

from reports.models import Blocker, GitHubWrite
from reports.submissions import save_report
from tests.clients import signed_in
from tests.factories import complete_body
from tests.github.test_writeback import (  # noqa: F401 (fixtures)
    REPO,
    enqueued,
    fake_github,
    push,
    traveller,
    wb,
)

BODY = complete_body("1. 写了") + "\n### 当前阻塞\n\n- CI 的 GPU 机器排队三天\n"


def blocker_of(camp) -> Blocker:
    save_report(student=camp.alice, period=camp.period(1), body=BODY, submit=True)
    return Blocker.objects.get()


def test_a_ta_opens_an_issue_for_a_blocker_linked_both_ways(wb, fake_github, enqueued):  # noqa: F811
    blocker = blocker_of(wb)
    assert signed_in(wb.mentor_a).post(f"/blockers/item/{blocker.pk}/issue/").status_code == 403
    assert not GitHubWrite.objects.filter(kind=GitHubWrite.Kind.BLOCKER_ISSUE).exists()

    response = signed_in(wb.ta).post(f"/blockers/item/{blocker.pk}/issue/")
    assert response.status_code == 302
    (row,) = GitHubWrite.objects.filter(kind=GitHubWrite.Kind.BLOCKER_ISSUE)
    outcomes = push(wb)
    assert [o["action"] for o in outcomes if o["kind"] == "blocker-issue"] == ["created"]

    issues = [i for i in fake_github.repo(REPO).issues.values() if "GPU" in i["title"]]
    (issue,) = issues
    assert "CI 的 GPU 机器排队三天" in issue["body"]
    assert (
        f"https://camp.example.org/reports/{blocker.report_id}/#blocker-{blocker.pk}"
        in issue["body"]
    )
    blocker.refresh_from_db()
    assert (blocker.issue_number, blocker.issue_url) == (issue["number"], issue["html_url"])
    page = signed_in(wb.alice).get(f"/reports/{blocker.report_id}/").content.decode()
    assert issue["html_url"] in page

    # Asking again changes nothing: one row, one issue.
    signed_in(wb.ta).post(f"/blockers/item/{blocker.pk}/issue/")
    push(wb)
    assert GitHubWrite.objects.filter(kind=GitHubWrite.Kind.BLOCKER_ISSUE).count() == 1
    assert len([i for i in fake_github.repo(REPO).issues.values() if "GPU" in i["title"]]) == 1
    row.refresh_from_db()
    assert row.state == GitHubWrite.State.DONE


def test_an_issue_that_landed_unheard_is_adopted(wb, fake_github, enqueued):  # noqa: F811
    blocker = blocker_of(wb)
    fake_github.fail("POST", r"/issues$", 502, after_applying=True)
    signed_in(wb.ta).post(f"/blockers/item/{blocker.pk}/issue/")
    (first,) = [o for o in push(wb) if o["kind"] == "blocker-issue"]
    assert first["state"] == "pending"
    wb.traveller.shift(datetime.timedelta(minutes=3))
    (second,) = [o for o in push(wb) if o["kind"] == "blocker-issue"]
    assert second["action"] == "adopted"
    assert len([i for i in fake_github.repo(REPO).issues.values() if "GPU" in i["title"]]) == 1


def test_a_cohort_without_a_repository_opens_nothing(camp):
    blocker = blocker_of(camp)
    response = signed_in(camp.ta).post(f"/blockers/item/{blocker.pk}/issue/")
    assert response.status_code == 302
    assert not GitHubWrite.objects.exists()
