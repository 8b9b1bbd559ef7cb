"""Fixtures of the order API and webhook tests: a channel with API key and webhook secret, products.

Kept apart from the domain's factories (tests/orders/factories.py), which these tests only use.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from inventory.models import Product
from oms.api_keys import create_api_key
from orders.models import Channel

FIXTURES = Path(__file__).parent / "fixtures"
WEBHOOK_SECRET = "whsec-test-4f9a1c0e7b2d"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> dict:
    return json.loads(fixture_bytes(name))


def make_channel(code: str, **extra) -> Channel:
    return Channel.objects.create(code=code, name=code.title(), webhook_secret=WEBHOOK_SECRET, **extra)


@pytest.fixture
def products(db) -> dict[str, Product]:
    """The SKUs the payload fixtures order (German standard VAT, gross prices)."""
    rows = {
        "SHIRT-BLK-M": ("Bio-T-Shirt Schwarz M", Decimal("24.90")),
        "MUG-WHT": ("Emaille-Becher Weiß", Decimal("12.50")),
    }
    return {
        sku: Product.objects.create(
            sku=sku, name=name, gross_price=gross, net_price=(gross / Decimal("1.19")).quantize(Decimal("0.01"))
        )
        for sku, (name, gross) in rows.items()
    }


@pytest.fixture
def channel(db) -> Channel:
    return make_channel("webshop")


@pytest.fixture
def other_channel(db) -> Channel:
    return make_channel("market")


@pytest.fixture
def api_key(channel) -> str:
    return create_api_key(channel_code=channel.code, name="shop backend")[1]


@pytest.fixture
def other_api_key(other_channel) -> str:
    return create_api_key(channel_code=other_channel.code, name="marketplace")[1]


@pytest.fixture
def api(client, api_key):
    """A Django test client that sends the channel's API key."""
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {api_key}"
    return client
