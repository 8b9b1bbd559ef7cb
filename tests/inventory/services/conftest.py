import pytest


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the default language is German)."""
    from django.utils import translation

    with translation.override("en"):
        yield
