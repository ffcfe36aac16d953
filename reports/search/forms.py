"""The search box and its filters, for the page and the API alike."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from camp.models import Cohort, User
from reports.models import SearchDocument
from reports.search.querying import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    BadQuery,
    Filters,
    parse_terms,
)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=MAX_QUERY_CHARS, strip=True)
    cohort = forms.SlugField(label=_("Cohort"), required=False)
    period = forms.IntegerField(label=_("Period"), required=False, min_value=1, max_value=32767)
    student = forms.CharField(label=_("Student (GitHub login)"), required=False, max_length=39)
    kind = forms.MultipleChoiceField(
        label=_("Kind"), required=False, choices=SearchDocument.Kind.choices
    )
    limit = forms.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT)
    offset = forms.IntegerField(required=False, min_value=0, max_value=10_000)

    def clean_q(self) -> str:
        query = self.cleaned_data["q"]
        try:
            parse_terms(query)
        except BadQuery as error:
            raise forms.ValidationError(str(error)) from error
        return query

    def clean(self) -> dict:
        data = super().clean()
        if data.get("period") and not data.get("cohort"):
            self.add_error(
                "period", _("A period is a number within a cohort: give the cohort too.")
            )
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        cohort_id = student_id = None
        if data.get("cohort"):
            cohort_id = (
                Cohort.objects.filter(slug=data["cohort"]).values_list("pk", flat=True).first() or 0
            )
        if data.get("student"):
            student_id = (
                User.objects.filter(github_login__iexact=data["student"])
                .values_list("pk", flat=True)
                .first()
                or 0
            )
        return Filters(
            cohort_id=cohort_id,
            period_number=data.get("period"),
            student_id=student_id,
            kinds=tuple(data.get("kind") or ()),
        )

    def page(self) -> tuple[int, int]:
        """(limit, offset) as asked, or the defaults."""
        return self.cleaned_data.get("limit") or DEFAULT_LIMIT, self.cleaned_data.get("offset") or 0
