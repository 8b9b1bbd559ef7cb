"""A support agent working in German types the shipping charge as Germans write it, 4,90: the
order is placed with it (the form field must read German input)."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from orders.models import Order
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)
from tests.orders.test_views_phone import NEW, _form


def test_a_phone_order_takes_a_shipping_charge_typed_with_a_decimal_comma(support_client, catalogue):
    response = support_client.post(
        reverse(NEW), _form(shipping_amount="4,90"), headers={"HX-Request": "true", "Accept-Language": "de"}
    )

    assert response.status_code == 200, response.content.decode()[:2000]
    assert Order.objects.get().shipping_total == Decimal("4.90")
