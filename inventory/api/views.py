"""Stock API for sales channels and ERP systems: available to promise per SKU, with the channel's buffer."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions
from rest_framework.request import Request
from rest_framework.response import Response

from inventory.api.serializers import (
    SKU_LIST_PATTERN,
    ProductAvailabilitySerializer,
    StockErrorSerializer,
    StockQuerySerializer,
)
from inventory.exceptions import UnknownProductCodeError
from inventory.models import ChannelStockBuffer, Product, PurchaseOrderLine, StockLevel
from inventory.selectors import available_to_promise
from oms.api_pagination import KeysetPagination
from oms.api_schema import text_schema
from oms.models import ApiKey
from oms.roles import Role, has_role

ERRORS = {
    400: OpenApiResponse(
        StockErrorSerializer,
        description=gettext_lazy("A query parameter does not match this schema (per-parameter errors)."),
    ),
    401: OpenApiResponse(StockErrorSerializer, description=gettext_lazy("Missing or invalid API key.")),
    403: OpenApiResponse(StockErrorSerializer, description=gettext_lazy("Signed in, but not allowed.")),
    404: OpenApiResponse(StockErrorSerializer, description=gettext_lazy("No product has this SKU.")),
}


class IsChannelOrStaff(permissions.BasePermission):
    """A channel's API key, or a signed-in staff member (any staff role or ``is_staff``)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, ApiKey):
            return True
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and (getattr(user, "is_staff", False) or has_role(user, Role.WAREHOUSE, Role.SUPPORT, Role.MANAGER))
        )


def _channel_code(request: Request, query: dict[str, Any]) -> str | None:
    if isinstance(request.auth, ApiKey):
        return request.auth.channel_code
    return query.get("channel") or None


def _changed_since(
    products: QuerySet[Product], *, since: datetime.datetime, channel_code: str | None
) -> QuerySet[Product]:
    """Products whose available to promise may have changed since ``since`` for this channel: stock
    moved, a purchase order for them was placed, changed, received or cancelled (inbound), or the
    channel's buffer for them changed. A changed channel-wide buffer changes every product; a
    deleted buffer marks its products' stock rows as changed (``inventory.services.buffers``)."""
    changed = Exists(StockLevel.objects.filter(product=OuterRef("pk"), updated_at__gt=since)) | Exists(
        PurchaseOrderLine.objects.filter(product=OuterRef("pk"), purchase_order__updated_at__gt=since)
    )
    if channel_code:
        buffers = ChannelStockBuffer.objects.filter(channel_code=channel_code, updated_at__gt=since)
        if buffers.filter(product__isnull=True).exists():
            return products
        changed |= Exists(buffers.filter(product=OuterRef("pk")))
    return products.filter(changed)


class StockPagination(KeysetPagination):
    ordering = ("id",)
    kinds = ("int",)
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 500


CHANNEL_PARAMETER = OpenApiParameter(
    "channel", text_schema(max_length=50), description=gettext_lazy("Staff only: preview a channel's buffer.")
)


class StockListView(generics.GenericAPIView):
    """``GET /api/v1/stock/``: available to promise per product, cursor-paginated by product id.

    Sync a channel with ``updated_since`` (the time your previous sync started: products whose stock
    or inbound purchase orders changed since); look up SKUs with
    ``sku=A,B``. Figures are read live from the stock rows, never from a cache.
    """

    permission_classes = [permissions.IsAuthenticated, IsChannelOrStaff]
    pagination_class = StockPagination
    serializer_class = ProductAvailabilitySerializer

    def get_queryset(self) -> QuerySet[Product]:
        return Product.objects.all()

    @extend_schema(
        operation_id="stock_list",
        summary="Stock available to promise",
        parameters=[
            OpenApiParameter(
                "sku",
                {"type": "string", "pattern": SKU_LIST_PATTERN, "example": "HH-0101,KU-0101"},
                description=gettext_lazy("One SKU, or up to 100 separated by commas."),
            ),
            OpenApiParameter(
                "updated_since",
                OpenApiTypes.DATETIME,
                description=gettext_lazy(
                    "RFC 3339 time: only products whose stock, inbound or channel buffer changed since."
                ),
            ),
            CHANNEL_PARAMETER,
        ],
        responses={200: ProductAvailabilitySerializer(many=True), **ERRORS},
        tags=["stock"],
    )
    def get(self, request: Request) -> Response:
        # A plain dict: DRF would skip an empty value of a QueryDict ("?sku=") as if absent.
        query = StockQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        products = self.get_queryset()
        if "sku" in params:
            products = products.filter(sku__in=params["sku"])
            if not products.exists():
                raise UnknownProductCodeError(",".join(params["sku"]))
        channel = _channel_code(request, params)
        if "updated_since" in params:
            products = _changed_since(products, since=params["updated_since"], channel_code=channel)
        page = self.paginate_queryset(products.only("pk"))
        items = available_to_promise(product_ids=[p.pk for p in page], channel_code=channel)
        items.sort(key=lambda a: a.product_id)  # keep the cursor's order
        return self.get_paginated_response(ProductAvailabilitySerializer(items, many=True).data)


class StockDetailView(generics.GenericAPIView):
    """``GET /api/v1/stock/<sku>/``: one SKU's availability per warehouse, inbound and buffer."""

    permission_classes = [permissions.IsAuthenticated, IsChannelOrStaff]
    serializer_class = ProductAvailabilitySerializer

    @extend_schema(
        operation_id="stock_detail",
        summary="Stock of one SKU",
        parameters=[
            OpenApiParameter(
                "sku",
                str,
                OpenApiParameter.PATH,
                description=gettext_lazy("The SKU."),
                examples=[OpenApiExample("A product of the demo catalogue", value="HH-0101")],
            ),
            CHANNEL_PARAMETER,
        ],
        responses={200: ProductAvailabilitySerializer, **ERRORS},
        tags=["stock"],
    )
    def get(self, request: Request, sku: str) -> Response:
        query = StockQuerySerializer(data={k: v for k, v in request.query_params.items() if k == "channel"})
        query.is_valid(raise_exception=True)
        # PostgreSQL refuses NUL in text: such a SKU cannot exist.
        items = (
            []
            if "\x00" in sku
            else available_to_promise(skus=[sku], channel_code=_channel_code(request, query.validated_data))
        )
        if not items:
            raise UnknownProductCodeError(sku)
        return Response(ProductAvailabilitySerializer(items[0]).data)
