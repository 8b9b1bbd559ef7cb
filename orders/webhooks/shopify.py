"""Shopify: a REST ``orders/create`` (or ``orders/paid``) webhook's order as an ``OrderDraft``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from oms import parsing
from orders.models import ChannelPlatform, WebhookSource
from orders.services.drafts import AddressDraft, CustomerDraft, LineDraft, OrderDraft
from orders.webhooks import fields
from orders.webhooks.deliveries import Ignored, Platform
from orders.webhooks.errors import PayloadError
from orders.webhooks.fields import NOTE_LENGTH, PayloadReader

SHOPIFY = Platform(
    source=WebhookSource.SHOPIFY,
    platform=ChannelPlatform.SHOPIFY,
    signature_header="X-Shopify-Hmac-Sha256",
    topic_header="X-Shopify-Topic",
    topics=("orders/create", "orders/paid"),
    delivery_header="X-Shopify-Webhook-Id",
)

# Shopify's payment gateway names -> our payment methods.
SHOPIFY_GATEWAYS = {
    "shopify_payments": "card",
    "stripe": "card",
    "paypal": "paypal",
    "bank_deposit": "prepayment",
    "cash_on_delivery": "cash_on_delivery",
    "cash on delivery (cod)": "cash_on_delivery",
    "manual": "invoice",
}
GIFT_CARD_GATEWAY = "gift_card"


def _shopify_address(read: PayloadReader, data: dict[str, Any], field: str) -> AddressDraft:
    name = read.text(data.get("name"), f"{field}.name") or read.full_name(
        data.get("first_name"), data.get("last_name"), field
    )
    return AddressDraft(
        name=name,
        company=read.text(data.get("company"), f"{field}.company"),
        street=read.text(data.get("address1"), f"{field}.address1"),
        line2=read.text(data.get("address2"), f"{field}.address2"),
        postcode=read.text(data.get("zip"), f"{field}.zip", 20),
        city=read.text(data.get("city"), f"{field}.city", 100),
        country=read.text(data.get("country_code"), f"{field}.country_code", 10).upper(),
        phone=read.text(data.get("phone"), f"{field}.phone", 50),
    )


def _allocations(items: Any) -> Decimal:
    total = Decimal(0)
    for i, allocation in enumerate(items if isinstance(items, list) else []):
        if isinstance(allocation, dict):
            total += fields.money(allocation.get("amount"), f"discount_allocations[{i}].amount", default=Decimal(0))
    return total


def shopify_order_draft(payload: dict[str, Any]) -> OrderDraft:
    """Map a Shopify order (REST webhook JSON) onto an ``OrderDraft``.

    Amounts are strings; ``taxes_included`` decides gross or net prices; line discounts are the
    line's ``discount_allocations``. Shipping is each shipping line's ``price`` less its own
    ``discount_allocations`` (a free-shipping code): ``discounted_price`` cannot be used, since
    Shopify subtracts the code from it in some API versions and not in others. What remains of
    ``total_discounts`` after the line and shipping allocations is an order discount. An order
    without a shipping address (local pickup) ships to the billing address. Text that cannot be
    stored as sent is cleaned and becomes a doubt (``OrderDraft.doubts``): the order is held.

    The shop's ``tax_lines`` decide the VAT (Shopify rounds per line, we per rate: a net-price
    order would differ by a cent). A tip is a line item without a product (``total_tip_received``);
    a gift card sold is a line item with ``gift_card``: neither is a line to pick. A gift card used
    to pay is a payment gateway ``gift_card``. An order of gift cards only has nothing for us to
    ship: it is acknowledged and not taken in.
    """
    read = PayloadReader()
    external_id = read.external_id(payload.get("id"), "id")
    billing_data = fields.section(payload.get("billing_address"), "billing_address", required=False)
    shipping_data = fields.section(payload.get("shipping_address"), "shipping_address", required=not billing_data)
    shipping_field = "shipping_address" if shipping_data else "billing_address"
    shipping_data = shipping_data or billing_data
    billing_field = "billing_address" if billing_data else "shipping_address"
    billing_data = billing_data or shipping_data
    customer_data = fields.section(payload.get("customer"), "customer", required=False)
    email = read.identifier(
        payload.get("email") or payload.get("contact_email") or customer_data.get("email"), "email", 254
    )
    if not email:
        raise PayloadError("email", _("The order has no customer e-mail address."))
    billing = _shopify_address(read, billing_data, billing_field)
    shipping = billing if shipping_data is billing_data else _shopify_address(read, shipping_data, shipping_field)
    name = read.full_name(customer_data.get("first_name"), customer_data.get("last_name"), "customer")

    items = payload.get("line_items")
    if not isinstance(items, list) or not items:
        raise PayloadError("line_items", _("The order has no line items."))
    lines: list[LineDraft] = []
    line_discounts = gift_cards = tip_lines = Decimal(0)
    tip = fields.money(payload.get("total_tip_received"), "total_tip_received", default=Decimal(0))
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise PayloadError(f"line_items[{i}]", _("A line item must be an object."))
        if item.get("gift_card") is True:
            gift_cards += _line_amount(item, i)
            continue
        if tip and _is_tip(item):
            tip_lines += _line_amount(item, i)
            continue
        sku = read.identifier(item.get("sku"), f"line_items[{i}].sku")
        if not sku:
            raise PayloadError(
                f"line_items[{i}].sku",
                _("Line item “%(title)s” has no SKU.")
                % {"title": read.text(item.get("name") or item.get("title"), f"line_items[{i}].name")},
            )
        discount = _allocations(item.get("discount_allocations"))
        line_discounts += discount
        lines.append(
            LineDraft(
                sku=sku,
                quantity=fields.quantity(item.get("quantity"), f"line_items[{i}].quantity"),
                unit_price=fields.money(item.get("price"), f"line_items[{i}].price"),
                discount=discount,
            )
        )

    shipping_total = shipping_discounts = Decimal(0)
    shipping_lines = payload.get("shipping_lines")
    for i, line in enumerate(shipping_lines if isinstance(shipping_lines, list) else []):
        if isinstance(line, dict) and not line.get("is_removed"):
            price = fields.money(line.get("price"), f"shipping_lines[{i}].price", default=Decimal(0))
            discount = min(_allocations(line.get("discount_allocations")), price)
            shipping_total += price - discount
            shipping_discounts += discount
    total_discounts = fields.money(payload.get("total_discounts"), "total_discounts", default=Decimal(0))
    if not lines and gift_cards:
        raise Ignored({"status": "ignored", "reason": "the order holds only gift cards: nothing to ship"})
    names = payload.get("payment_gateway_names")
    gateways = [read.text(name, "payment_gateway_names").lower() for name in (names if isinstance(names, list) else [])]
    # Paid partly with a gift card: the other gateway says how the rest was paid.
    others = [name for name in gateways if name != GIFT_CARD_GATEWAY]
    method = SHOPIFY_GATEWAYS.get(others[0], "other") if others else "gift_card" if gateways else "other"

    return OrderDraft(
        customer=CustomerDraft(
            email=email,
            name=name or billing.name,
            phone=read.text(payload.get("phone") or customer_data.get("phone"), "phone", 50) or billing.phone,
            language=read.language(payload.get("customer_locale")),
            company=billing.company,
        ),
        billing_address=billing,
        shipping_address=shipping,
        lines=lines,
        currency=read.text(payload.get("currency"), "currency", 10).upper(),
        price_mode="gross" if payload.get("taxes_included", True) else "net",
        shipping_total=shipping_total,
        discount_total=max(total_discounts - line_discounts - shipping_discounts, Decimal(0)),
        stated_total=fields.money(payload.get("total_price"), "total_price"),
        payment_method=method,
        payment_captured=payload.get("financial_status") == "paid",
        external_id=external_id,
        placed_at=read.placed_at(payload.get("processed_at") or payload.get("created_at"), "processed_at"),
        notes=read.text(payload.get("note"), "note", NOTE_LENGTH, kind=parsing.MULTILINE),
        doubts=tuple(read.doubts),
        tip_total=max(tip, tip_lines),
        gift_card_total=gift_cards,
        shop_vat=_tax_by_rate(payload.get("tax_lines")),
        accepted_by_channel=True,
    )


def _is_tip(item: dict[str, Any]) -> bool:
    """Shopify's tip line: no product, no SKU, nothing to ship."""
    return not item.get("product_id") and not item.get("sku") and not item.get("requires_shipping")


def _line_amount(item: dict[str, Any], i: int) -> Decimal:
    """What a line item not sold as goods (a gift card, a tip) charged: price x quantity less its discounts."""
    quantity = fields.quantity(item.get("quantity", 1), f"line_items[{i}].quantity")
    price = fields.money(item.get("price"), f"line_items[{i}].price")
    return max(price * quantity - _allocations(item.get("discount_allocations")), Decimal(0))


def _tax_by_rate(tax_lines: Any) -> dict[Decimal, Decimal] | None:
    """The order's ``tax_lines`` summed per rate in percent (``"rate": 0.19`` -> 19.00)."""
    if not isinstance(tax_lines, list) or not tax_lines:
        return None
    by_rate: dict[Decimal, Decimal] = {}
    for i, line in enumerate(tax_lines):
        if not isinstance(line, dict):
            continue
        rate = fields.tax_rate(line.get("rate"), f"tax_lines[{i}].rate")
        by_rate[rate] = by_rate.get(rate, Decimal(0)) + fields.money(line.get("price"), f"tax_lines[{i}].price")
    return by_rate or None
