from django.apps import AppConfig


class LoadgenConfig(AppConfig):
    """Holds the ``generate_load`` command; no models, no pages."""

    name = "loadgen"
