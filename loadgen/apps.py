from django.apps import AppConfig


class LoadgenConfig(AppConfig):
    """Holds the ``generate_load`` command and the load steps of inventory and orders; no models, no pages."""

    name = "loadgen"

    def ready(self) -> None:
        from loadgen import steps

        steps.register()
