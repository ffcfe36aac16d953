"""Query filters of the list endpoints (django-filter)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.http import HttpRequest

from camp.models import Project
from reports.access import visible_reports
from reports.models import Period, Report, Review


class CohortSlugFilter(django_filters.FilterSet):
    cohort = django_filters.CharFilter(field_name="cohort__slug", help_text="Cohort slug.")


class ProjectFilter(CohortSlugFilter):
    class Meta:
        model = Project
        fields = ["cohort"]


class PeriodFilter(CohortSlugFilter):
    class Meta:
        model = Period
        fields = ["cohort", "number"]


class WholeNumberFilter(django_filters.NumberFilter):
    """A number that no row can hold (1e30, 2.5) matches nothing, on every
    database: SQLite cannot even compare an integer column with it."""

    def filter(self, qs, value):
        if value is not None and (value != int(value) or not -(2**63) <= value < 2**63):
            return qs.none()
        return super().filter(qs, value)


class ReportFilter(django_filters.FilterSet):
    cohort = django_filters.CharFilter(field_name="period__cohort__slug", help_text="Cohort slug.")
    period = WholeNumberFilter(
        field_name="period__number", help_text="Period number (with cohort)."
    )
    period_id = WholeNumberFilter(field_name="period_id", help_text="Period id.")
    student = django_filters.CharFilter(
        field_name="student__github_login", lookup_expr="iexact", help_text="GitHub login."
    )

    class Meta:
        model = Report
        fields = ["cohort", "period", "period_id", "student", "status"]


def _visible_reports(request: HttpRequest) -> QuerySet[Report]:
    return visible_reports(request.user)


class ReviewFilter(django_filters.FilterSet):
    # Checked against the reports the user may see, not all reports: otherwise the
    # id of someone else's report would pass (an empty list) while a made-up id
    # fails, which tells which report ids exist. Both now fail alike.
    report = django_filters.ModelChoiceFilter(queryset=_visible_reports, help_text="Report id.")
    cohort = django_filters.CharFilter(
        field_name="report__period__cohort__slug", help_text="Cohort slug."
    )
    period = WholeNumberFilter(field_name="report__period__number")
    student = django_filters.CharFilter(
        field_name="report__student__github_login", lookup_expr="iexact", help_text="GitHub login."
    )

    class Meta:
        model = Review
        fields = ["report", "cohort", "period", "student", "verdict"]
