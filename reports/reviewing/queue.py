"""Where the review queue and a report's workspace live, for every link to
them (the home page, emails, the report page, the workspace itself)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

# The queue's filter value for "waiting for review": never reviewed, or changed
# since the latest review (reports.status.awaiting_review). It is also what
# the queue shows when no review filter is given.
WAITING = "waiting"
ANY = "all"


def queue_path(cohort_id: int | None = None) -> str:
    """The queue of reports waiting for the user's review (of one cohort)."""
    query = {"review": WAITING}
    if cohort_id is not None:
        query["period__cohort__id__exact"] = cohort_id
    return reverse("admin:reports_report_changelist") + "?" + urlencode(query)


def workspace_path(report_id: int) -> str:
    return reverse("admin:reports_report_workspace", args=[report_id])
