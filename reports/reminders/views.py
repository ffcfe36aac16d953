"""The TA's reminder preview: what the next pass will send, and the coming week."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from camp.roles import managed_cohorts
from reports.models import Notification
from reports.reminders.planning import Planned, PlannedStatus, Snapshot, preview

STATUS_LABELS = {
    PlannedStatus.WOULD_SEND: _("Will be sent"),
    PlannedStatus.DEFERRED: _("Deferred (quiet hours)"),
    PlannedStatus.ALREADY_SENT: _("Already sent"),
    PlannedStatus.FAILED: _("Failed"),
    PlannedStatus.SCHEDULED: _("Scheduled"),
}


def _rows(items: list[Planned], snapshot: Snapshot) -> list[dict]:
    tz = snapshot.cohort.tzinfo
    return [
        {
            "send_at": item.send_at.astimezone(tz),
            "recipient": snapshot.people[item.recipient_id],
            "kind": Notification.Kind(item.kind).label,
            "channel": Notification.Channel(item.channel).label,
            "period": item.period_number,
            "about": item.about,
            "status": item.status,
            "status_label": STATUS_LABELS[item.status],
        }
        for item in items
    ]


@login_required
def reminder_preview(request: HttpRequest, cohort: str) -> HttpResponse:
    cohort_obj = get_object_or_404(managed_cohorts(request.user), slug=cohort)
    now = timezone.now()
    next_pass, coming, snapshot = preview(cohort_obj, now, days=7)
    return render(
        request,
        "reminders/preview.html",
        {
            "cohort": cohort_obj,
            "now": now.astimezone(cohort_obj.tzinfo),
            "policy": snapshot.policy,
            "next_pass": _rows(next_pass, snapshot),
            "coming": _rows(coming, snapshot),
        },
    )
