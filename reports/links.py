"""Where things live, for every link to them: the report page, the review
queue and a report's workspace, absolute on SITE_URL for what leaves the app
(e-mails, chat messages, GitHub comments). Pages, messages and the review loop
all link through here, so none of them imports another to find a path."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

# The queue's filter value for "waiting for review": never reviewed, or changed
# since the latest review (reports.status.awaiting_review). It is also what
# the queue shows when no review filter is given.
WAITING = "waiting"
ANY = "all"


def absolute_url(path: str) -> str:
    """A path of the app as an address that works outside it."""
    return settings.SITE_URL.rstrip("/") + path


def report_path(report_id: int) -> str:
    """The report page of one report."""
    return reverse("reports:detail", args=[report_id])


# An id no report has, to find where ids go in the report page's path.
_ANY_REPORT_ID = 2_147_483_647


def report_paths() -> Callable[[int], str]:
    """report_path for many reports at once (a summary links hundreds): one
    reverse(), whose cost is most of a summary line, then only the id changes."""
    head, tail = report_path(_ANY_REPORT_ID).split(str(_ANY_REPORT_ID))
    return lambda report_id: f"{head}{report_id}{tail}"


def queue_path(cohort_id: int | None = None) -> str:
    """The queue of reports waiting for the user's review (of one cohort)."""
    query = {"review": WAITING}
    if cohort_id is not None:
        query["period__cohort__id__exact"] = cohort_id
    return reverse("admin:reports_report_changelist") + "?" + urlencode(query)


def workspace_path(report_id: int) -> str:
    return reverse("admin:reports_report_workspace", args=[report_id])


def blocker_path(report_id: int, blocker_id: int) -> str:
    """A blocker, where its report's page lists it."""
    return f"{report_path(report_id)}#blocker-{blocker_id}"


def conversation_path(report_id: int) -> str:
    """The conversation (reviews and replies) under a report."""
    return f"{report_path(report_id)}#conversation"


def qa_entry_path(entry_id: int) -> str:
    return reverse("qa:detail", args=[entry_id])
