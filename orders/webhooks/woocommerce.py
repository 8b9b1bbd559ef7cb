"""WooCommerce: an ``order.created`` (or ``order.updated``) webhook's order (REST API v3 JSON) as
an ``OrderDraft``, and the unsigned ping WooCommerce sends when a hook is set up."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from oms import parsing
from oms.money import quantize, quantize_up
from orders.models import ChannelPlatform, WebhookSource
from orders.services.drafts import AddressDraft, CustomerDraft, LineDraft, OrderDraft
from orders.webhooks import fields
from orders.webhooks.deliveries import Platform
from orders.webhooks.errors import PayloadError
from orders.webhooks.fields import NOTE_LENGTH, PayloadReader

WOOCOMMERCE = Platform(
    source=WebhookSource.WOOCOMMERCE,
    platform=ChannelPlatform.WOOCOMMERCE,
    signature_header="X-WC-Webhook-Signature",
    topic_header="X-WC-Webhook-Topic",
    topics=("order.created", "order.updated"),
    delivery_header="X-WC-Webhook-Delivery-ID",
)

# WooCommerce payment gateway ids -> our payment methods.
WOO_GATEWAYS = {
    "bacs": "prepayment",
    "cheque": "prepayment",
    "cod": "cash_on_delivery",
    "paypal": "paypal",
    "ppcp-gateway": "paypal",
    "stripe": "card",
    "woocommerce_payments": "card",
    "invoice": "invoice",
}
WOO_CAPTURED = {"processing", "completed"}
WOO_ACCEPTED = WOO_CAPTURED | {"pending", "on-hold"}
_PING = re.compile(rb"^webhook_id=\d+$")


def is_woocommerce_ping(request: HttpRequest, raw: bytes) -> bool:
    """WooCommerce's first delivery: an unsigned form post ``webhook_id=<id>``, not an order."""
    return request.content_type == "application/x-www-form-urlencoded" or bool(_PING.match(raw.strip()))


def _woo_address(read: PayloadReader, data: dict[str, Any], field: str) -> AddressDraft:
    return AddressDraft(
        name=read.full_name(data.get("first_name"), data.get("last_name"), field),
        company=read.text(data.get("company"), f"{field}.company"),
        street=read.text(data.get("address_1"), f"{field}.address_1"),
        line2=read.text(data.get("address_2"), f"{field}.address_2"),
        postcode=read.text(data.get("postcode"), f"{field}.postcode", 20),
        city=read.text(data.get("city"), f"{field}.city", 100),
        country=read.text(data.get("country"), f"{field}.country", 10).upper(),
        phone=read.text(data.get("phone"), f"{field}.phone", 50),
    )


def woocommerce_order_draft(payload: dict[str, Any]) -> OrderDraft:
    """Map a WooCommerce order (REST API v3 webhook JSON) onto an ``OrderDraft``.

    WooCommerce keeps line amounts net (``subtotal`` before, ``total`` after coupons, taxes beside
    them) and ``price`` as an unrounded JSON number. With ``prices_include_tax`` the shop sells at
    gross prices, so unit price and discount are rebuilt gross from the amounts and their taxes;
    otherwise they are taken net. Either way ``unit_price x quantity - discount`` is the line's
    amount to the cent, so the stated total adds up.

    Fee lines (a cash-on-delivery surcharge, a payment fee) are charged with the shipping; a
    negative fee (how some plugins grant a discount) is an order discount. Text that cannot be
    stored as sent is cleaned and becomes a doubt (``OrderDraft.doubts``): the order is held.
    """
    read = PayloadReader()
    external_id = read.external_id(payload.get("id"), "id")
    billing_data = fields.section(payload.get("billing"), "billing")
    shipping_data = fields.section(payload.get("shipping"), "shipping", required=False)
    billing = _woo_address(read, billing_data, "billing")
    # No shipping address: virtual goods or "ship to billing address".
    shipping = _woo_address(read, shipping_data, "shipping") if shipping_data.get("address_1") else billing
    email = read.identifier(billing_data.get("email"), "billing.email", 254)
    if not email:
        raise PayloadError("billing.email", _("The order has no customer e-mail address."))
    gross = bool(payload.get("prices_include_tax"))

    items = payload.get("line_items")
    if not isinstance(items, list) or not items:
        raise PayloadError("line_items", _("The order has no line items."))
    lines: list[LineDraft] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise PayloadError(f"line_items[{i}]", _("A line item must be an object."))
        sku = read.identifier(item.get("sku"), f"line_items[{i}].sku")
        if not sku:
            raise PayloadError(
                f"line_items[{i}].sku",
                _("Line item “%(name)s” has no SKU.") % {"name": read.text(item.get("name"), f"line_items[{i}].name")},
            )
        quantity = fields.quantity(item.get("quantity"), f"line_items[{i}].quantity")
        if item.get("subtotal") not in (None, ""):
            before = fields.money(item.get("subtotal"), f"line_items[{i}].subtotal")
            after = fields.money(item.get("total"), f"line_items[{i}].total", default=before)
            if gross:
                before += fields.money(item.get("subtotal_tax"), f"line_items[{i}].subtotal_tax", default=Decimal(0))
                after += fields.money(item.get("total_tax"), f"line_items[{i}].total_tax", default=Decimal(0))
            # Rounded up, so the discount takes up the remainder and the line keeps to the cent
            # what the shop charged (29.98 for 3 units: 3 x 10.00 less 0.02).
            unit_price = quantize_up(before / quantity)
            discount = max(unit_price * quantity - after, Decimal(0))
        else:
            unit_price = quantize(fields.money(item.get("price"), f"line_items[{i}].price"))
            discount = Decimal(0)
        lines.append(LineDraft(sku=sku, quantity=quantity, unit_price=unit_price, discount=discount))

    shipping_total = fields.money(payload.get("shipping_total"), "shipping_total", default=Decimal(0))
    if gross:
        shipping_total += fields.money(payload.get("shipping_tax"), "shipping_tax", default=Decimal(0))
    fees = Decimal(0)
    fee_lines = payload.get("fee_lines")
    for i, fee in enumerate(fee_lines if isinstance(fee_lines, list) else []):
        if isinstance(fee, dict):
            fees += fields.signed_money(fee.get("total"), f"fee_lines[{i}].total")
            if gross:
                fees += fields.signed_money(fee.get("total_tax"), f"fee_lines[{i}].total_tax")
    return OrderDraft(
        customer=CustomerDraft(
            email=email,
            name=billing.name,
            phone=billing.phone,
            company=billing.company,
        ),
        billing_address=billing,
        shipping_address=shipping,
        lines=lines,
        currency=read.text(payload.get("currency"), "currency", 10).upper(),
        price_mode="gross" if gross else "net",
        shipping_total=shipping_total + max(fees, Decimal(0)),
        # Coupon discounts are already inside the lines' totals; only a negative fee is left.
        discount_total=max(-fees, Decimal(0)),
        stated_total=fields.money(payload.get("total"), "total"),
        payment_method=WOO_GATEWAYS.get(read.text(payload.get("payment_method"), "payment_method").lower(), "other"),
        payment_captured=payload.get("status") in WOO_CAPTURED,
        external_id=external_id,
        placed_at=read.placed_at(payload.get("date_created_gmt"), "date_created_gmt", assume_utc=True),
        notes=read.text(payload.get("customer_note"), "customer_note", NOTE_LENGTH, kind=parsing.MULTILINE),
        doubts=tuple(read.doubts),
        shop_vat=_tax_by_rate(payload.get("tax_lines")),
        accepted_by_channel=True,
    )


def _tax_by_rate(tax_lines: Any) -> dict[Decimal, Decimal] | None:
    """The order's ``tax_lines`` (items and shipping) per ``rate_percent``; None when a line has
    no rate (WooCommerce before 5.7): then our VAT stands."""
    if not isinstance(tax_lines, list) or not tax_lines:
        return None
    by_rate: dict[Decimal, Decimal] = {}
    for i, line in enumerate(tax_lines):
        if not isinstance(line, dict) or line.get("rate_percent") in (None, ""):
            return None
        rate = fields.money(line.get("rate_percent"), f"tax_lines[{i}].rate_percent")
        vat = fields.money(line.get("tax_total"), f"tax_lines[{i}].tax_total", default=Decimal(0))
        vat += fields.money(line.get("shipping_tax_total"), f"tax_lines[{i}].shipping_tax_total", default=Decimal(0))
        by_rate[rate] = by_rate.get(rate, Decimal(0)) + vat
    return by_rate
