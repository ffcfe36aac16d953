from django import forms
from django.utils.translation import gettext_lazy as _

from reports.reviewing.conversation import MAX_REPLY_LENGTH
from reports.writing import MAX_BODY_CHARS


class ReportForm(forms.Form):
    body = forms.CharField(
        label=_("Report (Markdown)"),
        max_length=MAX_BODY_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply (Markdown)"),
        max_length=MAX_REPLY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class PreviewForm(forms.Form):
    body = forms.CharField(max_length=MAX_BODY_CHARS, strip=False, required=False)
