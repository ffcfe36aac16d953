from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampConfig(AppConfig):
    # This module holds two configs; "camp" in INSTALLED_APPS means this one.
    default = True
    name = "camp"
    verbose_name = _("Camp")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from camp.schedule import install_schedule

        # After migrate, when django-celery-beat's tables exist.
        post_migrate.connect(install_schedule, sender=self, dispatch_uid="camp-install-schedule")


class SignInLockoutsConfig(AxesConfig):
    """django-axes under a name people read in the admin; the package ships no
    Chinese, so its admin texts are translated in this project's catalogue
    (camp/admin.py THIRD_PARTY_TEXTS)."""

    verbose_name = _("Sign-in lockouts")
