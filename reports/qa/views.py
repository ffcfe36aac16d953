"""The Q&A archive: every question the reader may see, across cohorts,
searchable and filterable by cohort, project and tag; one question's page
with its answers; the TA's curation (wording, tags, hidden, the accepted
answer, merging duplicates) and the export in the camp's 周报QA.md shape.
Thin: scope through reports.access, call reports.qa.entries."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from camp.models import Cohort, Project, User
from camp.roles import managed_cohorts, may_manage
from reports.access import visible_qa_entries
from reports.models import QAAnswer, QAEntry, SearchDocument
from reports.qa.entries import (
    accept,
    answers_for,
    clean_tags,
    edit,
    edit_answer,
    export_markdown,
    merge,
)
from reports.search.querying import BadQuery, Filters, search

PER_PAGE = 50
MAX_SEARCHED = 500


class ArchiveFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    cohort = forms.SlugField(label=gettext_lazy("Cohort"), required=False)
    project = forms.IntegerField(label=gettext_lazy("Project"), required=False, min_value=1)
    tag = forms.CharField(label=gettext_lazy("Tag"), required=False, max_length=40)
    period = forms.IntegerField(required=False, min_value=1, max_value=32767)


class EntryForm(forms.Form):
    question = forms.CharField(
        label=gettext_lazy("Question"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    tags = forms.CharField(
        label=gettext_lazy("Tags (comma-separated)"), required=False, max_length=500
    )
    hidden = forms.BooleanField(label=gettext_lazy("Hidden from the archive"), required=False)


def archive_entries(user: User, data: dict) -> list[QAEntry]:
    """The entries the filters leave, newest period first (the search's order
    when there is a query)."""
    entries = (
        visible_qa_entries(user)
        .select_related("cohort", "period", "asked_by", "project")
        .prefetch_related("answers", "merged__asked_by")
    )
    if data.get("cohort"):
        entries = entries.filter(cohort__slug=data["cohort"])
    if data.get("period"):
        entries = entries.filter(period__number=data["period"])
    if data.get("project"):
        entries = entries.filter(project_id=data["project"])
    if data.get("q"):
        found = search(
            user, data["q"], Filters(kinds=(SearchDocument.Kind.QA,)), limit=MAX_SEARCHED
        )
        order = {result.id: index for index, result in enumerate(found)}
        rows = sorted(entries.filter(pk__in=list(order)), key=lambda entry: order[entry.pk])
    else:
        rows = list(entries.order_by("-period__starts_on", "cohort__slug", "report_id", "position"))
    if data.get("tag"):
        rows = [entry for entry in rows if data["tag"] in entry.tags]
    return rows


@login_required
@require_GET
def archive_page(request: HttpRequest) -> HttpResponse:
    form = ArchiveFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    error = ""
    try:
        rows = archive_entries(request.user, data)
    except BadQuery as bad:
        rows, error = [], str(bad)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    visible = visible_qa_entries(request.user)
    return render(
        request,
        "qa/archive.html",
        {
            "form": form,
            "page": page,
            "error": error,
            "cohorts": Cohort.objects.filter(pk__in=visible.values("cohort")).order_by(
                "-starts_on"
            ),
            "projects": Project.objects.filter(pk__in=visible.values("project")).select_related(
                "cohort"
            ),
            "curated_cohorts": managed_cohorts(request.user).filter(
                pk__in=visible.values("cohort")
            ),
        },
    )


def _entry(request: HttpRequest, pk: int) -> QAEntry:
    return get_object_or_404(
        visible_qa_entries(request.user).select_related("cohort", "period", "asked_by", "report"),
        pk=pk,
    )


@login_required
@require_GET
def entry_page(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    curates = may_manage(request.user, entry.cohort)
    return render(
        request,
        "qa/entry.html",
        {
            "entry": entry,
            "answers": answers_for(entry, request.user),
            "merged": entry.merged.select_related("asked_by", "period", "cohort"),
            "curates": curates,
            "form": EntryForm(
                initial={
                    "question": entry.shown_question,
                    "tags": ", ".join(entry.tags),
                    "hidden": entry.hidden,
                }
            )
            if curates
            else None,
        },
    )


@login_required
@require_POST
def edit_page(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    form = EntryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the question and its tags."))
        return redirect("qa:detail", pk=entry.pk)
    try:
        edit(
            entry,
            request.user,
            question=form.cleaned_data["question"],
            tags=clean_tags(form.cleaned_data["tags"]),
            hidden=form.cleaned_data["hidden"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Question saved."))
    return redirect("qa:detail", pk=entry.pk)


@login_required
@require_POST
def merge_page(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    into_id = request.POST.get("into", "")
    into = (
        visible_qa_entries(request.user).filter(pk=int(into_id)).first()
        if into_id.isdigit() and len(into_id) < 19
        else None
    )
    if into is None:
        messages.error(request, _("No such question to merge into."))
        return redirect("qa:detail", pk=entry.pk)
    try:
        kept = merge(entry, into, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("qa:detail", pk=entry.pk)
    messages.success(request, _("Merged."))
    return redirect("qa:detail", pk=kept.pk)


def _answer(request: HttpRequest, pk: int) -> QAAnswer:
    answer = get_object_or_404(QAAnswer.objects.select_related("entry__cohort"), pk=pk)
    if not visible_qa_entries(request.user).filter(pk=answer.entry_id).exists():
        raise PermissionDenied
    return answer


@login_required
@require_POST
def accept_page(request: HttpRequest, pk: int) -> HttpResponse:
    answer = _answer(request, pk)
    accept(answer, request.user)
    messages.success(request, _("Marked as the accepted answer."))
    return redirect("qa:detail", pk=answer.entry_id)


@login_required
@require_POST
def edit_answer_page(request: HttpRequest, pk: int) -> HttpResponse:
    answer = _answer(request, pk)
    try:
        edit_answer(answer, request.user, request.POST.get("text", "")[:10_000])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Answer saved."))
    return redirect("qa:detail", pk=answer.entry_id)


@login_required
@require_GET
def export_page(request: HttpRequest, cohort: str) -> HttpResponse:
    """The cohort's archive (or one period's) as 周报QA.md, for a TA."""
    cohort_row = get_object_or_404(Cohort, slug=cohort)
    if not may_manage(request.user, cohort_row):
        raise PermissionDenied
    entries = visible_qa_entries(request.user).filter(cohort=cohort_row, hidden=False)
    number = request.GET.get("period", "")
    name = f"{cohort_row.slug}-周报QA.md"
    if number:
        period = (
            cohort_row.periods.filter(number=int(number)).first()
            if number.isdigit() and len(number) < 6
            else None
        )
        if period is None:
            return HttpResponse(
                _("No such period."), status=400, content_type="text/plain; charset=utf-8"
            )
        entries = entries.filter(period=period)
        name = f"{period.starts_on:%m.%d}~{period.ends_on:%m.%d}周报QA.md"
    text = export_markdown(
        entries.select_related("period")
        .prefetch_related("answers")
        .order_by("period__number", "report__student__github_login", "position")
    )
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
