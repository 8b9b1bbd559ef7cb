"""Orders a shop has already taken from its customer are never refused: the shop has the money,
and a refusal loses the order. What is doubtful is taken in and put on hold, with the reason on
the timeline and a case in the support queue (issue: shop orders never refused)."""

# ruff: noqa: F811

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest

from inventory.models import StockLevel
from inventory.services.stock import receive_stock
from orders.models import (
    Allocation,
    EventKind,
    Order,
    OrderState,
    PaymentMethod,
    PaymentState,
    PaymentTransaction,
    SupportCase,
)
from tests.orders.api_fixtures import channel, fixture_json, products  # noqa: F401  (fixtures)
from tests.orders.factories import warehouse
from tests.orders.test_webhooks import DELIVERED, shopify_post, woo_post

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(DELIVERED)]  # minutes after the shops took the orders


@pytest.fixture
def stock(products):
    """20 units of each fixture SKU in one warehouse, so a taken-in order reserves stock."""
    wh = warehouse("LEJ")
    for product in products.values():
        receive_stock(product=product, warehouse=wh, quantity=20, reference="test")
    return wh


def held_order() -> Order:
    order = Order.objects.get()
    assert order.state == OrderState.ON_HOLD, (order.state, order.hold_reason)
    return order


def timeline_hold(order: Order) -> str:
    return order.events.get(to_state=OrderState.ON_HOLD).message


def review_case(order: Order) -> SupportCase:
    case = SupportCase.objects.get(order=order)
    assert case.state == "open"
    assert all(message.internal for message in case.messages.all())  # never shown to the customer
    return case


# --- doubtful addresses -------------------------------------------------------------------------


def test_a_german_postcode_of_four_digits_is_taken_in_and_held_with_the_reason(client, channel, stock):
    payload = fixture_json("shopify_order_create.json")
    payload["shipping_address"]["zip"] = "4109"  # the leading zero lost in a spreadsheet

    response = shopify_post(client, json.dumps(payload).encode())

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "created"
    order = held_order()
    assert "4109" in order.hold_reason and "DE" in order.hold_reason
    assert "4109" in timeline_hold(order)
    assert "4109" in review_case(order).messages.get().body
    # Paid, so confirmed and allocated before the hold: its stock stays reserved for it.
    assert order.state_before_hold == OrderState.ALLOCATED
    assert order.events.filter(kind=EventKind.PLACED).exists()


def test_a_woocommerce_order_with_a_postcode_of_letters_for_germany_is_held(client, channel, products):
    payload = fixture_json("woocommerce_order_created.json")
    payload["shipping"]["postcode"] = "D-79108"

    assert woo_post(client, json.dumps(payload).encode()).status_code == 200

    order = held_order()
    assert "D-79108" in order.hold_reason
    assert order.state_before_hold == OrderState.BACKORDERED  # no stock: backordered, then held


@pytest.mark.parametrize(
    ("country", "postcode"),
    [("DE", "04109"), ("AT", "1010"), ("NL", "1012 ab"), ("PL", "00-950"), ("GB", "SW1A 1AA"), ("BR", "01310-100")],
)
def test_postcodes_in_their_country_s_format_are_not_held(client, channel, products, country, postcode):
    payload = fixture_json("shopify_order_create.json")
    payload["shipping_address"].update(zip=postcode, country_code=country)

    assert shopify_post(client, json.dumps(payload).encode()).status_code == 200

    order = Order.objects.get()
    assert order.state != OrderState.ON_HOLD, order.hold_reason
    assert not SupportCase.objects.exists()


def test_a_doubtful_billing_address_alone_does_not_hold_an_order_shipped_elsewhere(client, channel, products):
    payload = fixture_json("shopify_order_create.json")
    payload["billing_address"]["zip"] = "123"

    assert shopify_post(client, json.dumps(payload).encode()).status_code == 200

    assert Order.objects.get().state != OrderState.ON_HOLD


# --- an internationalised e-mail address ---------------------------------------------------------


def test_an_e_mail_with_umlauts_before_the_at_is_taken_in_from_either_shop(client, channel, products):
    shopify = fixture_json("shopify_order_create.json")
    shopify["email"] = shopify["contact_email"] = shopify["customer"]["email"] = "jörg.müller@example.de"
    woo = fixture_json("woocommerce_order_created.json")
    woo["billing"]["email"] = "zoë.weiß@example.de"

    assert shopify_post(client, json.dumps(shopify).encode()).status_code == 200
    assert woo_post(client, json.dumps(woo).encode()).status_code == 200

    assert sorted(Order.objects.values_list("email", "state")) == [
        ("jörg.müller@example.de", OrderState.BACKORDERED),
        ("zoë.weiß@example.de", OrderState.BACKORDERED),
    ]


# --- the shop's tax lines decide the VAT ---------------------------------------------------------


def _net_order(*prices: str, vat: str) -> dict:
    """A Shopify order at net prices (``taxes_included`` false) of one unit per price, no
    shipping, with Shopify's VAT: rounded per line, then summed."""
    payload = fixture_json("shopify_order_create.json")
    payload["taxes_included"] = False
    for item, price in zip(payload["line_items"], prices, strict=True):
        item.update(price=price, quantity=1)
    payload["shipping_lines"] = []
    net = sum(Decimal(p) for p in prices)
    payload["tax_lines"] = [{"price": vat, "rate": 0.19, "title": "MwSt"}]
    payload.update(subtotal_price=str(net), total_tax=vat, total_price=str(net + Decimal(vat)))
    return payload


def test_a_net_price_shopify_order_whose_vat_is_a_cent_above_ours_is_taken_in_at_the_shops_vat(
    client, channel, products
):
    # Per line: 10.03 x 19 % = 1.9057 -> 1.91, twice: 3.82. Per rate: 20.06 x 19 % = 3.8114 -> 3.81.
    payload = _net_order("10.03", "10.03", vat="3.82")

    response = shopify_post(client, json.dumps(payload).encode())

    assert response.status_code == 200, response.content
    order = Order.objects.get()
    assert (order.subtotal, order.vat_total, order.total) == (Decimal("20.06"), Decimal("3.82"), Decimal("23.88"))
    assert order.vat_breakdown == {"19.00": {"net": "20.06", "vat": "3.82", "gross": "23.88"}}
    assert order.state != OrderState.ON_HOLD


def test_vat_at_a_rate_the_catalogue_does_not_have_is_taken_in_and_held(client, channel, products):
    payload = fixture_json("shopify_order_create.json")
    payload["tax_lines"] = [{"price": "4.08", "rate": 0.07, "title": "MwSt ermäßigt"}]

    assert shopify_post(client, json.dumps(payload).encode()).status_code == 200

    order = held_order()
    assert "7.00" in order.hold_reason and "19.00" in order.hold_reason
    assert order.vat_breakdown["19.00"]["vat"] == "10.73"  # ours, from the catalogue's rate
    assert order.total == Decimal("67.20")


def test_a_shop_total_that_does_not_add_up_is_taken_in_and_held_not_refused(client, channel, products):
    payload = fixture_json("shopify_order_create.json")
    payload["total_price"] = "67.90"  # 70 cents nobody can explain

    assert shopify_post(client, json.dumps(payload).encode()).status_code == 200

    order = held_order()
    assert "67.90" in order.hold_reason and "67.20" in order.hold_reason
    assert "67.90" in review_case(order).messages.get().body


# --- tips -----------------------------------------------------------------------------------------

TIP_LINE = {
    "id": 14726390583870,
    "title": "Tip",
    "name": "Tip",
    "price": "5.00",
    "quantity": 1,
    "sku": None,
    "product_id": None,
    "variant_id": None,
    "gift_card": False,
    "requires_shipping": False,
    "taxable": False,
    "fulfillment_service": "manual",
    "tax_lines": [],
    "discount_allocations": [],
}


def test_a_shopify_order_with_a_tip_is_taken_in_with_the_tip_taxed_at_the_standard_rate(client, channel, stock):
    payload = fixture_json("shopify_order_create.json")
    payload["line_items"].append(TIP_LINE)
    payload.update(total_tip_received="5.00", total_price="72.20", subtotal_price="67.30")

    response = shopify_post(client, json.dumps(payload).encode())

    assert response.status_code == 200, response.content
    order = Order.objects.get()
    assert (order.tip_total, order.total) == (Decimal("5.00"), Decimal("72.20"))
    # The shop's 10.73 on goods and shipping, plus the VAT in the tip: 5.00 - 5.00 / 1.19 = 0.80.
    assert order.vat_total == Decimal("11.53")
    assert order.vat_breakdown["19.00"] == {"net": "60.67", "vat": "11.53", "gross": "72.20"}
    assert sorted(order.lines.values_list("sku", flat=True)) == ["MUG-WHT", "SHIRT-BLK-M"]  # the tip is no line
    assert order.state == OrderState.ALLOCATED


# --- gift cards -----------------------------------------------------------------------------------

GIFT_CARD_LINE = {
    "id": 14726390616638,
    "title": "Geschenkkarte",
    "name": "Geschenkkarte - 25,00 €",
    "price": "25.00",
    "quantity": 1,
    "sku": "",
    "product_id": 8821937629566,
    "variant_id": 46729384821638,
    "gift_card": True,
    "requires_shipping": False,
    "taxable": False,
    "fulfillment_service": "gift_card",
    "tax_lines": [],
    "discount_allocations": [],
}


def test_a_gift_card_sold_as_a_line_carries_no_vat_and_reserves_no_stock(client, channel, stock):
    payload = fixture_json("shopify_order_create.json")
    payload["line_items"].append(GIFT_CARD_LINE)
    payload.update(total_price="92.20", subtotal_price="87.30")

    response = shopify_post(client, json.dumps(payload).encode())

    assert response.status_code == 200, response.content
    order = Order.objects.get()
    assert (order.gift_card_total, order.total, order.vat_total) == (
        Decimal("25.00"),
        Decimal("92.20"),
        Decimal("10.73"),
    )
    assert order.vat_breakdown["0.00"] == {"net": "25.00", "vat": "0.00", "gross": "25.00"}
    assert order.state == OrderState.ALLOCATED
    allocated = Allocation.objects.select_related("order_line")
    assert sorted(a.order_line.sku for a in allocated) == ["MUG-WHT", "SHIRT-BLK-M"]
    assert sum(StockLevel.objects.values_list("reserved", flat=True)) == 3  # 2 shirts, 1 mug: nothing for the card


def test_an_order_of_gift_cards_only_is_acknowledged_with_nothing_to_ship(client, channel, products):
    payload = fixture_json("shopify_order_create.json")
    payload["line_items"] = [GIFT_CARD_LINE]
    payload.update(total_price="25.00", subtotal_price="25.00", tax_lines=[], shipping_lines=[])

    response = shopify_post(client, json.dumps(payload).encode())

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "ignored"
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("gateways", "method"),
    [(["gift_card"], PaymentMethod.GIFT_CARD), (["gift_card", "shopify_payments"], PaymentMethod.CARD)],
    ids=["gift-card-only", "gift-card-and-card"],
)
def test_an_order_paid_with_a_gift_card_is_taken_in_as_paid(client, channel, stock, gateways, method):
    payload = fixture_json("shopify_order_create.json")
    payload["payment_gateway_names"] = gateways

    assert shopify_post(client, json.dumps(payload).encode()).status_code == 200

    order = Order.objects.get()
    assert (order.payment_method, order.payment_state, order.state) == (
        method,
        PaymentState.PAID,
        OrderState.ALLOCATED,
    )
    assert PaymentTransaction.objects.get(order=order).amount == Decimal("67.20")
    assert order.gift_card_total == 0  # a gift card used to pay is a payment, not a sale


# --- an implausible order date --------------------------------------------------------------------


def test_a_woocommerce_order_dated_year_one_is_taken_in_now_and_held(client, channel, products):
    payload = fixture_json("woocommerce_order_created.json")
    payload["date_created_gmt"] = "0001-01-01T00:00:00"

    assert woo_post(client, json.dumps(payload).encode()).status_code == 200

    order = held_order()
    assert "date_created_gmt" in order.hold_reason
    assert abs(order.placed_at - DELIVERED) < datetime.timedelta(minutes=5)  # when we took it in
    assert order.number.startswith("2026-")
