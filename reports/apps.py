from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # The review loop answers the write paths' signals (a review posted, a
        # reviewed report changed); connect its receivers.
        from reports.reviewing import events  # noqa: F401
