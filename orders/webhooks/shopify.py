"""Shopify: a REST ``orders/create`` (or ``orders/paid``) webhook's order as an ``OrderDraft``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from orders.models import ChannelPlatform, WebhookSource
from orders.services.intake import AddressDraft, CustomerDraft, LineDraft, OrderDraft
from orders.webhooks import fields
from orders.webhooks.deliveries import Platform
from orders.webhooks.errors import PayloadError

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


def _shopify_address(data: dict[str, Any]) -> AddressDraft:
    name = fields.text(data.get("name")) or fields.full_name(data.get("first_name"), data.get("last_name"))
    return AddressDraft(
        name=name,
        company=fields.text(data.get("company")),
        street=fields.text(data.get("address1")),
        line2=fields.text(data.get("address2")),
        postcode=fields.text(data.get("zip"), 20),
        city=fields.text(data.get("city"), 100),
        country=fields.text(data.get("country_code"), 10).upper(),
        phone=fields.text(data.get("phone"), 50),
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
    without a shipping address (local pickup) ships to the billing address.
    """
    external_id = fields.external_id(payload.get("id"), "id")
    billing_data = fields.section(payload.get("billing_address"), "billing_address", required=False)
    shipping_data = fields.section(payload.get("shipping_address"), "shipping_address", required=not billing_data)
    shipping_data = shipping_data or billing_data
    billing_data = billing_data or shipping_data
    customer_data = fields.section(payload.get("customer"), "customer", required=False)
    email = fields.text(payload.get("email") or payload.get("contact_email") or customer_data.get("email"), 254)
    if not email:
        raise PayloadError("email", _("The order has no customer e-mail address."))
    billing = _shopify_address(billing_data)
    name = fields.full_name(customer_data.get("first_name"), customer_data.get("last_name"))

    items = payload.get("line_items")
    if not isinstance(items, list) or not items:
        raise PayloadError("line_items", _("The order has no line items."))
    lines: list[LineDraft] = []
    line_discounts = Decimal(0)
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise PayloadError(f"line_items[{i}]", _("A line item must be an object."))
        sku = fields.text(item.get("sku"), 64)
        if not sku:
            raise PayloadError(
                f"line_items[{i}].sku",
                _("Line item “%(title)s” has no SKU.") % {"title": fields.text(item.get("name") or item.get("title"))},
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
    gateways = payload.get("payment_gateway_names") or []
    gateway = fields.text(gateways[0]).lower() if isinstance(gateways, list) and gateways else ""

    return OrderDraft(
        customer=CustomerDraft(
            email=email,
            name=name or billing.name,
            phone=fields.text(payload.get("phone") or customer_data.get("phone") or billing.phone, 50),
            language=fields.language(payload.get("customer_locale")),
            company=billing.company,
        ),
        billing_address=billing,
        shipping_address=_shopify_address(shipping_data),
        lines=lines,
        currency=fields.text(payload.get("currency"), 10).upper(),
        price_mode="gross" if payload.get("taxes_included", True) else "net",
        shipping_total=shipping_total,
        discount_total=max(total_discounts - line_discounts - shipping_discounts, Decimal(0)),
        stated_total=fields.money(payload.get("total_price"), "total_price"),
        payment_method=SHOPIFY_GATEWAYS.get(gateway, "other"),
        payment_captured=payload.get("financial_status") == "paid",
        external_id=external_id,
        placed_at=fields.aware_datetime(payload.get("processed_at") or payload.get("created_at")),
        notes=fields.text(payload.get("note"), 2000),
    )
