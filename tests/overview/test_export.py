"""export_reports: every report of a cohort, CSV or JSON, with lateness and review."""

import csv
import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reports.models import Review, Revision
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
        "state": "needs_changes",
    }
    assert records[1]["late"] is True and records[1]["reviewed"] is False
    assert records[1]["state"] == "late"
    assert records[2]["late"] is False, "an extension moves the deadline"
    assert records[2]["state"] == "on_time"
    assert records[3]["status"] == "draft" and records[3]["submitted_at"] is None


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
