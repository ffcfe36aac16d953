"""The pages people land on: the home page by role, and the student pages (My
reports, the report page, the write form and its preview)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from camp.models import Role
from reports.access import can_review, manages_blocker, may_converse, visible_reports
from reports.blockers.entries import age_days, carried_into
from reports.github.evidence import evidence_for_report
from reports.links import workspace_path
from reports.markdown import render_markdown
from reports.models import AllowanceRequest, Period, Report
from reports.pages.forms import AskForm, PreviewForm, ReportForm
from reports.pages.home import home_cards
from reports.pages.my_reports import my_reports, report_standing
from reports.parsing import without_review_placeholder
from reports.reviewing.conversation import ReplyForm, add_reply, thread
from reports.reviewing.requests import ask, may_ask
from reports.similarity.checking import flags_for
from reports.writing import (
    SubmitRefused,
    lint_report,
    prefilled_body,
    submitted_late,
    write_report,
)

WRITE_ACTIONS = {"preview", "draft", "submit", "submit_anyway"}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/home.html", {"cards": home_cards(request.user)})


@login_required
def my_reports_page(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/mine.html", {"cohorts": my_reports(request.user)})


@login_required
def report_page(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(
        visible_reports(request.user).select_related("student", "period__cohort"), pk=pk
    )
    return _report_page(request, report, ReplyForm())


def _report_page(request: HttpRequest, report: Report, reply_form: ReplyForm) -> HttpResponse:
    is_own = report.student_id == request.user.pk
    now = timezone.now()
    blockers = (
        [
            {
                "blocker": b,
                "days": age_days(b, now),
                "may_resolve": manages_blocker(request.user, b),
            }
            for b in report.blockers.select_related("cohort", "resolved_by").order_by(
                "opened_at", "pk"
            )
        ]
        if report.is_submitted
        else []
    )
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "body": without_review_placeholder(report.body),
            "standing": report_standing(report, viewer=request.user),
            "thread": thread(report, request.user),
            "reply_form": reply_form if may_converse(request.user, report) else None,
            "workspace_url": workspace_path(report.pk) if can_review(request.user, report) else "",
            "revisions": report.revisions.select_related("author").order_by("-created_at", "-id"),
            "evidence": evidence_for_report(report),
            "blockers": blockers,
            "similar": flags_for(report, request.user),
            "is_own": is_own,
            "can_edit": is_own
            and report.period.cohort.memberships.filter(
                user=request.user, role=Role.STUDENT
            ).exists(),
        },
    )


@login_required
@require_POST
def reply_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A reply in the conversation under the report (the student or a reviewer)."""
    report = get_object_or_404(
        visible_reports(request.user).select_related("student", "period__cohort"), pk=pk
    )
    if not may_converse(request.user, report):
        raise PermissionDenied
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _report_page(request, report, form)
    try:
        add_reply(report, request.user, form.cleaned_data["body"])
    except ValidationError as error:
        form.add_error("body", error)
        return _report_page(request, report, form)
    messages.success(request, _("Reply posted."))
    return redirect(reverse("reports:detail", args=[report.pk]) + "#conversation")


def _students_period(request: HttpRequest, cohort: str, number: int) -> Period:
    """A period of a cohort the signed-in person is a student of (404 otherwise)."""
    return get_object_or_404(
        Period.objects.select_related("cohort"),
        cohort__slug=cohort,
        number=number,
        cohort__memberships__user=request.user,
        cohort__memberships__role=Role.STUDENT,
    )


@login_required
@require_http_methods(["GET", "POST"])
def ask_page(request: HttpRequest, cohort: str, number: int) -> HttpResponse:
    """Ask the mentors and TAs for an extension or an excuse for one period."""
    period = _students_period(request, cohort, number)
    form = AskForm()
    if request.method == "POST":
        form = AskForm(request.POST)
        if form.is_valid():
            until = form.cleaned_data["extended_until"]
            if until is not None:
                # Typed in the cohort's time zone, whatever the server's.
                until = until.replace(tzinfo=period.cohort.tzinfo)
            try:
                ask(
                    request.user,
                    period,
                    kind=form.cleaned_data["kind"],
                    reason=form.cleaned_data["reason"],
                    extended_until=until,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Request sent to your mentors and TAs."))
                return redirect("reports:ask", cohort=cohort, number=number)
    return render(
        request,
        "reports/ask.html",
        {
            "period": period,
            "cohort": period.cohort,
            "form": form,
            "may_ask": may_ask(request.user, period, timezone.now()),
            "requests": AllowanceRequest.objects.filter(student=request.user, period=period)
            .select_related("decided_by")
            .order_by("-created_at"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def write_page(request: HttpRequest, cohort: str, number: int) -> HttpResponse:
    # Only the signed-in student's own report is ever addressed: the URL names
    # a period, never a report or a student, so there is nobody else's to forge.
    period = _students_period(request, cohort, number)
    report = Report.objects.filter(student=request.user, period=period).first()
    now = timezone.now()
    context = {
        "period": period,
        "cohort": period.cohort,
        "report": report,
        # Last periods' blockers still open: "still blocked?"
        "carried_blockers": [
            {"blocker": blocker, "days": age_days(blocker, now)}
            for blocker in carried_into(request.user, period)
        ],
        # Saving a change sends a reviewed report back to its mentors; say so first.
        "goes_back_to_review": report is not None
        and report.is_submitted
        and report.reviews.exists(),
    }
    if request.method == "GET":
        if report is None:
            previous = Report.objects.filter(
                student=request.user, period__cohort=period.cohort, period__number=period.number - 1
            ).first()
            body = prefilled_body(period.cohort, request.user, previous.body if previous else None)
        else:
            body = report.body
        form = ReportForm(initial={"body": body})
        return render(
            request,
            "reports/write.html",
            {**context, "form": form, "preview": render_markdown(body)},
        )

    action = request.POST.get("action")
    if action not in WRITE_ACTIONS:
        return HttpResponseBadRequest(_("Unknown action."))
    form = ReportForm(request.POST)
    if not form.is_valid():
        return render(request, "reports/write.html", {**context, "form": form})
    body = form.cleaned_data["body"]
    if action == "preview":
        lint = lint_report(body, period.cohort)
        return render(
            request,
            "reports/write.html",
            {
                **context,
                "form": form,
                "preview": render_markdown(body),
                "errors": lint.errors,
                "warnings": lint.warnings,
            },
        )
    try:
        result = write_report(
            student=request.user,
            period=period,
            body=body,
            submit=action != "draft",
            accept_warnings=action == "submit_anyway",
        )
    except SubmitRefused as refused:
        return render(
            request,
            "reports/write.html",
            {
                **context,
                "form": form,
                "preview": render_markdown(body),
                "errors": refused.errors,
                "warnings": refused.warnings,
                "refused": True,
            },
        )
    saved = result.report
    if not saved.is_submitted:
        messages.success(request, _("Draft saved."))
        return redirect("reports:write", cohort=period.cohort.slug, number=period.number)
    if result.newly_submitted and submitted_late(saved):
        messages.warning(request, _("Report submitted after the due time; it is marked late."))
    elif result.newly_submitted:
        messages.success(request, _("Report submitted."))
    elif result.revision_added:
        messages.success(request, _("Report updated."))
    else:
        messages.info(request, _("Nothing changed."))
    return redirect("reports:detail", pk=saved.pk)


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The body rendered exactly as the report page will show it (an HTML fragment)."""
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("The report is too long to preview."))
    return HttpResponse(
        render_markdown(form.cleaned_data["body"]), content_type="text/html; charset=utf-8"
    )
