"""Serializers of the order API: input (what a channel sends) and output (what it reads) are separate.

Input serializers only parse and check shape; business rules (known SKU, totals that add up,
country, stock) belong to the intake service, which answers with domain errors.
"""

from __future__ import annotations

import copy
import datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from oms import api_extras, parsing
from oms.api_fields import QueryTextField, TimestampField
from oms.money import SUPPORTED_CURRENCIES
from oms.parsing_fields import (
    AmountSerializerField,
    EmailSerializerField,
    QuantitySerializerField,
    TextSerializerField,
)
from orders.models import Order, OrderLine, OrderState, PaymentMethod
from orders.selectors.backorders import expected_stock_for_order
from orders.services.drafts import AddressDraft, CustomerDraft, LineDraft, OrderDraft

# --- errors (documentation only) ----------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """Every error answer: a stable code, a readable message, per-field ``errors`` or ``details``."""

    code = serializers.CharField(help_text=_("Stable machine-readable code, e.g. invalid, unknown_sku."))
    message = serializers.CharField()
    errors = serializers.DictField(
        required=False, help_text=_("Per field (nested like the request): a list of messages.")
    )
    details = serializers.DictField(required=False, help_text=_("Data about a refused operation."))


# --- input --------------------------------------------------------------------------------------


class CustomerInputSerializer(serializers.Serializer):
    email = EmailSerializerField(help_text=_("Internationalised addresses (RFC 6531) are accepted."))
    name = TextSerializerField(max_length=200)
    phone = TextSerializerField(max_length=50, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=["de", "en"], required=False, default="de")
    company = TextSerializerField(max_length=200, required=False, allow_blank=True, default="")
    vat_id = TextSerializerField(max_length=20, required=False, allow_blank=True, default="")


class AddressInputSerializer(serializers.Serializer):
    name = TextSerializerField(max_length=200)
    company = TextSerializerField(max_length=200, required=False, allow_blank=True, default="")
    street = TextSerializerField(max_length=200)
    line2 = TextSerializerField(max_length=200, required=False, allow_blank=True, default="")
    postcode = TextSerializerField(max_length=20)
    city = TextSerializerField(max_length=100)
    country = serializers.RegexField(
        r"^[A-Z]{2}$",
        help_text=_("ISO 3166-1 alpha-2 code, e.g. DE."),
        error_messages={"invalid": _("Use the two-letter ISO country code in capitals, e.g. DE.")},
    )
    phone = TextSerializerField(max_length=50, required=False, allow_blank=True, default="")


class LineInputSerializer(serializers.Serializer):
    sku = TextSerializerField(max_length=64, kind=parsing.IDENTIFIER)
    quantity = QuantitySerializerField()
    unit_price = AmountSerializerField(help_text=_("Per unit, gross or net as price_mode says."))
    discount = AmountSerializerField(
        required=False, default=Decimal("0.00"), help_text=_("Discount on the whole line.")
    )


class PaymentInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices, default=PaymentMethod.INVOICE)
    captured = serializers.BooleanField(default=False, help_text=_("True when the money is already taken."))


class OrderInputSerializer(serializers.Serializer):
    """An order as a channel sends it to POST /api/v1/orders/."""

    channel = serializers.CharField(
        max_length=50,
        required=False,
        help_text=_("Channel code. Only for staff sessions; an API key always places orders for its own channel."),
    )
    external_id = TextSerializerField(
        kind=parsing.IDENTIFIER,
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The channel's own order id; unique per channel, a second order with it is not created."),
    )
    customer = CustomerInputSerializer()
    billing_address = AddressInputSerializer()
    shipping_address = AddressInputSerializer(
        required=False, help_text=_("Defaults to the billing address."), allow_null=True
    )
    lines = LineInputSerializer(many=True, allow_empty=False, max_length=500)
    currency = serializers.ChoiceField(choices=sorted(SUPPORTED_CURRENCIES), default="EUR")
    price_mode = serializers.ChoiceField(choices=["gross", "net"], default="gross")
    shipping_total = AmountSerializerField(default=Decimal("0.00"))
    discount_total = AmountSerializerField(default=Decimal("0.00"), help_text=_("Order-level discount."))
    total = AmountSerializerField(
        required=False,
        allow_null=True,
        help_text=_("The total the channel charged; if given it must match the computed total."),
    )
    payment = PaymentInputSerializer(required=False)
    placed_at = serializers.DateTimeField(required=False, allow_null=True)
    notes = TextSerializerField(kind=parsing.MULTILINE, max_length=2000, required=False, allow_blank=True, default="")

    def validate_placed_at(self, value: datetime.datetime | None) -> datetime.datetime | None:
        # In UTC: PostgreSQL refuses odd offsets (+21:35) that Python accepts.
        if value is None:
            return None
        try:
            return value.astimezone(datetime.UTC)
        except (OverflowError, ValueError):
            raise serializers.ValidationError(_("The date is out of range.")) from None

    def to_draft(self) -> OrderDraft:
        """The validated data as the intake service's ``OrderDraft``."""
        return order_draft(self.validated_data)


def order_draft(data: dict[str, Any]) -> OrderDraft:
    """``OrderInputSerializer``'s validated data as the intake service's ``OrderDraft``."""
    billing = AddressDraft(**data["billing_address"])
    shipping = AddressDraft(**data["shipping_address"]) if data.get("shipping_address") else billing
    payment = data.get("payment") or {}
    return OrderDraft(
        customer=CustomerDraft(**data["customer"]),
        billing_address=billing,
        shipping_address=shipping,
        lines=[LineDraft(**line) for line in data["lines"]],
        currency=data["currency"],
        price_mode=data["price_mode"],
        shipping_total=data["shipping_total"],
        discount_total=data["discount_total"],
        stated_total=data.get("total"),
        payment_method=payment.get("method", "invoice"),
        payment_captured=payment.get("captured", False),
        external_id=data["external_id"],
        placed_at=data.get("placed_at"),
        notes=data["notes"],
    )


class CancelInputSerializer(serializers.Serializer):
    reason = TextSerializerField(max_length=500, help_text=_("Why the order is cancelled (shown on its timeline)."))


class OrderListQuerySerializer(serializers.Serializer):
    """The filters of GET /api/v1/orders/ (the cursor and page size belong to the paginator)."""

    state = serializers.ChoiceField(choices=OrderState.choices, required=False)
    channel = QueryTextField(max_length=50, required=False, help_text=_("Channel code (staff only)."))
    external_id = QueryTextField(max_length=100, required=False, help_text=_("The channel's own order id."))
    updated_since = TimestampField(
        required=False, help_text=_("Only orders changed at or after this time (RFC 3339, with time zone).")
    )


# --- output -------------------------------------------------------------------------------------


class AddressOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    company = serializers.CharField()
    street = serializers.CharField()
    line2 = serializers.CharField()
    postcode = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField()
    phone = serializers.CharField()


_ADDRESS_FIELDS = tuple(AddressOutputSerializer._declared_fields)


def _address(order: Order, prefix: str) -> dict[str, str]:
    return {field: getattr(order, f"{prefix}_{field}") for field in _ADDRESS_FIELDS}


class FieldsBuiltOnce:
    """A ModelSerializer introspects its model and builds its fields again for every instance, a
    fifth of an API order's CPU time (bench/). Build them once per class and hand each instance
    deep copies, which is what DRF itself does with declared fields."""

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_built_once = built
        return copy.deepcopy(built)


class CustomerOutputSerializer(serializers.Serializer):
    # Not ``format: email``: addresses may be internationalised (RFC 6531, ``jörg.müller@…``).
    email = serializers.CharField()
    name = serializers.CharField()
    company = serializers.CharField()


class TotalsOutputSerializer(serializers.Serializer):
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    discount_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    shipping_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    tip_total = serializers.DecimalField(max_digits=12, decimal_places=2, help_text=_("A tip, gross."))
    gift_card_total = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("Gift cards sold with the order (no VAT at sale).")
    )
    vat_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    vat_breakdown = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text=_('Per rate: {"19.00": {"net": "...", "vat": "...", "gross": "..."}}'),
    )


class PaymentOutputSerializer(serializers.Serializer):
    method = serializers.CharField()
    state = serializers.CharField()


class LineOutputSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = [
            "position",
            "sku",
            "name",
            "quantity",
            "unit_price",
            "discount",
            "vat_rate",
            "line_total",
            "quantity_allocated",
            "quantity_shipped",
            "quantity_returned",
            "quantity_cancelled",
        ]
        read_only_fields = fields


class LinksOutputSerializer(serializers.Serializer):
    self = serializers.URLField()
    cancel = serializers.URLField()


# Formatting of the output's values, the way the fields declared below format them; used by
# ``OrderOutputSerializer.to_representation`` (tests/orders/test_api_output.py keeps them equal).
_MONEY_OUT = serializers.DecimalField(max_digits=12, decimal_places=2)
_RATE_OUT = serializers.DecimalField(max_digits=5, decimal_places=2)
_TIME_OUT = serializers.DateTimeField()
_DATE_OUT = serializers.DateField()
_LINE_QUANTITIES = ("quantity_allocated", "quantity_shipped", "quantity_returned", "quantity_cancelled")
_TOTALS = ("subtotal", "discount_total", "shipping_total", "tip_total", "gift_card_total", "vat_total", "total")


def _money(value: Any) -> str | None:
    return None if value is None else _MONEY_OUT.to_representation(value)


def _time(value: Any) -> str | None:
    return None if value is None else _TIME_OUT.to_representation(value)


def _date(value: Any) -> str | None:
    return None if value is None else _DATE_OUT.to_representation(value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _line(line: OrderLine) -> dict[str, Any]:
    return {
        "position": line.position,
        "sku": _text(line.sku),
        "name": _text(line.name),
        "quantity": line.quantity,
        "unit_price": _money(line.unit_price),
        "discount": _money(line.discount),
        "vat_rate": None if line.vat_rate is None else _RATE_OUT.to_representation(line.vat_rate),
        "line_total": _money(line.line_total),
        **{name: getattr(line, name) for name in _LINE_QUANTITIES},
    }


def _vat_breakdown(breakdown: Any) -> dict[str, Any] | None:
    if breakdown is None:
        return None
    return {
        str(rate): None if parts is None else {str(k): None if v is None else str(v) for k, v in parts.items()}
        for rate, parts in breakdown.items()
    }


class OrderOutputSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """An order as a channel reads it: number, state, totals, lines with allocated quantities, links.

    The fields below describe the output (the OpenAPI schema is built from them);
    ``to_representation`` writes the same output out by hand, without binding a copy of every
    field for every order, which was a fifth of an API order's CPU time (bench/). A caller that
    serialises one order and has its lines already (intake) passes them as ``context["lines"]``.
    """

    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)
    customer = CustomerOutputSerializer(read_only=True)
    billing_address = serializers.SerializerMethodField()
    shipping_address = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()
    payment = serializers.SerializerMethodField()
    lines = LineOutputSerializer(many=True, read_only=True)
    links = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "number",
            "external_id",
            "channel",
            "state",
            "currency",
            "price_mode",
            "customer",
            "billing_address",
            "shipping_address",
            "totals",
            "payment",
            "lines",
            "hold_reason",
            "cancel_reason",
            "promised_ship_date",
            "placed_at",
            "created_at",
            "updated_at",
            "links",
        ]
        read_only_fields = fields

    def to_representation(self, order: Order) -> dict[str, Any]:
        customer = order.customer
        channel = order.channel
        lines = self.context.get("lines")
        if lines is None:
            lines = order.lines.all()
        return {
            "number": _text(order.number),
            "external_id": _text(order.external_id),
            "channel": None if channel is None else channel.code,
            "state": _text(order.state),
            "currency": _text(order.currency),
            "price_mode": _text(order.price_mode),
            "customer": None
            if customer is None
            else {"email": _text(customer.email), "name": _text(customer.name), "company": _text(customer.company)},
            "billing_address": self.get_billing_address(order),
            "shipping_address": self.get_shipping_address(order),
            "totals": {
                **{name: _money(getattr(order, name)) for name in _TOTALS},
                "vat_breakdown": _vat_breakdown(order.vat_breakdown),
            },
            "payment": self.get_payment(order),
            "lines": [_line(line) for line in lines],
            "hold_reason": _text(order.hold_reason),
            "cancel_reason": _text(order.cancel_reason),
            "promised_ship_date": _date(order.promised_ship_date),
            "placed_at": _time(order.placed_at),
            "created_at": _time(order.created_at),
            "updated_at": _time(order.updated_at),
            "links": self.get_links(order),
        }

    @extend_schema_field(AddressOutputSerializer)
    def get_billing_address(self, order: Order) -> dict[str, str]:
        return _address(order, "billing")

    @extend_schema_field(AddressOutputSerializer)
    def get_shipping_address(self, order: Order) -> dict[str, str]:
        return _address(order, "shipping")

    @extend_schema_field(TotalsOutputSerializer)
    def get_totals(self, order: Order) -> dict[str, Any]:
        return TotalsOutputSerializer(order).data

    @extend_schema_field(PaymentOutputSerializer)
    def get_payment(self, order: Order) -> dict[str, str]:
        return {"method": order.payment_method, "state": order.payment_state}

    @extend_schema_field(LinksOutputSerializer)
    def get_links(self, order: Order) -> dict[str, str]:
        request = self.context.get("request")
        links = {
            "self": reverse("orders-api:order-detail", args=[order.number]),
            "cancel": reverse("orders-api:order-cancel", args=[order.number]),
        }
        return {name: request.build_absolute_uri(url) if request else url for name, url in links.items()}


class ExpectedStockOutputSerializer(serializers.Serializer):
    """A backordered line and the open purchase order expected to cover its missing units."""

    position = serializers.IntegerField()
    sku = serializers.CharField()
    missing = serializers.IntegerField(help_text=_("Units of the line still waiting for stock."))
    purchase_order = serializers.CharField(
        allow_null=True, help_text=_("The open purchase order whose arrival covers them; null when none does yet.")
    )
    expected_date = serializers.DateField(allow_null=True, help_text=_("When that purchase order is expected."))


class OrderDetailOutputSerializer(OrderOutputSerializer):
    """One order as its detail endpoint answers: the order's own fields plus what higher apps
        contribute through ``oms.api_extras`` (slot ``order-detail``; fulfillment adds the
        shipments with their tracking and expected delivery), and ``expected_stock``: for a backordered
    order, when its missing units are expected (inventory's open purchase orders). Lists and intake
    answers leave them out."""

    SLOT = "order-detail"

    def get_fields(self) -> dict[str, Any]:
        return {
            **super().get_fields(),
            "expected_stock": ExpectedStockOutputSerializer(many=True, read_only=True),
            **api_extras.fields_for(self.SLOT),
        }

    def to_representation(self, order: Order) -> dict[str, Any]:
        lines = self.context.get("lines")
        expected = expected_stock_for_order(order=order, lines=list(order.lines.all() if lines is None else lines))
        return {
            **super().to_representation(order),
            "expected_stock": [
                {
                    "position": item.position,
                    "sku": item.sku,
                    "missing": item.missing,
                    "purchase_order": item.purchase_order,
                    "expected_date": _date(item.expected_date),
                }
                for item in expected
            ],
            **api_extras.data_for(self.SLOT, order, request=self.context.get("request")),
        }
