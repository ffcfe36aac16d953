"""Receivers of the blockers: whichever door saved a report (web, API, GitHub,
admin) or wrote reports in bulk (the importer), its blocker entries follow
(reports.blockers.entries.sync_report). Imported by ReportsConfig.ready(),
which connects them."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from reports import submissions
from reports.blockers.entries import sync_report, sync_reports
from reports.models import Report


@receiver(post_save, sender=Report, dispatch_uid="blockers-report-saved")
def report_saved(
    sender: type,
    instance: Report,
    created: bool = False,
    raw: bool = False,
    update_fields=None,
    **kwargs: Any,
) -> None:
    if raw or (update_fields and not {"body", "status"} & set(update_fields)):
        return
    sync_report(instance, created=created)


@receiver(submissions.reports_written_in_bulk, dispatch_uid="blockers-bulk")
def reports_written_in_bulk(sender: type, report_ids: list[int], **kwargs: Any) -> None:
    sync_reports(report_ids)
