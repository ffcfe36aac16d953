from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import Allowance
from reports.reviewing.requests import MAX_REASON_LENGTH
from reports.writing import MAX_BODY_CHARS


class ReportForm(forms.Form):
    body = forms.CharField(
        label=_("Report (Markdown)"),
        max_length=MAX_BODY_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
    )


class AskForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("I ask for"), choices=Allowance.Kind.choices, widget=forms.RadioSelect
    )
    extended_until = forms.DateTimeField(
        label=_("Until (for an extension, in the cohort's time zone)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=MAX_REASON_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )


class PreviewForm(forms.Form):
    body = forms.CharField(max_length=MAX_BODY_CHARS, strip=False, required=False)
