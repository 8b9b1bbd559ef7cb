import pytest

from tests.orders.factories import ChannelFactory, warehouse


@pytest.fixture
def channel():
    return ChannelFactory(code="web", name="Webshop")


@pytest.fixture
def lej():
    return warehouse("LEJ", country="DE", priority=10)


@pytest.fixture
def vie():
    return warehouse("VIE", country="AT", priority=20)


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the default language is German)."""
    from django.utils import translation

    with translation.override("en"):
        yield
