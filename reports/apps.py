from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Each feature's signal receivers, in one module per feature (as
        # pretix's base/apps.py does): importing a module connects them.
        from reports.blockers import receivers as blocker_receivers  # noqa: F401
        from reports.github import receivers as github_receivers  # noqa: F401
        from reports.overview import freshness  # noqa: F401
        from reports.qa import receivers as qa_receivers  # noqa: F401
        from reports.reviewing import receivers as reviewing_receivers  # noqa: F401
        from reports.search import receivers as search_receivers  # noqa: F401
        from reports.similarity import receivers as similarity_receivers  # noqa: F401
