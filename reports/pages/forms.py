from django import forms
from django.utils.translation import gettext_lazy as _

from reports.writing import MAX_BODY_CHARS


class ReportForm(forms.Form):
    body = forms.CharField(
        label=_("Report (Markdown)"),
        max_length=MAX_BODY_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
    )


class PreviewForm(forms.Form):
    body = forms.CharField(max_length=MAX_BODY_CHARS, strip=False, required=False)
