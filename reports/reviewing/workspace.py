"""The review workspace: one admin page per report with everything a mentor
needs to review it, and "Save and next" through the same queue.

ReportAdmin.get_urls mounts `workspace` at /admin/reports/report/<id>/review/;
the report comes from the admin's own scoped queryset (reports.access), so a
report outside the user's scope is a 404 here too. Reviews and replies are
written through reports.reviews.add_review and
reports.reviewing.conversation.add_reply.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.access import can_review, may_converse
from reports.blockers.entries import age_days, open_blockers
from reports.github.evidence import evidence_for_report
from reports.links import WAITING, workspace_path
from reports.models import Report, Review, Revision
from reports.parsing import without_review_placeholder
from reports.reviewing.conversation import ReplyForm, add_reply, thread
from reports.reviews import MAX_REVIEW_LENGTH, add_review
from reports.similarity.checking import flags_for
from reports.writing import lint_report, plan_against_work, previous_report

# The queue a workspace opened without one walks: the reports waiting for review.
DEFAULT_QUEUE = urlencode({"review": WAITING})


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=gettext_lazy("verdict"),
        choices=Review.Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose a verdict: a review needs one.")},
    )
    body = forms.CharField(
        label=gettext_lazy("comment (Markdown)"),
        required=False,
        max_length=MAX_REVIEW_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8, "data-comment": ""}),
    )


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "remove", "context" or "hunk"
    text: str


def changes_since_review(report: Report) -> tuple[Review | None, list[DiffLine]]:
    """The latest review and the diff from the body it reviewed to the body now
    (empty when nothing changed or nothing was reviewed)."""
    latest = report.reviews.order_by("-created_at", "-id").first()
    if latest is None:
        return None, []
    reviewed = (
        Revision.objects.filter(report=report, created_at__lte=latest.created_at)
        .order_by("-created_at", "-id")
        .values_list("body", flat=True)
        .first()
    )
    if reviewed is None or reviewed == report.body:
        return latest, []
    lines = []
    for line in difflib.unified_diff(
        reviewed.splitlines(), report.body.splitlines(), lineterm="", n=2
    ):
        if line.startswith(("---", "+++")):
            continue
        kind = {"@": "hunk", "+": "add", "-": "remove"}.get(line[:1], "context")
        lines.append(DiffLine(kind, line))
    return latest, lines


def queue_ids(model_admin: admin.ModelAdmin, request: HttpRequest, filters: str) -> list[int]:
    """The report ids of the changelist under `filters`, in its order: the
    queue that j/k and "Save and next" walk."""
    listing = copy.copy(request)
    listing.GET = QueryDict(filters)
    try:
        changelist = model_admin.get_changelist_instance(listing)
    except IncorrectLookupParameters:
        listing.GET = QueryDict(DEFAULT_QUEUE)
        changelist = model_admin.get_changelist_instance(listing)
    return list(changelist.queryset.values_list("pk", flat=True))


def _neighbours(ids: list[int], current: int) -> tuple[int | None, int | None]:
    if current in ids:
        index = ids.index(current)
        return (ids[index - 1] if index else None), (
            ids[index + 1] if index + 1 < len(ids) else None
        )
    return None, next((pk for pk in ids if pk != current), None)


def _after_saving(ids: list[int], current: int) -> int | None:
    """The report "Save and next" opens: the next one in the queue, or, after
    the last, the first one the mentor skipped on the way (None: all done)."""
    index = ids.index(current) if current in ids else -1
    rest = ids[index + 1 :] + ids[: max(index, 0)]
    return next((pk for pk in rest if pk != current), None)


def workspace(model_admin: admin.ModelAdmin, request: HttpRequest, report_id: int) -> HttpResponse:
    scope = model_admin.get_queryset(request)
    report = get_object_or_404(scope.select_related("student", "period__cohort"), pk=report_id)
    filters = request.GET.get("_changelist_filters") or DEFAULT_QUEUE
    ids = queue_ids(model_admin, request, filters)
    previous_id, next_id = _neighbours(ids, report.pk)

    def link(pk: int | None) -> str:
        if pk is None:
            return ""
        return workspace_path(pk) + "?" + urlencode({"_changelist_filters": filters})

    queue_url = reverse("admin:reports_report_changelist") + "?" + filters
    may_review = can_review(request.user, report)
    review_form, reply_form = ReviewForm(), ReplyForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "reply":
            if not may_converse(request.user, report):
                raise PermissionDenied
            reply_form = ReplyForm(request.POST)
            if reply_form.is_valid():
                try:
                    add_reply(report, request.user, reply_form.cleaned_data["body"])
                except ValidationError as error:
                    reply_form.add_error("body", error)
                else:
                    messages.success(request, _("Reply posted."))
                    return HttpResponseRedirect(link(report.pk) + "#conversation")
        elif action in ("save", "save_next", "approve_next"):
            if not may_review:
                raise PermissionDenied
            data = request.POST.copy()
            if action == "approve_next":
                data["verdict"] = Review.Verdict.APPROVED
            review_form = ReviewForm(data)
            if review_form.is_valid():
                try:
                    review = add_review(
                        report,
                        request.user,
                        body=review_form.cleaned_data["body"],
                        verdict=review_form.cleaned_data["verdict"],
                    )
                except ValidationError as error:
                    review_form.add_error("body", error)
                else:
                    messages.success(
                        request,
                        _("Review saved for %(student)s, period %(number)s: %(verdict)s.")
                        % {
                            "student": report.student,
                            "number": report.period.number,
                            "verdict": review.get_verdict_display(),
                        },
                    )
                    if action == "save":
                        return HttpResponseRedirect(link(report.pk))
                    following = _after_saving(ids, report.pk)
                    if following is not None:
                        return HttpResponseRedirect(link(following))
                    messages.info(request, _("That was the last report in this queue."))
                    return HttpResponseRedirect(queue_url)
        else:
            return HttpResponse(_("Unknown action."), status=400)

    latest_review, diff = changes_since_review(report)
    previous = previous_report(report.student_id, report.period, scope)
    plan = plan_against_work(previous.body if previous else None, report.body)
    lint = lint_report(report.body, report.period.cohort)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Review: %(student)s, period %(number)s")
        % {"student": report.student.name, "number": report.period.number},
        "report": report,
        "body": without_review_placeholder(report.body),
        "previous": previous,
        "plan": plan,
        "latest_review": latest_review,
        "diff": diff,
        "lint": lint,
        "thread": thread(report, request.user),
        "review_form": review_form if may_review else None,
        "reply_form": reply_form if may_converse(request.user, report) else None,
        "previous_url": link(previous_id),
        "next_url": link(next_id),
        "queue_url": queue_url,
        "queue_position": (ids.index(report.pk) + 1) if report.pk in ids else None,
        "queue_length": len(ids),
        "evidence": evidence_for_report(report),
        # The student's blockers still open (in this cohort), oldest first, and
        # the reports this one reads very much like.
        "open_blockers": [
            {"blocker": blocker, "days": age_days(blocker, timezone.now())}
            for blocker in open_blockers(report.period.cohort).filter(student=report.student_id)
        ],
        "similar": flags_for(report, request.user),
        "report_page_url": reverse("reports:detail", args=[report.pk]),
        "preview_url": reverse("reports:preview"),
    }
    return TemplateResponse(request, "admin/reports/report/workspace.html", context)
