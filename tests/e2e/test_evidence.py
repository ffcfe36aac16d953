"""Evidence in the browser: the report page's panel of GitHub activity, and the
overview's merged counts and quiet students (screenshots kept)."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from reports.demo import seed_demo
from reports.models import GitHubEvidence, ReferenceCheck, Report
from reports.periods import current_period
from tests.e2e.conftest import sign_in

UPSTREAM = "PaddlePaddle/Paddle"


def item(number: int, title: str, login: str, state: str) -> dict:
    return {
        "repo": UPSTREAM,
        "number": number,
        "title": title,
        "state": state,
        "url": f"https://github.com/{UPSTREAM}/pull/{number}",
        "author": login,
        "created_at": "2025-03-05T01:00:00Z",
        "merged_at": None,
        "closed_at": None,
    }


@pytest.fixture
def demo(transactional_db):
    cohort = seed_demo(students=24, mentors=5, periods=10, password="pw").cohort
    cohort.repositories = [UPSTREAM]
    cohort.save()
    rng = random.Random(19)
    now = timezone.now()
    current = current_period(cohort, now)
    submitted_now = set(
        Report.objects.filter(period=current, status=Report.Status.SUBMITTED).values_list(
            "student_id", flat=True
        )
    )
    quiet = []
    rows = []
    number = 40000
    for membership in cohort.memberships.filter(role="student").select_related("user"):
        student = membership.user
        for period in cohort.periods.filter(number__lte=current.number):
            silent = period == current and student.pk not in submitted_now and len(quiet) < 2
            if silent:
                quiet.append(student.github_login)
            counts = [0, 0, 0, 0] if silent else [rng.randint(0, 3) for _ in range(4)]
            if period == current and not silent:
                counts[0] = max(counts[0], 1)  # only the two chosen ones are quiet
            opened = []
            for _ in range(counts[0]):
                number += 1
                opened.append(
                    item(number, f"[PIR] 补全算子 {number}", student.github_login, "open")
                )
            merged = [dict(i, state="merged") for i in opened[: counts[1]]]
            rows.append(
                GitHubEvidence(
                    student=student,
                    period=period,
                    login=student.github_login,
                    repositories=[UPSTREAM],
                    prs_opened=opened,
                    prs_merged=merged,
                    prs_opened_count=len(opened),
                    prs_merged_count=len(merged),
                    reviews_given_count=counts[2],
                    issues_opened_count=counts[3],
                    final=period != current,
                    fetched_at=now,
                )
            )
    GitHubEvidence.objects.bulk_create(rows)
    return cohort, quiet


def test_report_page_panel_and_overview(page, demo, screenshot_dir):
    cohort, quiet = demo
    assert len(quiet) == 2
    evidence = (
        GitHubEvidence.objects.filter(period__cohort=cohort, prs_merged_count__gt=0)
        .exclude(period=current_period(cohort))
        .order_by("period__number", "student__username")
    )
    report = next(
        r
        for e in evidence
        if (
            r := Report.objects.filter(
                student=e.student, period=e.period, status="submitted"
            ).first()
        )
    )
    own = GitHubEvidence.objects.get(student=report.student, period=report.period).prs_merged[0]
    report.body += f"\n合入了 #{own['number']}，参考 {UPSTREAM}#123 与 {UPSTREAM}#99999\n"
    report.save()
    now = timezone.now()
    for ref, values in {
        f"{UPSTREAM}#{own['number']}": {"kind": "pull", "state": "merged", "by_student": True},
        f"{UPSTREAM}#123": {"kind": "pull", "state": "open", "author_login": "someone"},
        f"{UPSTREAM}#99999": {"state": "missing"},
    }.items():
        ReferenceCheck.objects.create(
            report=report,
            ref=ref,
            url=f"https://github.com/{UPSTREAM}/issues/{ref.split('#')[1]}",
            title="[PIR] 补全算子" if values.get("kind") else "",
            checked_at=now,
            **values,
        )

    sign_in(page, "ta")
    page.goto(f"/reports/{report.pk}/")
    panel = page.locator("[data-evidence]")
    assert panel.is_visible()
    assert panel.locator("[data-not-by-student]").count() == 1
    assert page.locator(f'.report-body a[href$="/issues/{own["number"]}"]').count() == 1
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "evidence-report-panel.png"), full_page=True)

    page.goto(f"/overview/{cohort.slug}/")
    assert page.locator("table.matrix [data-quiet]").count() == 2
    assert page.locator("table.matrix [data-merged]").count() > 10
    page.screenshot(path=str(screenshot_dir / "evidence-overview.png"), full_page=True)

    page.check("input[name=quiet]")
    page.wait_for_url("**quiet=on**")
    logins = page.locator("table.matrix tbody th[scope=row] .login").all_inner_texts()
    assert sorted(login.lstrip("@") for login in logins) == sorted(quiet)
    page.screenshot(path=str(screenshot_dir / "evidence-overview-quiet.png"), full_page=True)
