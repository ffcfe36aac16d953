"""Receivers of the similarity check: whichever door saved a report, or wrote
reports in bulk (the importer), it is compared (reports.similarity.checking).
Imported by ReportsConfig.ready(), which connects them."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from reports import submissions
from reports.models import Report
from reports.similarity.checking import check_report, check_reports


@receiver(post_save, sender=Report, dispatch_uid="similarity-report-saved")
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
    check_report(instance, created=created)


@receiver(submissions.reports_written_in_bulk, dispatch_uid="similarity-bulk")
def reports_written_in_bulk(sender: type, report_ids: list[int], **kwargs: Any) -> None:
    check_reports(report_ids)
