from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    """Return requests, inspection, restock, refunds and exchanges."""

    name = "returns"
    verbose_name = _("Returns")
