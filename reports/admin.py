"""The core's admin, and the door to every feature's: Django's autodiscovery
imports this module, which imports the admin of each feature package (the
review loop's queue and requests, GitHub, reminders) to register it.

Here: the cohort's periods and the excuses and extensions TAs grant. Every
queryset goes through camp.roles, so a period or excuse outside the user's
cohorts is not found (404) by any admin view, search or autocomplete.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from camp.admin import NotFoundOutsideScopeMixin
from camp.models import Membership, Role, User
from camp.roles import managed_cohorts
from reports.github import admin as github_admin  # noqa: F401 (registers the GitHub admin)
from reports.models import Allowance, Period
from reports.reminders import admin as reminders_admin  # noqa: F401 (registers the reminder admins)
from reports.reviewing import admin as reviewing_admin  # noqa: F401 (registers the review loop)


@admin.register(Period)
class PeriodAdmin(NotFoundOutsideScopeMixin, admin.ModelAdmin):
    list_display = ["cohort", "number", "starts_on", "ends_on", "due_at"]
    list_filter = [("cohort", admin.RelatedOnlyFieldListFilter)]
    ordering = ["cohort", "number"]
    search_fields = ["cohort__slug", "cohort__name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Period]:
        return (
            super()
            .get_queryset(request)
            .filter(cohort__in=managed_cohorts(request.user))
            .select_related("cohort")
        )

    # A period stays in its cohort: its reports and reminders belong there.
    def get_readonly_fields(self, request: HttpRequest, obj: Period | None = None) -> list[str]:
        return ["cohort"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "cohort":
            kwargs["queryset"] = managed_cohorts(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AllowanceForm(forms.ModelForm):
    class Meta:
        model = Allowance
        fields = ["student", "period", "kind", "extended_due_at", "reason"]

    def clean(self):
        cleaned = super().clean()
        student, period = cleaned.get("student"), cleaned.get("period")
        if (
            student
            and period
            and not Membership.objects.filter(
                user=student, cohort=period.cohort_id, role=Role.STUDENT
            ).exists()
        ):
            raise forms.ValidationError(_("This student is not in the period's cohort."))
        return cleaned


@admin.register(Allowance)
class AllowanceAdmin(NotFoundOutsideScopeMixin, admin.ModelAdmin):
    """Excuses and extensions, each TA for their own cohorts."""

    form = AllowanceForm
    list_display = ["student", "period", "kind", "extended_due_at", "granted_by"]
    list_filter = ["kind", ("period__cohort", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["student", "period", "granted_by"]
    search_fields = ["student__github_login", "student__display_name"]
    readonly_fields = ["granted_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Allowance]:
        return (
            super().get_queryset(request).filter(period__cohort__in=managed_cohorts(request.user))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        cohorts = managed_cohorts(request.user)
        if db_field.name == "period":
            kwargs["queryset"] = Period.objects.filter(cohort__in=cohorts).select_related("cohort")
        elif db_field.name == "student":
            kwargs["queryset"] = User.objects.filter(
                memberships__cohort__in=cohorts, memberships__role=Role.STUDENT
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        obj.granted_by = request.user
        super().save_model(request, obj, form, change)
