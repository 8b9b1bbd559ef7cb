"""A support agent working in German types the shipping charge as Germans write it, 4,90: the
preview's totals count it."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)


def test_the_preview_counts_a_shipping_charge_typed_with_a_decimal_comma(support_client, catalogue):
    with translation.override("de"):
        body = support_client.post(
            reverse("orders:support-phone-preview"),
            {"sku": ["SHIRT-BLK-M", "MUG-WHT"], "quantity": ["2", "1"], "shipping_amount": "4,90", "currency": "EUR"},
            headers={"Accept-Language": "de"},
        ).content.decode()

    totals = body[body.index('id="order-totals"') :]
    assert "67,20" in totals  # 2 x 24,90 + 12,50 + 4,90
