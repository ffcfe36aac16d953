"""The TA progress overview: the page and its CSV. Thin: scope, filter, call
reports.overview, render."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from camp.models import Cohort, Mentorship, Role, User
from reports.access import overview_students
from reports.models import Period
from reports.overview.caching import cached_output, output_key
from reports.overview.export import csv_text
from reports.overview.grid import Overview, StudentRow, build_overview, user_sort_key
from reports.overview.summary import period_summary, summary_text
from reports.status import State

# Legend and filter order: from done to not yet due. Drafts never show here (nothing submitted).
FILTER_STATES = [
    State.REVIEWED,
    State.ON_TIME,
    State.LATE,
    State.NEEDS_CHANGES,
    State.RESUBMITTED,
    State.MISSING,
    State.EXCUSED,
    State.OPEN,
    State.FUTURE,
]


class OverviewFilterForm(forms.Form):
    project = forms.TypedChoiceField(label=_("Project"), required=False, coerce=int)
    mentor = forms.TypedChoiceField(label=_("Mentor"), required=False, coerce=int)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status"))] + [(s.value, s.label) for s in FILTER_STATES],
    )
    quiet = forms.BooleanField(label=_("Only quiet students"), required=False)
    summary = forms.TypedChoiceField(label=_("Summary of period"), required=False, coerce=int)

    def __init__(self, data, *, cohort: Cohort, students: QuerySet[User]) -> None:
        super().__init__(data)
        self.fields["project"].choices = [("", _("All projects"))] + [
            (p.pk, p.title) for p in cohort.projects.order_by("pk")
        ]
        mentors = User.objects.filter(
            pk__in=Mentorship.objects.filter(
                cohort=cohort, student__in=students.values("pk")
            ).values("mentor_id")
        )
        self.fields["mentor"].choices = [("", _("All mentors"))] + [
            (m.pk, f"@{m} · {m.name}") for m in sorted(mentors, key=user_sort_key)
        ]
        self.fields["summary"].choices = [("", "")] + [
            (n, f"#{n}") for n in cohort.periods.order_by("number").values_list("number", flat=True)
        ]

    def value(self, name: str):
        return self.cleaned_data.get(name) if self.is_valid() else None

    def narrow(self, cohort: Cohort, students: QuerySet[User]) -> QuerySet[User]:
        """The students the project and mentor filters keep."""
        if project := self.value("project"):
            students = students.filter(
                pk__in=cohort.memberships.filter(role=Role.STUDENT, project_id=project).values(
                    "user_id"
                )
            )
        if mentor := self.value("mentor"):
            students = students.filter(
                pk__in=Mentorship.objects.filter(cohort=cohort, mentor_id=mentor).values(
                    "student_id"
                )
            )
        return students

    @property
    def narrows(self) -> bool:
        return bool(self.value("project") or self.value("mentor"))

    def keeps(self, row: StudentRow) -> bool:
        status = self.value("status")
        if self.value("quiet") and not row.quiet:
            return False
        return not status or row.has_state(status)


def _scope(request: HttpRequest, slug: str) -> tuple[Cohort, QuerySet[User]]:
    cohort = get_object_or_404(Cohort, slug=slug)
    students = overview_students(request.user, cohort)
    if students is None:
        raise Http404("No overview of this cohort for you.")
    return cohort, students


def _summary_period(form: OverviewFilterForm, overview: Overview) -> Period | None:
    """The period the summary box shows: the one asked for, else the one whose
    deadline passed last (the one a TA posts), else the current one."""
    number = form.value("summary")
    by_number = {p.number: p for p in overview.periods}
    if number in by_number:
        return by_number[number]
    return overview.last_due_period or overview.current_period


def _output_key(request: HttpRequest, kind: str, cohort: Cohort, now) -> str:
    return output_key(
        kind,
        cohort,
        user_id=request.user.pk,
        language=get_language(),
        query=request.GET.urlencode(),
        host=request.get_host(),
        now=now,
    )


def _render_body(request: HttpRequest, cohort: Cohort, students: QuerySet[User], now) -> str:
    form = OverviewFilterForm(request.GET or None, cohort=cohort, students=students)
    overview = build_overview(cohort, form.narrow(cohort, students), now)
    summary_period = _summary_period(form, overview)
    base_url = request.build_absolute_uri("/")
    if summary_period is None:
        summary = ""
    elif form.narrows:
        # The summary lists everyone the user may see, whatever the filters.
        summary = period_summary(
            cohort, summary_period, students, report_url=base_url, now=overview.now
        )
    else:
        summary = summary_text(summary_period, overview.groups, report_url=base_url)
    return render_to_string(
        "overview/_body.html",
        {
            "cohort": cohort,
            "overview": overview,
            "groups": overview.only_rows(form.keeps),
            "form": form,
            "states": FILTER_STATES,
            "summary": summary,
            "summary_period": summary_period,
            "now_local": overview.now.astimezone(cohort.tzinfo),
            "csv_query": request.GET.urlencode(),
        },
        request=request,
    )


@require_GET
def overview_page(request: HttpRequest, cohort: str) -> HttpResponse:
    cohort, students = _scope(request, cohort)
    now = timezone.now()
    body = cached_output(
        _output_key(request, "page", cohort, now),
        lambda: _render_body(request, cohort, students, now),
    )
    return render(
        request,
        "overview/overview.html",
        {"cohort": cohort, "body": mark_safe(body)},  # noqa: S308 (rendered by the template engine)
    )


def _csv_bytes(request: HttpRequest, cohort: Cohort, students: QuerySet[User], now) -> bytes:
    form = OverviewFilterForm(request.GET or None, cohort=cohort, students=students)
    overview = build_overview(cohort, form.narrow(cohort, students), now)
    text = csv_text(overview, (row for row in overview.rows if form.keeps(row)))
    # With a byte order mark: without one, Excel reads the file in the system's
    # legacy code page and the Chinese names turn to mojibake.
    return text.encode("utf-8-sig")


@require_GET
def overview_csv(request: HttpRequest, cohort: str) -> HttpResponse:
    cohort, students = _scope(request, cohort)
    now = timezone.now()
    content = cached_output(
        _output_key(request, "csv", cohort, now),
        lambda: _csv_bytes(request, cohort, students, now),
    )
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate(now, cohort.tzinfo).isoformat()
    response["Content-Disposition"] = f'attachment; filename="overview-{cohort.slug}-{stamp}.csv"'
    return response
