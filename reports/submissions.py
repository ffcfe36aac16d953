"""The one write path for report bodies, whatever channel they come from.

Web form, API, GitHub comment and GitHub file all call save_report, so every
body change leaves a Revision and (student, period) stays one report, even when
two channels or two browser tabs write at the same moment. The one exception is
the repository importer (reports.importer.importing), which writes a camp's
whole history in bulk into an empty period and keeps the same two rules itself:
a Revision for every version, and reports keyed on (student, period); it says
what it wrote with the `reports_written_in_bulk` signal.

A change to a reviewed report sends it back to its mentors (reports.status
State.RESUBMITTED). The `report_resubmitted` signal says so from here, so that
every door does it; the review loop (reports.reviewing.receivers) receives it
and tells the mentors once the transaction commits.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone

from camp.models import User
from reports.models import Period, Report, Revision, Source

# Sent with `report=` when a reviewed report's body changes, inside the write.
report_resubmitted = Signal()
# Sent with `report_ids=` by writers that bypass save() (the repository
# importer, the demo data), inside their transaction: what the features
# derive from every saved report (blockers, Q&A, the search index,
# similarity) is derived for these too.
reports_written_in_bulk = Signal()


@dataclass
class SaveResult:
    report: Report
    created: bool
    revision_added: bool
    newly_submitted: bool


def _locked_report(student: User, period: Period, defaults: dict) -> tuple[Report, bool]:
    """The (student, period) report, created if missing, locked until commit.

    Only the report's own row is locked: no join in the locking query (a plain
    .first() would order by period, cohort and login, and FOR UPDATE would take
    those rows too). Every write of the same period holds a KEY SHARE lock on
    the period and cohort through its foreign keys and then updates the
    cohort's data_version; a writer holding FOR UPDATE on them deadlocked with
    first submissions of the same period (PostgreSQL, under a deadline rush)."""
    mine = Report.objects.select_for_update(of=("self",)).filter(student=student, period=period)
    report = mine.order_by().first()
    if report is not None:
        return report, False
    try:
        # A savepoint, so losing the race to a concurrent insert does not
        # poison the surrounding transaction.
        with transaction.atomic():
            return Report.objects.create(student=student, period=period, **defaults), True
    except IntegrityError:
        return mine.get(), False


@transaction.atomic
def save_report(
    *,
    student: User,
    period: Period,
    body: str,
    submit: bool,
    source: str = Source.WEB,
    author: User | None = None,
    at: datetime.datetime | None = None,
    source_url: str = "",
    source_ref: str = "",
    claimed_start: datetime.date | None = None,
    claimed_end: datetime.date | None = None,
) -> SaveResult:
    """Create or update the student's report for the period.

    A body that differs from the stored one adds a Revision (the first save
    adds the first). Submitting is one-way: once submitted, later saves edit
    the body but keep the first submission time, which is what lateness is
    judged by.
    """
    report, created = _locked_report(
        student,
        period,
        defaults={
            "body": "",
            "source": source,
            "source_url": source_url,
            "source_ref": source_ref,
            "claimed_start": claimed_start,
            "claimed_end": claimed_end,
        },
    )
    # Stamped once the row lock is held: two concurrent writers then get times in
    # the order their writes land, so the newest revision is always the body.
    at = at or timezone.now()
    revision_added = created or report.body != body
    if revision_added:
        report.body = body
        Revision.objects.create(
            report=report,
            body=body,
            author=author,
            source=source,
            source_ref=source_ref,
            created_at=at,
        )
    newly_submitted = submit and report.status != Report.Status.SUBMITTED
    if newly_submitted:
        report.status = Report.Status.SUBMITTED
        report.submitted_at = at
        report.source = source
        report.source_url = source_url or report.source_url
        report.source_ref = source_ref or report.source_ref
    claim_added = bool(claimed_start) and not report.claimed_start
    if claim_added:
        report.claimed_start, report.claimed_end = claimed_start, claimed_end
    if revision_added or newly_submitted or claim_added:
        report.save()
    if revision_added and report.is_submitted and report.reviews.exists():
        report_resubmitted.send(sender=Report, report=report)
    return SaveResult(report, created, revision_added, newly_submitted)
