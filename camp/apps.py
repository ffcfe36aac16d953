from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampConfig(AppConfig):
    name = "camp"
    verbose_name = _("Camp")


class SignInLockoutsConfig(AxesConfig):
    """django-axes under a name people read in the admin; the package ships no
    Chinese, so its admin texts are translated in this project's catalogue
    (camp/admin.py THIRD_PARTY_TEXTS)."""

    verbose_name = _("Sign-in lockouts")
