from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Read-only dashboards, KPIs and exports."""

    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from oms import navigation
        from reporting import load

        # The benchmark data set's rollups, built last (manage.py generate_load).
        load.register()

        # The managers' dashboard (reporting.views) first under /reports/.
        navigation.register("reports", _("Dashboard"), "reporting:dashboard", order=10)
        # The accounting export (DATEV booking batch, OSS totals) of a period.
        navigation.register("reports", _("Accounting export"), "reporting:accounting", order=40)
