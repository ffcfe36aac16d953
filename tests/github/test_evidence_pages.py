"""Where evidence shows: the report page, the overview, exports, the API."""

from __future__ import annotations

import pytest
from django.utils import timezone

from reports.models import GitHubEvidence, ReferenceCheck
from reports.submissions import save_report

UPSTREAM = "PaddlePaddle/Paddle"


def item(number: int, title: str, state: str = "open", author: str = "alice") -> dict:
    return {
        "repo": UPSTREAM,
        "number": number,
        "title": title,
        "state": state,
        "url": f"https://github.com/{UPSTREAM}/pull/{number}",
        "author": author,
        "created_at": "2025-03-05T01:00:00Z",
        "merged_at": None,
        "closed_at": None,
    }


def evidence_for(
    student, period, *, opened=(), merged=(), reviewed=(), issues=()
) -> GitHubEvidence:
    return GitHubEvidence.objects.create(
        student=student,
        period=period,
        login=student.github_login,
        repositories=[UPSTREAM],
        prs_opened=list(opened),
        prs_merged=list(merged),
        reviews_given=list(reviewed),
        issues_opened=list(issues),
        prs_opened_count=len(opened),
        prs_merged_count=len(merged),
        reviews_given_count=len(reviewed),
        issues_opened_count=len(issues),
        fetched_at=timezone.now(),
    )


@pytest.fixture
def alices_report(camp):
    previous = save_report(
        student=camp.alice,
        period=camp.period(1),
        body="### 下周工作\n\n1. 补全 sin 算子\n2. 写文档\n",
        submit=True,
    ).report
    report = save_report(
        student=camp.alice,
        period=camp.period(2),
        body=f"### 本周工作\n\n1. 补全了 sin 算子 {UPSTREAM}#7\n2. 参考 {UPSTREAM}#9\n",
        submit=True,
    ).report
    evidence_for(
        camp.alice,
        camp.period(2),
        opened=[item(7, "Add sin")],
        merged=[item(7, "Add sin", "merged")],
        reviewed=[item(8, "Fix cos", author="bob")],
    )
    now = timezone.now()
    ReferenceCheck.objects.create(
        report=report,
        ref=f"{UPSTREAM}#7",
        url=item(7, "")["url"],
        kind="pull",
        state="merged",
        title="Add sin",
        author_login="alice",
        by_student=True,
        checked_at=now,
    )
    ReferenceCheck.objects.create(
        report=report,
        ref=f"{UPSTREAM}#9",
        url=item(9, "")["url"],
        kind="pull",
        state="open",
        title="Someone's",
        author_login="mentor-b",
        checked_at=now,
    )
    return previous, report


def test_the_report_page_shows_the_evidence_panel(client, camp, alices_report):
    _, report = alices_report
    client.force_login(camp.mentor_a)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "data-evidence" in page
    assert '<li data-count="prs_merged"><strong>1</strong>' in page
    assert f'href="https://github.com/{UPSTREAM}/pull/8"' in page
    assert "data-not-by-student" in page
    assert page.count("data-not-by-student") == 1
    # Last period's plan beside this period's work.
    assert "补全 sin 算子" in page and "写文档" in page


def test_the_panel_is_only_for_those_who_see_the_report(client, camp, alices_report):
    _, report = alices_report
    client.force_login(camp.outsider)
    assert client.get(f"/reports/{report.pk}/").status_code == 404


def test_a_report_without_evidence_says_so(client, camp, alices_report):
    previous, _ = alices_report
    client.force_login(camp.alice)
    page = client.get(f"/reports/{previous.pk}/").content.decode()
    assert "data-evidence" in page
    assert 'data-count="prs_merged"' not in page


def test_references_in_the_body_are_linked_to_the_students_repository(client, camp, alices_report):
    _, report = alices_report
    camp.project_a.repositories = ["PaddlePaddle/docs"]
    camp.project_a.save()
    report.body = "修复 #12，参考 PaddlePaddle/Paddle#9"
    report.save()
    client.force_login(camp.mentor_a)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert 'href="https://github.com/PaddlePaddle/docs/issues/12"' in page
    assert 'href="https://github.com/PaddlePaddle/Paddle/issues/9"' in page


def test_without_tracked_repositories_a_bare_number_stays_text(client, camp, alices_report):
    _, report = alices_report
    report.body = "修复 #12"
    report.save()
    client.force_login(camp.mentor_a)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "/issues/12" not in page


def test_the_review_workspace_shows_the_evidence_beside_the_report(client, camp, alices_report):
    _, report = alices_report
    client.force_login(camp.mentor_a)
    page = client.get(f"/admin/reports/report/{report.pk}/review/").content.decode()
    assert "data-evidence" in page
    assert '<li data-count="prs_merged"><strong>1</strong>' in page
    assert page.count("data-not-by-student") == 1
    # Last period's plan is the workspace's own, shown once.
    assert "data-plan" not in page and page.count("写文档") == 1
    assert "{#" not in page and "hide_plan" not in page  # no template text leaks
