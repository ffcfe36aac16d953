from django import forms
from django.contrib.auth.forms import SetPasswordForm

from camp.models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "display_name",
            "email",
            "language",
            "timezone",
            "email_notifications",
            "chat_user_id",
        ]


class InvitationPasswordForm(SetPasswordForm):
    """Django's own set-password form: both fields, all password validators."""
