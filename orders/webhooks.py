"""Inbound order webhooks from shop systems (Shopify ``orders/create``, WooCommerce ``order.*``).

Every delivery is checked in this order, and nothing is parsed or stored before the signature
is verified:

1. read the raw body (over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` -> 413),
2. find the channel by the code in the URL and verify the HMAC-SHA256 signature of the raw bytes
   with the channel's webhook secret in constant time (unknown channel, no secret, missing or wrong
   signature -> 401, all alike so the answer does not reveal which channels exist),
3. drop repeated deliveries (same delivery id header -> 200 "duplicate"),
4. parse and map the payload onto an ``OrderDraft`` (malformed JSON -> 400, unusable fields -> 422),
5. place the order through the one intake service; the same shop order id twice creates nothing
   new (``external_id`` is unique per channel) and answers 200 "duplicate". A later delivery
   reporting a known, still unpaid order as paid (WooCommerce ``order.updated``, Shopify
   ``orders/paid``) records the capture once, which confirms the pending order.

Shop systems retry on anything but 2xx and WooCommerce disables a hook after repeated failures,
so every accepted or deliberately ignored delivery answers 200 quickly; 4xx is kept for requests
that would fail the same way on every retry (bad signature, unusable payload).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from oms.exceptions import DomainError
from oms.money import quantize, quantize_up
from orders.exceptions import OrderValidationError
from orders.models import (
    Channel,
    ChannelPlatform,
    Order,
    PaymentTransaction,
    TransactionKind,
    WebhookDelivery,
    WebhookSource,
)
from orders.services.intake import AddressDraft, CustomerDraft, LineDraft, OrderDraft, place_order
from orders.services.payments import record_payment

logger = logging.getLogger(__name__)

MAX_ID_LENGTH = 100  # Shopify ids have 19 digits today; anything much longer is not an id.


class PayloadError(Exception):
    """The payload is authentic but cannot become an order (a field missing or unusable)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# --- Signatures ---------------------------------------------------------------------------------


def compute_signature(secret: str, raw_body: bytes) -> str:
    """base64(HMAC-SHA256(secret, raw body)): the scheme of both Shopify and WooCommerce."""
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_signature(secret: str, raw_body: bytes, header_value: str | None) -> bool:
    """True when ``header_value`` is the signature of ``raw_body``; compared in constant time.

    Compares the decoded digests, so a header with other base64 padding or stray spaces does not
    matter, and an empty secret never verifies anything.
    """
    if not secret or not header_value:
        return False
    try:
        given = base64.b64decode(header_value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    return hmac.compare_digest(given, expected)


# --- Responses ----------------------------------------------------------------------------------


def _error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, **extra}, status=status)


def _unauthorized(source: str, channel_code: str) -> JsonResponse:
    # Logged (never the secret or the body) so a misconfigured shop shows up in the logs.
    logger.warning("Refused %s webhook for channel %r: signature not verified", source, channel_code[:50])
    return _error(401, "invalid_signature", _("The webhook signature could not be verified."))


def _raw_body(request: HttpRequest) -> bytes | JsonResponse:
    try:
        return request.body
    except RequestDataTooBig:
        return _error(
            413,
            "payload_too_large",
            _("The request body is larger than the %(limit)s bytes accepted.") % {"limit": _upload_limit()},
        )


def _upload_limit() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0


def _channel(code: str, platform: str) -> Channel | None:
    """The channel with ``code``, unless it is set up for another shop platform."""
    channel = Channel.objects.filter(code=code).first()
    if channel is None or (channel.platform and channel.platform != platform):
        return None
    return channel


def _parse_json(raw: bytes) -> dict[str, Any] | JsonResponse:
    try:
        # Floats as Decimal: WooCommerce sends line prices as JSON numbers; money never passes a float.
        data = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return _error(400, "parse_error", _("The body is not valid JSON: %(error)s") % {"error": str(exc)[:200]})
    if not isinstance(data, dict):
        return _error(400, "parse_error", _("The body must be a JSON object (an order)."))
    return data


# --- Receiving a delivery -----------------------------------------------------------------------


def _place(*, channel: Channel, draft: OrderDraft, source: str, delivery_id: str, topic: str) -> JsonResponse:
    """Place the order and record the delivery in one transaction; duplicates answer 200."""
    try:
        with transaction.atomic():
            result = place_order(channel=channel, draft=draft, actor_label=f"webhook:{source}")
            if delivery_id:
                WebhookDelivery.objects.create(
                    channel=channel,
                    source=source,
                    delivery_id=delivery_id,
                    topic=topic[:100],
                    external_id=draft.external_id,
                    order=result.order,
                )
    except IntegrityError:
        # The same delivery raced in twice: the other one recorded it (and placed the order).
        logger.info("Duplicate %s delivery %s for channel %s", source, delivery_id, channel.code)
        return JsonResponse({"status": "duplicate", "external_id": draft.external_id})
    except DomainError as exc:
        # Authentic but refused (unknown SKU, totals that do not add up...): a retry fails the same way.
        if isinstance(exc, OrderValidationError):
            return _error(422, exc.code, exc.message, errors=exc.errors)
        return JsonResponse(exc.as_dict(), status=422)
    status = "created" if result.created else "duplicate"
    return JsonResponse({"status": status, "order": result.order.number, "external_id": draft.external_id})


def _already_delivered(channel: Channel, source: str, delivery_id: str) -> bool:
    return (
        bool(delivery_id)
        and WebhookDelivery.objects.filter(channel=channel, source=source, delivery_id=delivery_id).exists()
    )


@dataclass(frozen=True)
class _Delivery:
    """An authentic, new delivery of a handled topic, its body parsed."""

    channel: Channel
    source: str
    topic: str
    delivery_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class _Platform:
    """Where a shop platform puts what steps 2-4 of the module docstring read."""

    source: str
    platform: str
    signature_header: str
    topic_header: str
    topics: tuple[str, ...]  # the first is assumed when the header is missing
    delivery_header: str


def _receive(request: HttpRequest, raw: bytes, channel_code: str, shop: _Platform) -> _Delivery | JsonResponse:
    """Steps 2-4 of the module docstring: verify the signature before anything else, ignore
    other topics, drop repeated deliveries, parse the body. A ``JsonResponse`` is the answer."""
    channel = _channel(channel_code, shop.platform)
    secret = channel.webhook_secret if channel else ""
    if channel is None or not verify_signature(secret, raw, request.headers.get(shop.signature_header)):
        return _unauthorized(shop.source, channel_code)
    topic = request.headers.get(shop.topic_header, shop.topics[0])
    if topic not in shop.topics:
        return JsonResponse({"status": "ignored", "reason": f"topic {topic[:50]} is not handled here"})
    delivery_id = _text(request.headers.get(shop.delivery_header), 255)
    if _already_delivered(channel, shop.source, delivery_id):
        return JsonResponse({"status": "duplicate", "delivery_id": delivery_id})
    payload = _parse_json(raw)
    if isinstance(payload, JsonResponse):
        return payload
    return _Delivery(channel, shop.source, topic, delivery_id, payload)


def _take_in(delivery: _Delivery, to_draft: Callable[[dict[str, Any]], OrderDraft]) -> JsonResponse:
    """Step 4's mapping and step 5: the payload as an ``OrderDraft`` (422 naming the unusable
    field), placed through intake."""
    try:
        draft = to_draft(delivery.payload)
    except PayloadError as exc:
        return _error(422, "invalid_payload", exc.message, errors={exc.field: [exc.message]})
    return _place(
        channel=delivery.channel,
        draft=draft,
        source=delivery.source,
        delivery_id=delivery.delivery_id,
        topic=delivery.topic,
    )


def _payment_update(delivery: _Delivery, *, paid: bool) -> JsonResponse | None:
    """A later delivery about an order already taken in (WooCommerce ``order.updated``, Shopify
    ``orders/paid``): when the shop now reports it paid and no capture is recorded yet, record
    one for the order's total, which confirms a pending order. ``None`` when the order is not
    known yet (the caller takes it in as new). Repeats record nothing twice."""
    try:
        external_id = _external_id(delivery.payload.get("id"), "id")
    except PayloadError as exc:
        return _error(422, "invalid_payload", exc.message, errors={exc.field: [exc.message]})
    order = Order.objects.filter(channel=delivery.channel, external_id=external_id).first()
    if order is None:
        return None
    captured = PaymentTransaction.objects.filter(order=order, kind=TransactionKind.CAPTURE).exists()
    if not paid or captured or order.total <= 0:
        return JsonResponse({"status": "duplicate", "order": order.number, "external_id": external_id})
    try:
        record_payment(
            order=order,
            kind=TransactionKind.CAPTURE,
            amount=order.total,
            provider=delivery.channel.code,
            provider_reference=f"{delivery.source}:{external_id}",
            actor_label=f"webhook:{delivery.source}",
        )
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=422)
    return JsonResponse({"status": "paid", "order": order.number, "external_id": external_id})


# --- Field helpers ------------------------------------------------------------------------------


def _money(value: Any, field: str, *, default: Decimal | None = None) -> Decimal:
    """A money amount from a string ("24.90") or a JSON number (parsed as Decimal)."""
    if value is None or value == "":
        if default is not None:
            return default
        raise PayloadError(field, _("The amount is missing."))
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise PayloadError(field, _("“%(value)s” is not an amount.") % {"value": str(value)[:50]})
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise PayloadError(field, _("“%(value)s” is not an amount.") % {"value": str(value)[:50]}) from None
    if not amount.is_finite() or amount < 0:
        raise PayloadError(field, _("“%(value)s” is not an amount.") % {"value": str(value)[:50]})
    return amount


def _signed_money(value: Any, field: str) -> Decimal:
    """An amount that may be negative (a WooCommerce fee line); missing is zero."""
    if isinstance(value, str) and value.strip().startswith("-"):
        return -_money(value.strip()[1:], field, default=Decimal(0))
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and value < 0:
        return -_money(-value, field)
    return _money(value, field, default=Decimal(0))


def _quantity(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PayloadError(field, _("The quantity must be a whole number of at least 1."))
    return value


def _text(value: Any, limit: int = 200) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()[:limit]


def _object(value: Any, field: str, *, required: bool = True) -> dict[str, Any]:
    if isinstance(value, dict) and value:
        return value
    if required:
        raise PayloadError(field, _("This part of the order is missing."))
    return {}


def _external_id(value: Any, field: str) -> str:
    # Shopify ids exceed 2**53: json.loads keeps them exact as int; they are stored as text.
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip():
        raise PayloadError(field, _("The order id is missing."))
    text = str(value).strip()
    if len(text) > MAX_ID_LENGTH:
        raise PayloadError(field, _("The order id is too long."))
    return text


def _language(locale: Any) -> str:
    code = _text(locale, 20).lower()[:2]
    return code if code in {"de", "en"} else "de"


def _aware(value: Any, *, assume_utc: bool = False) -> datetime.datetime | None:
    text = _text(value, 40)
    if not text:
        return None
    try:
        parsed = parse_datetime(text)
    except ValueError:
        return None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        if not assume_utc:
            return None
        parsed = parsed.replace(tzinfo=datetime.UTC)
    try:
        return parsed.astimezone(datetime.UTC)  # PostgreSQL refuses odd offsets Python accepts
    except (OverflowError, ValueError):
        return None


# --- Shopify ------------------------------------------------------------------------------------

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
    name = _text(data.get("name")) or " ".join(
        part for part in (_text(data.get("first_name")), _text(data.get("last_name"))) if part
    )
    return AddressDraft(
        name=name,
        company=_text(data.get("company")),
        street=_text(data.get("address1")),
        line2=_text(data.get("address2")),
        postcode=_text(data.get("zip"), 20),
        city=_text(data.get("city"), 100),
        country=_text(data.get("country_code"), 10).upper(),
        phone=_text(data.get("phone"), 50),
    )


def _allocations(items: Any) -> Decimal:
    total = Decimal(0)
    for i, allocation in enumerate(items if isinstance(items, list) else []):
        if isinstance(allocation, dict):
            total += _money(allocation.get("amount"), f"discount_allocations[{i}].amount", default=Decimal(0))
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
    external_id = _external_id(payload.get("id"), "id")
    billing_data = _object(payload.get("billing_address"), "billing_address", required=False)
    shipping_data = _object(payload.get("shipping_address"), "shipping_address", required=not billing_data)
    shipping_data = shipping_data or billing_data
    billing_data = billing_data or shipping_data
    customer_data = _object(payload.get("customer"), "customer", required=False)
    email = _text(payload.get("email") or payload.get("contact_email") or customer_data.get("email"), 254)
    if not email:
        raise PayloadError("email", _("The order has no customer e-mail address."))
    billing = _shopify_address(billing_data)
    name = " ".join(
        part for part in (_text(customer_data.get("first_name")), _text(customer_data.get("last_name"))) if part
    )

    items = payload.get("line_items")
    if not isinstance(items, list) or not items:
        raise PayloadError("line_items", _("The order has no line items."))
    lines: list[LineDraft] = []
    line_discounts = Decimal(0)
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise PayloadError(f"line_items[{i}]", _("A line item must be an object."))
        sku = _text(item.get("sku"), 64)
        if not sku:
            raise PayloadError(
                f"line_items[{i}].sku",
                _("Line item “%(title)s” has no SKU.") % {"title": _text(item.get("name") or item.get("title"))},
            )
        discount = _allocations(item.get("discount_allocations"))
        line_discounts += discount
        lines.append(
            LineDraft(
                sku=sku,
                quantity=_quantity(item.get("quantity"), f"line_items[{i}].quantity"),
                unit_price=_money(item.get("price"), f"line_items[{i}].price"),
                discount=discount,
            )
        )

    shipping_total = shipping_discounts = Decimal(0)
    shipping_lines = payload.get("shipping_lines")
    for i, line in enumerate(shipping_lines if isinstance(shipping_lines, list) else []):
        if isinstance(line, dict) and not line.get("is_removed"):
            price = _money(line.get("price"), f"shipping_lines[{i}].price", default=Decimal(0))
            discount = min(_allocations(line.get("discount_allocations")), price)
            shipping_total += price - discount
            shipping_discounts += discount
    total_discounts = _money(payload.get("total_discounts"), "total_discounts", default=Decimal(0))
    gateways = payload.get("payment_gateway_names") or []
    gateway = _text(gateways[0]).lower() if isinstance(gateways, list) and gateways else ""

    return OrderDraft(
        customer=CustomerDraft(
            email=email,
            name=name or billing.name,
            phone=_text(payload.get("phone") or customer_data.get("phone") or billing.phone, 50),
            language=_language(payload.get("customer_locale")),
            company=billing.company,
        ),
        billing_address=billing,
        shipping_address=_shopify_address(shipping_data),
        lines=lines,
        currency=_text(payload.get("currency"), 10).upper(),
        price_mode="gross" if payload.get("taxes_included", True) else "net",
        shipping_total=shipping_total,
        discount_total=max(total_discounts - line_discounts - shipping_discounts, Decimal(0)),
        stated_total=_money(payload.get("total_price"), "total_price"),
        payment_method=SHOPIFY_GATEWAYS.get(gateway, "other"),
        payment_captured=payload.get("financial_status") == "paid",
        external_id=external_id,
        placed_at=_aware(payload.get("processed_at") or payload.get("created_at")),
        notes=_text(payload.get("note"), 2000),
    )


SHOPIFY = _Platform(
    source=WebhookSource.SHOPIFY,
    platform=ChannelPlatform.SHOPIFY,
    signature_header="X-Shopify-Hmac-Sha256",
    topic_header="X-Shopify-Topic",
    topics=("orders/create", "orders/paid"),
    delivery_header="X-Shopify-Webhook-Id",
)


@csrf_exempt
@require_POST
def shopify_orders_create(request: HttpRequest, channel_code: str) -> JsonResponse:
    """Shopify ``orders/create`` webhook for the channel ``channel_code``; ``orders/paid`` of a
    known order records its payment (an unknown one is taken in)."""
    raw = _raw_body(request)
    if isinstance(raw, JsonResponse):
        return raw
    delivery = _receive(request, raw, channel_code, SHOPIFY)
    if isinstance(delivery, JsonResponse):
        return delivery
    if delivery.topic == "orders/paid":
        answer = _payment_update(delivery, paid=delivery.payload.get("financial_status") == "paid")
        if answer is not None:
            return answer
    return _take_in(delivery, shopify_order_draft)


# --- WooCommerce --------------------------------------------------------------------------------

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


def _woo_address(data: dict[str, Any]) -> AddressDraft:
    return AddressDraft(
        name=" ".join(part for part in (_text(data.get("first_name")), _text(data.get("last_name"))) if part),
        company=_text(data.get("company")),
        street=_text(data.get("address_1")),
        line2=_text(data.get("address_2")),
        postcode=_text(data.get("postcode"), 20),
        city=_text(data.get("city"), 100),
        country=_text(data.get("country"), 10).upper(),
        phone=_text(data.get("phone"), 50),
    )


def woocommerce_order_draft(payload: dict[str, Any]) -> OrderDraft:
    """Map a WooCommerce order (REST API v3 webhook JSON) onto an ``OrderDraft``.

    WooCommerce keeps line amounts net (``subtotal`` before, ``total`` after coupons, taxes beside
    them) and ``price`` as an unrounded JSON number. With ``prices_include_tax`` the shop sells at
    gross prices, so unit price and discount are rebuilt gross from the amounts and their taxes;
    otherwise they are taken net. Either way ``unit_price x quantity - discount`` is the line's
    amount to the cent, so the stated total adds up.

    Fee lines (a cash-on-delivery surcharge, a payment fee) are charged with the shipping; a
    negative fee (how some plugins grant a discount) is an order discount.
    """
    external_id = _external_id(payload.get("id"), "id")
    billing_data = _object(payload.get("billing"), "billing")
    shipping_data = _object(payload.get("shipping"), "shipping", required=False)
    if not _text(shipping_data.get("address_1")):
        shipping_data = billing_data  # virtual goods or "ship to billing address"
    email = _text(billing_data.get("email"), 254)
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
        sku = _text(item.get("sku"), 64)
        if not sku:
            raise PayloadError(
                f"line_items[{i}].sku", _("Line item “%(name)s” has no SKU.") % {"name": _text(item.get("name"))}
            )
        quantity = _quantity(item.get("quantity"), f"line_items[{i}].quantity")
        if item.get("subtotal") not in (None, ""):
            before = _money(item.get("subtotal"), f"line_items[{i}].subtotal")
            after = _money(item.get("total"), f"line_items[{i}].total", default=before)
            if gross:
                before += _money(item.get("subtotal_tax"), f"line_items[{i}].subtotal_tax", default=Decimal(0))
                after += _money(item.get("total_tax"), f"line_items[{i}].total_tax", default=Decimal(0))
            # Rounded up, so the discount takes up the remainder and the line keeps to the cent
            # what the shop charged (29.98 for 3 units: 3 x 10.00 less 0.02).
            unit_price = quantize_up(before / quantity)
            discount = max(unit_price * quantity - after, Decimal(0))
        else:
            unit_price = quantize(_money(item.get("price"), f"line_items[{i}].price"))
            discount = Decimal(0)
        lines.append(LineDraft(sku=sku, quantity=quantity, unit_price=unit_price, discount=discount))

    shipping_total = _money(payload.get("shipping_total"), "shipping_total", default=Decimal(0))
    if gross:
        shipping_total += _money(payload.get("shipping_tax"), "shipping_tax", default=Decimal(0))
    fees = Decimal(0)
    fee_lines = payload.get("fee_lines")
    for i, fee in enumerate(fee_lines if isinstance(fee_lines, list) else []):
        if isinstance(fee, dict):
            fees += _signed_money(fee.get("total"), f"fee_lines[{i}].total")
            if gross:
                fees += _signed_money(fee.get("total_tax"), f"fee_lines[{i}].total_tax")
    billing = _woo_address(billing_data)
    return OrderDraft(
        customer=CustomerDraft(
            email=email,
            name=billing.name,
            phone=billing.phone,
            company=billing.company,
        ),
        billing_address=billing,
        shipping_address=_woo_address(shipping_data),
        lines=lines,
        currency=_text(payload.get("currency"), 10).upper(),
        price_mode="gross" if gross else "net",
        shipping_total=shipping_total + max(fees, Decimal(0)),
        # Coupon discounts are already inside the lines' totals; only a negative fee is left.
        discount_total=max(-fees, Decimal(0)),
        stated_total=_money(payload.get("total"), "total"),
        payment_method=WOO_GATEWAYS.get(_text(payload.get("payment_method")).lower(), "other"),
        payment_captured=payload.get("status") in WOO_CAPTURED,
        external_id=external_id,
        placed_at=_aware(payload.get("date_created_gmt"), assume_utc=True),
        notes=_text(payload.get("customer_note"), 2000),
    )


WOOCOMMERCE = _Platform(
    source=WebhookSource.WOOCOMMERCE,
    platform=ChannelPlatform.WOOCOMMERCE,
    signature_header="X-WC-Webhook-Signature",
    topic_header="X-WC-Webhook-Topic",
    topics=("order.created", "order.updated"),
    delivery_header="X-WC-Webhook-Delivery-ID",
)


@csrf_exempt
@require_POST
def woocommerce_order(request: HttpRequest, channel_code: str) -> JsonResponse:
    """WooCommerce order webhook (``order.created``; ``order.updated`` of a known order records its
    payment once the shop reports it paid, and is otherwise a duplicate)."""
    raw = _raw_body(request)
    if isinstance(raw, JsonResponse):
        return raw
    if is_woocommerce_ping(request, raw):
        # The ping is unsigned and carries no order: acknowledge it so WooCommerce activates the hook.
        return JsonResponse({"status": "ping"})
    delivery = _receive(request, raw, channel_code, WOOCOMMERCE)
    if isinstance(delivery, JsonResponse):
        return delivery
    status = _text(delivery.payload.get("status"), 30)
    if status not in WOO_ACCEPTED:
        # Failed, cancelled, draft or trashed orders are nothing to fulfil; 200 so the hook stays active.
        return JsonResponse({"status": "ignored", "reason": f"order status {status!r} is not taken in"})
    if delivery.topic == "order.updated":
        answer = _payment_update(delivery, paid=status in WOO_CAPTURED)
        if answer is not None:
            return answer
    return _take_in(delivery, woocommerce_order_draft)
