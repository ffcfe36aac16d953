"""The review loop in the admin: a mentor's queue of their students' reports
(its filters and the SQL of its columns), the report rendered with an inline
form for a review, a bulk "LGTM", the list of reviews, and the extension and
excuse requests that mentors and TAs decide.

Every queryset here goes through reports.access, so a report (or excuse
request) outside the user's scope is not found (404) by any admin view, search
or autocomplete. Writes go through reports.reviews and reports.reviewing.requests.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from camp.admin import NotFoundOutsideScopeMixin
from camp.models import Membership, Mentorship, Project, Role
from camp.roles import managed_cohorts
from reports.access import admin_reports, can_review, reviewable_reports
from reports.links import ANY, WAITING, workspace_path
from reports.markdown import render_markdown
from reports.models import AllowanceRequest, GitHubEvidence, Report, Review, Revision
from reports.reviewing.requests import decidable_requests, decide
from reports.reviewing.workspace import workspace
from reports.reviews import MAX_REVIEW_LENGTH, add_review, approve_reports
from reports.status import (
    awaiting_review_sql,
    effective_due_at_sql,
    latest_review_verdict_sql,
    revised_after_review_sql,
    waiting_since_sql,
)

UNREVIEWED = "unreviewed"
RESUBMITTED = "resubmitted"


def _queue(reports: QuerySet[Report]) -> QuerySet[Report]:
    """The review queue's columns as annotations: one query for the whole page."""
    project = Membership.objects.filter(
        user=OuterRef("student"), cohort=OuterRef("period__cohort"), role=Role.STUDENT
    )
    evidence = GitHubEvidence.objects.filter(student=OuterRef("student"), period=OuterRef("period"))
    return (
        reports.select_related("student", "period", "period__cohort")
        .annotate(
            has_review=Exists(Review.objects.filter(report=OuterRef("pk"))),
            latest_verdict=latest_review_verdict_sql(),
            revised_after_review=revised_after_review_sql(),
            awaiting_review=awaiting_review_sql(),
            waiting_since=waiting_since_sql(),
            project_title=Subquery(project.values("project__title")[:1]),
            effective_due_at=effective_due_at_sql(),
            merged_prs=Subquery(evidence.values("prs_merged_count")[:1]),
        )
        .annotate(
            is_late=ExpressionWrapper(
                Q(submitted_at__gt=F("effective_due_at")), output_field=BooleanField()
            )
        )
    )


class FilterWithDefault(admin.SimpleListFilter):
    """A list filter that starts on `default` rather than on everything, and
    offers "All" (ANY) in place of Django's unfiltered first choice."""

    default: str

    def value(self):
        return super().value() or self.default

    def choices(self, changelist):
        yield {
            "selected": self.value() == ANY,
            "query_string": changelist.get_query_string({self.parameter_name: ANY}),
            "display": _("All"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class ReviewStatusFilter(FilterWithDefault):
    """Without a choice the queue shows what waits for the user's review (the
    home page's count, reports.status.awaiting_review); "All" shows everything."""

    title = _("review status")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            (WAITING, _("Waiting for review (new or resubmitted)")),
            (UNREVIEWED, _("Never reviewed")),
            (RESUBMITTED, _("Resubmitted, waiting for re-review")),
            *Review.Verdict.choices,
        ]

    default = WAITING

    def queryset(self, request, queryset):
        value = self.value()
        if value == WAITING:
            return queryset.filter(awaiting_review=True)
        if value == UNREVIEWED:
            return queryset.filter(has_review=False)
        if value == RESUBMITTED:
            return queryset.filter(has_review=True, revised_after_review=True)
        if value in Review.Verdict.values:
            return queryset.filter(latest_verdict=value, revised_after_review=False)
        return queryset


class CohortFilter(admin.RelatedOnlyFieldListFilter):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("cohort")


class PeriodFilter(admin.RelatedOnlyFieldListFilter):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.title = _("period")


class LateFilter(admin.SimpleListFilter):
    title = _("late")
    parameter_name = "late"

    def lookups(self, request, model_admin):
        return [("yes", _("Late")), ("no", _("On time"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_late=self.value() == "yes")
        return queryset


class ProjectFilter(admin.SimpleListFilter):
    title = _("project")
    parameter_name = "project"

    def lookups(self, request, model_admin):
        cohorts = admin_reports(request.user).values("period__cohort")
        return [
            (str(project.pk), f"{project.cohort.slug} · {project.title}")
            for project in Project.objects.filter(cohort__in=cohorts).select_related("cohort")
        ]

    def queryset(self, request, queryset):
        if not self.value() or not self.value().isdigit():
            return queryset
        return queryset.filter(
            Exists(
                Membership.objects.filter(
                    user=OuterRef("student"),
                    cohort=OuterRef("period__cohort"),
                    role=Role.STUDENT,
                    project_id=int(self.value()),
                )
            )
        )


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    can_delete = False
    fields = ["created_at", "source", "author_name", "body"]
    readonly_fields = fields
    verbose_name_plural = _("revisions (every version the student saved)")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("author", "report__student", "report__period__cohort")
        )

    @admin.display(description=_("author"))
    def author_name(self, revision: Revision) -> str:
        return revision.author.name if revision.author else "-"


class ShowsReview:
    """The reviewer and the rendered text of a review, for the admin's lists and forms."""

    @admin.display(description=_("reviewer"), ordering="mentor__github_login")
    def reviewer(self, review: Review) -> str:
        return review.mentor.name if review.mentor else _("unknown (imported)")

    @admin.display(description=_("review"))
    def rendered_body(self, review: Review) -> str:
        return format_html('<div class="markdown-body">{}</div>', render_markdown(review.body))


class PastReviewInline(ShowsReview, admin.StackedInline):
    """The reviews so far, read-only for everyone: a review is a record (the
    student is notified of it); a mentor who changes their mind posts another."""

    model = Review
    extra = 0
    can_delete = False
    fields = ["reviewer", "created_at", "verdict", "rendered_body"]
    readonly_fields = fields
    verbose_name = _("review")
    verbose_name_plural = _("reviews so far")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("mentor")


class NewReviewForm(forms.ModelForm):
    body = forms.CharField(
        label=_("review"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=MAX_REVIEW_LENGTH,
        help_text=_("Markdown."),
    )

    class Meta:
        model = Review
        fields = ["verdict", "body"]


class NewReviewFormSet(BaseInlineFormSet):
    @classmethod
    def get_default_prefix(cls) -> str:
        return "new_review"


class NewReviewInline(admin.StackedInline):
    """One empty form for a new review, offered only to those who may review
    this report. ReportAdmin.save_formset records it through add_review."""

    model = Review
    form = NewReviewForm
    formset = NewReviewFormSet
    extra = 1
    max_num = 1
    can_delete = False
    fields = ["verdict", "body"]
    verbose_name = _("new review")
    verbose_name_plural = _("write a review")

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request, obj=None) -> bool:
        return (
            obj is not None
            and super().has_add_permission(request, obj)
            and can_review(request.user, obj)
        )


@admin.register(Report)
class ReportAdmin(NotFoundOutsideScopeMixin, admin.ModelAdmin):
    list_display = [
        "student_with_name",
        "project",
        "period_label",
        "submitted",
        "review_status",
        "days_waiting",
        "merged_prs_this_period",
    ]
    # Waiting reports first, the longest waiting at the top. Expressions rather
    # than the annotations' names, which the admin's checks would not find.
    ordering = [awaiting_review_sql().desc(), waiting_since_sql().asc(), "pk"]
    list_filter = [
        ("period__cohort", CohortFilter),
        ("period", PeriodFilter),
        ProjectFilter,
        ReviewStatusFilter,
        LateFilter,
        "source",
    ]
    search_fields = ["student__github_login", "student__username", "student__display_name"]
    fields = [
        "student_login",
        "student_name",
        "project",
        "period_label",
        "status",
        "submitted",
        "source",
        "source_url",
        "problems_found",
        "rendered",
    ]
    readonly_fields = fields
    inlines = [PastReviewInline, NewReviewInline, RevisionInline]

    actions = ["approve_selected"]
    list_per_page = 50

    class Media:
        # The admin cannot load app.css (its element rules would restyle the
        # admin); this sheet only undoes the admin's form indents inside a report.
        css = {"all": ["camp/admin.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        return _queue(admin_reports(request.user))

    def get_urls(self):
        return [
            path(
                "<int:report_id>/review/",
                self.admin_site.admin_view(self.workspace_view),
                name="reports_report_workspace",
            ),
            *super().get_urls(),
        ]

    def workspace_view(self, request: HttpRequest, report_id: int) -> HttpResponse:
        return workspace(self, request, report_id)

    def get_list_display(self, request: HttpRequest):
        # Each row opens the review workspace, which walks this same queue
        # (the filters of this very list) with j/k and "Save and next".
        filters = urlencode({"_changelist_filters": request.GET.urlencode()})

        @admin.display(description=_("student"), ordering="student__github_login")
        def review_link(report: Report) -> str:
            return format_html(
                '<a href="{}?{}" data-workspace-link>{}</a><br><span class="quiet">{}</span>',
                workspace_path(report.pk),
                filters,
                str(report.student),
                report.student.name,
            )

        return [review_link, *self.list_display[1:]]

    def get_list_display_links(self, request: HttpRequest, list_display):
        return None

    def response_change(self, request: HttpRequest, obj: Report) -> HttpResponse:
        if not getattr(request, "review_saved", False):
            # Nothing of this page is editable but the new review: without one
            # nothing was saved, and the page must not say otherwise.
            self.message_user(
                request,
                _("Nothing saved: a review needs a verdict."),
                messages.WARNING,
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_change(request, obj)

    # Nobody edits a report body here: bodies are written by their student
    # through reports.submissions (which keeps the revisions). "Change" on this
    # admin means "may post a review", which is the add_review permission on a
    # report the user may review.
    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The whole page (revisions, reviews, form) in the time zone of the
        report's cohort, as the report's own page and the overview show it."""
        report = self.get_object(request, object_id)
        with timezone.override(report.period.cohort.tzinfo):
            response = super().change_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        return response

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        if not request.user.has_perm("reports.add_review"):
            return False
        return obj is None or can_review(request.user, obj)

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("reports.add_review")

    def save_model(self, request, obj, form, change) -> None:
        # The report itself is read-only here; only the inline review is saved.
        pass

    def save_formset(self, request, form, formset, change) -> None:
        if not isinstance(formset, NewReviewFormSet):
            formset.save()
            return
        formset.new_objects = [
            add_review(
                form.instance,
                request.user,
                body=review_form.cleaned_data.get("body", ""),
                verdict=review_form.cleaned_data["verdict"],
            )
            for review_form in formset.extra_forms
            if review_form.has_changed() and "verdict" in review_form.cleaned_data
        ]
        formset.changed_objects = []
        formset.deleted_objects = []
        request.review_saved = bool(formset.new_objects)

    @admin.display(description=_("problems"))
    def problems_found(self, report: Report) -> str:
        # A GitHub report could not be refused; what the web form would have said.
        if not report.problems:
            return "—"
        return format_html_join("\n", "<div>{}</div>", ((p,) for p in report.problems))

    @admin.action(description=_("Approve selected (LGTM)"), permissions=["review"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        reviewed, skipped = approve_reports(request.user, queryset)
        message = ngettext(
            "Approved %(reviewed)d report.", "Approved %(reviewed)d reports.", len(reviewed)
        ) % {"reviewed": len(reviewed)}
        if skipped:
            message += " " + ngettext(
                "Skipped %(skipped)d (already approved or not yours to review).",
                "Skipped %(skipped)d (already approved or not yours to review).",
                len(skipped),
            ) % {"skipped": len(skipped)}
        self.message_user(request, message, messages.SUCCESS if reviewed else messages.WARNING)

    @admin.display(description=_("merged PRs this period"), ordering="merged_prs")
    def merged_prs_this_period(self, report: Report) -> str:
        """From the collected GitHub evidence; "-" until it was collected."""
        merged = getattr(report, "merged_prs", None)
        return "-" if merged is None else str(merged)

    @admin.display(description=_("student"), ordering="student__github_login")
    def student_login(self, report: Report) -> str:
        return str(report.student)

    @admin.display(description=_("student"), ordering="student__github_login")
    def student_with_name(self, report: Report) -> str:
        return format_html(
            '{}<br><span class="quiet">{}</span>', str(report.student), report.student.name
        )

    @admin.display(description=_("name"), ordering="student__display_name")
    def student_name(self, report: Report) -> str:
        return report.student.name

    @admin.display(description=_("project"), ordering="project_title")
    def project(self, report: Report) -> str:
        return report.project_title or "-"

    @admin.display(description=_("period"), ordering="period__starts_on")
    def period_label(self, report: Report) -> str:
        return f"{report.period.cohort.slug} {report.period}"

    @admin.display(description=_("submitted at"), ordering="submitted_at")
    def submitted(self, report: Report) -> str:
        if report.submitted_at is None:
            return _("Draft")
        local = timezone.localtime(report.submitted_at, report.period.cohort.tzinfo)
        if report.is_late:
            return format_html(
                '{} <strong class="late-badge" title="{}">{}</strong>',
                f"{local:%Y-%m-%d %H:%M}",
                f"{report.effective_due_at.astimezone(report.period.cohort.tzinfo):%Y-%m-%d %H:%M}",
                _("late"),
            )
        return f"{local:%Y-%m-%d %H:%M}"

    @admin.display(description=_("review status"), ordering="latest_verdict")
    def review_status(self, report: Report) -> str:
        if not report.has_review:
            return _("Waiting for review")
        if report.revised_after_review:
            return format_html(
                '<strong class="resubmitted">{}</strong><br><span class="quiet">{}</span>',
                _("Resubmitted"),
                Review.Verdict(report.latest_verdict).label,
            )
        return Review.Verdict(report.latest_verdict).label

    @admin.display(description=_("days waiting"))
    def days_waiting(self, report: Report) -> int | str:
        if not report.awaiting_review or report.waiting_since is None:
            return "-"
        return waiting_days(report.waiting_since, timezone.now())

    @admin.display(description=_("report"))
    def rendered(self, report: Report) -> str:
        return format_html('<div class="markdown-body">{}</div>', render_markdown(report.body))


def waiting_days(since: datetime.datetime, now: datetime.datetime) -> int:
    return max((now - since).days, 0)


class ReviewAddForm(NewReviewForm):
    class Meta:
        model = Review
        fields = ["report", "verdict", "body"]


@admin.register(Review)
class ReviewAdmin(ShowsReview, NotFoundOutsideScopeMixin, admin.ModelAdmin):
    """All reviews in the user's scope; a new one can be added here too, picking
    the report by autocomplete. Reviews are never edited (post another one)."""

    form = ReviewAddForm
    list_display = ["report", "verdict", "reviewer", "created_at", "source"]
    list_filter = [
        "verdict",
        "source",
        ("report__period__cohort", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["report__student__github_login", "report__student__display_name"]
    list_select_related = ["report__student", "report__period", "mentor"]
    autocomplete_fields = ["report"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Review]:
        return super().get_queryset(request).filter(report__in=admin_reports(request.user))

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["report", "verdict", "body"]
        return ["report", "verdict", "reviewer", "created_at", "source", "rendered_body"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "report":
            kwargs["queryset"] = reviewable_reports(request.user).select_related(
                "student", "period"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Only the superuser removes a review (spam, a wrong student).
        return request.user.is_active and request.user.is_superuser

    def save_model(self, request, obj, form, change) -> None:
        if change:
            raise PermissionDenied
        review = add_review(
            form.cleaned_data["report"],
            request.user,
            body=form.cleaned_data.get("body", ""),
            verdict=form.cleaned_data["verdict"],
        )
        obj.pk = review.pk
        obj.mentor = review.mentor
        obj.created_at = review.created_at


class DecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("grant", _("Grant")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = AllowanceRequest
        fields = ["answer"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 3})}


class RequestStatusFilter(FilterWithDefault):
    """Without a choice: the requests still waiting for a decision."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return AllowanceRequest.Status.choices

    default = AllowanceRequest.Status.PENDING

    def queryset(self, request, queryset):
        if self.value() in AllowanceRequest.Status.values:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(AllowanceRequest)
class AllowanceRequestAdmin(NotFoundOutsideScopeMixin, admin.ModelAdmin):
    """Students' requests for an extension or an excuse, for their mentors and
    the cohort's TAs: the oldest waiting first; granting writes the allowance
    (reports.reviewing.requests.decide)."""

    form = DecisionForm
    list_display = ["student", "period", "kind", "extended_until", "status", "created_at"]
    list_filter = [RequestStatusFilter, "kind", ("period__cohort", CohortFilter)]
    list_select_related = ["student", "period__cohort"]
    search_fields = ["student__github_login", "student__display_name"]
    ordering = ["created_at", "id"]
    facts = ["student", "period", "kind", "extended_until", "reason", "status", "created_at"]
    decided = ["answer", "decided_by", "decided_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AllowanceRequest]:
        return decidable_requests(request.user).select_related("student", "period__cohort")

    def _decides_any(self, request: HttpRequest) -> bool:
        user = request.user
        return (
            user.is_active
            and user.is_staff
            and (
                user.is_superuser
                or managed_cohorts(user).exists()
                or Mentorship.objects.filter(mentor=user).exists()
            )
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._decides_any(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._decides_any(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.status != AllowanceRequest.Status.PENDING:
            return False
        return self._decides_any(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_fields(self, request, obj=None):
        if obj is not None and obj.status == AllowanceRequest.Status.PENDING:
            return [*self.facts, "decision", "answer"]
        return [*self.facts, *self.decided]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == AllowanceRequest.Status.PENDING:
            return self.facts
        return [*self.facts, *self.decided]

    def save_model(self, request, obj, form, change) -> None:
        decide(
            obj,
            request.user,
            grant=form.cleaned_data["decision"] == "grant",
            answer=form.cleaned_data.get("answer", ""),
        )
