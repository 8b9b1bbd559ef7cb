"""Input and output shapes of the inventory API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from oms.api_fields import QueryTextField, TimestampField
from oms.api_schema import WHITESPACE

MAX_SKUS = 100
# One to 100 SKUs separated by commas, each with something besides spaces, no NUL; written so
# that a regex engine never backtracks (leading spaces, the first other character, the rest).
_SKU = rf"[{WHITESPACE}]*[^,\u0000{WHITESPACE}][^,\u0000]*"
SKU_LIST_PATTERN = rf"^{_SKU}(?:,{_SKU}){{0,{MAX_SKUS - 1}}}$"


class StockErrorSerializer(serializers.Serializer):
    """The error body of every API error (``oms.api.exception_handler``)."""

    code = serializers.CharField()
    message = serializers.CharField()
    errors = serializers.DictField(required=False, help_text=_("Per-field messages of a validation error."))
    details = serializers.DictField(required=False)


class StockQuerySerializer(serializers.Serializer):
    sku = serializers.CharField(
        required=False,
        help_text=_("One SKU, or several separated by commas (at most 100)."),
    )
    updated_since = TimestampField(
        required=False, help_text=_("Only products whose stock changed after this time (RFC 3339).")
    )
    channel = QueryTextField(
        required=False,
        max_length=50,
        help_text=_("Staff sessions only: preview a channel's buffer. API keys always use their own channel."),
    )

    def validate_sku(self, value: str) -> list[str]:
        skus = [s.strip() for s in value.split(",")]
        if len(skus) > MAX_SKUS:
            raise serializers.ValidationError(_("At most %(max)d SKUs per request.") % {"max": MAX_SKUS})
        if not all(skus):
            raise serializers.ValidationError(_("Give SKUs separated by single commas, none of them empty."))
        return skus


class InboundLineSerializer(serializers.Serializer):
    purchase_order = serializers.CharField()
    warehouse_id = serializers.IntegerField()
    warehouse = serializers.CharField(help_text=_("Warehouse code."))
    quantity = serializers.IntegerField()
    expected_date = serializers.DateField(allow_null=True)


class WarehouseAvailabilitySerializer(serializers.Serializer):
    warehouse_id = serializers.IntegerField()
    warehouse = serializers.CharField(help_text=_("Warehouse code."))
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    blocked = serializers.IntegerField(help_text=_("On hand but not sellable (quarantine, damaged returns)."))
    available = serializers.IntegerField(help_text=_("On hand minus reserved minus blocked."))
    inbound = serializers.IntegerField()
    next_inbound_date = serializers.DateField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class ProductAvailabilitySerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    blocked = serializers.IntegerField(help_text=_("On hand but not sellable (quarantine, damaged returns)."))
    available = serializers.IntegerField(help_text=_("On hand minus reserved minus blocked, all active warehouses."))
    buffer = serializers.IntegerField(help_text=_("Units held back from this channel."))
    available_to_promise = serializers.IntegerField(help_text=_("What this channel may sell: available minus buffer."))
    inbound = serializers.IntegerField(help_text=_("Open purchase order quantity."))
    next_inbound_date = serializers.DateField(allow_null=True)
    warehouses = WarehouseAvailabilitySerializer(many=True)
    inbound_lines = InboundLineSerializer(many=True)
