"""The comparison of a flagged report with the report it reads like, shared
passages marked: for those who may review it and read the other."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from reports.access import can_review, visible_reports
from reports.similarity.checking import compare


@login_required
@require_GET
def compare_page(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    readable = visible_reports(request.user).select_related("student", "period__cohort")
    report = get_object_or_404(readable, pk=pk)
    other_report = get_object_or_404(readable, pk=other)
    if not can_review(request.user, report):
        raise PermissionDenied
    return render(
        request,
        "similarity/compare.html",
        {"report": report, "other": other_report, "comparison": compare(report, other_report)},
    )
