"""save_report: the one write path. Revisions for every body change, submitting
is one-way and keeps the first submission time."""

import datetime

from reports.models import Report, Source
from reports.submissions import save_report


def test_first_save_creates_the_report_and_its_first_revision(camp):
    period = camp.period(1)
    result = save_report(
        student=camp.alice, period=period, body="draft", submit=False, author=camp.alice
    )
    assert result.created and result.revision_added and not result.newly_submitted
    assert result.report.status == Report.Status.DRAFT
    assert list(result.report.revisions.values_list("body", "author__username")) == [
        ("draft", "alice")
    ]


def test_same_body_twice_adds_no_revision(camp):
    period = camp.period(1)
    save_report(student=camp.alice, period=period, body="same", submit=False)
    result = save_report(student=camp.alice, period=period, body="same", submit=False)
    assert not result.revision_added
    assert result.report.revisions.count() == 1


def test_submit_then_edit_keeps_first_submission_time(camp):
    period = camp.period(1)
    first = period.due_at - datetime.timedelta(hours=3)
    save_report(student=camp.alice, period=period, body="v1", submit=True, at=first)
    later = period.due_at + datetime.timedelta(days=2)
    result = save_report(student=camp.alice, period=period, body="v2", submit=True, at=later)
    report = result.report
    report.refresh_from_db()
    assert report.submitted_at == first and report.body == "v2"
    assert not result.newly_submitted
    assert list(report.revisions.values_list("body", flat=True)) == ["v1", "v2"]


def test_two_channels_end_as_one_report_with_both_texts(camp):
    period = camp.period(1)
    save_report(
        student=camp.alice, period=period, body="from the web", submit=True, source=Source.WEB
    )
    save_report(
        student=camp.alice,
        period=period,
        body="from a GitHub comment",
        submit=True,
        source=Source.GITHUB_COMMENT,
        source_url="https://github.com/o/r/issues/1#issuecomment-9",
        source_ref="9",
    )
    report = Report.objects.get(student=camp.alice, period=period)
    assert list(report.revisions.values_list("source", "body")) == [
        ("web", "from the web"),
        ("github-comment", "from a GitHub comment"),
    ]
