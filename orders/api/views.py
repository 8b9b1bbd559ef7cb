"""Order API (``/api/v1/orders/``): intake with Idempotency-Key, listing, detail, cancel.

Views stay thin: parse, check who may act, call one service or selector, render. A channel's API
key sees and acts on its own channel's orders only; staff sessions (support, manager, admin) see
all. Errors are JSON ``{"code", "message", "errors"|"details"}`` (``oms.api.exception_handler``).

Status codes, the same on every operation and in the schema: 400 when the request does not match
the schema (malformed JSON, a wrong type, format, length or pattern, an unknown choice, a bad
query parameter); 422 when it matches the schema but a business rule refuses it (an unknown SKU,
totals that do not add up, an unknown channel, an Idempotency-Key reused with another body); 409
for a conflict with the order's state or a request in flight; 403 for an API key acting for
another channel.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oms.api import ApiKeyUser
from oms.api_pagination import KeysetPagination
from oms.api_schema import text_schema
from oms.exceptions import DomainError
from oms.roles import Role, has_role
from orders.api import idempotency
from orders.api.order_input import validated_order
from orders.api.serializers import (
    CancelInputSerializer,
    ErrorSerializer,
    OrderDetailOutputSerializer,
    OrderInputSerializer,
    OrderListQuerySerializer,
    OrderOutputSerializer,
    order_draft,
)
from orders.error_codes import OrderErrorCode
from orders.exceptions import OrderValidationError
from orders.models import Channel, Order
from orders.selectors.api import order_for_api_or_404, orders_for_api
from orders.selectors.channels import channel_by_code
from orders.services.cancellation import cancel_order
from orders.services.intake import place_order

STAFF_ROLES = (Role.SUPPORT, Role.MANAGER, Role.ADMIN)


# --- plumbing -----------------------------------------------------------------------------------


# The intake service names draft fields; the API request names some of them differently.
_API_FIELD_NAMES = {"stated_total": "total", "payment_method": "payment.method"}


class OrderApiMixin:
    """Shared by the order endpoints: intake's error shape, the requester's orders.

    Bodies are parsed by the project's ``oms.api_parsers.StrictJSONParser`` (UTF-8 only).
    """

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, OrderValidationError):
            # Per-field errors at the top level, the same shape as the serializer's 400s, named
            # like the request's fields.
            # The draft matched the schema, so what intake refuses is a business rule: 422.
            errors = {_API_FIELD_NAMES.get(key, key): messages for key, messages in exc.errors.items()}
            return Response(
                {"code": exc.code, "message": exc.message, "errors": errors},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        response = super().handle_exception(exc)  # type: ignore[misc]
        if isinstance(exc, idempotency.IdempotencyKeyInFlight):
            response["Retry-After"] = str(idempotency.RETRY_AFTER_SECONDS)
        return response

    def requester_channel(self) -> Channel | None:
        """The channel an API key acts for (None for staff sessions)."""
        request: Request = self.request  # type: ignore[attr-defined]
        if isinstance(request.user, ApiKeyUser):
            return _channel_for_key(request)
        return None

    def order_or_404(self, number: str) -> Order:
        """One of the requester's orders by number, lines loaded; a missing, foreign or impossible number is a 404."""
        return order_for_api_or_404(number=number, channel=self.requester_channel())

    def actor_label(self) -> str:
        """How the timeline names who acted: ``api:<channel>`` for a key, ``api:<username>`` for staff."""
        user = self.request.user  # type: ignore[attr-defined]
        return f"api:{user.key.channel_code}" if isinstance(user, ApiKeyUser) else f"api:{user.get_username()}"

    def acting_user(self) -> Any:
        """The staff user to store as the actor (an API key is no user)."""
        user = self.request.user  # type: ignore[attr-defined]
        return None if isinstance(user, ApiKeyUser) else user


def _channel_for_key(request: Request) -> Channel:
    cached = getattr(request, "_oms_channel", None)
    if cached is None:
        cached = channel_by_code(request.auth.channel_code)
        if cached is None:
            # A key whose channel was deleted authenticates nothing useful.
            raise exceptions.AuthenticationFailed(
                _("The API key's channel does not exist."), code=OrderErrorCode.UNKNOWN_CHANNEL
            )
        request._oms_channel = cached
    return cached


class IsChannelOrStaff(permissions.BasePermission):
    """An API key of a channel, or a signed-in support agent, manager or admin."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if isinstance(user, ApiKeyUser):
            return True
        return bool(user and user.is_authenticated and (user.is_staff or has_role(user, *STAFF_ROLES)))


ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description=gettext_lazy(
            "The request does not match this schema: malformed JSON, a key given twice, a wrong type, "
            "format, length or pattern, an unknown choice, a bad query parameter or header. Per-field errors."
        ),
    ),
    401: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Missing or invalid API key.")),
    403: OpenApiResponse(
        ErrorSerializer,
        description=gettext_lazy("Signed in, but not allowed; or an API key acting for another channel."),
    ),
    404: OpenApiResponse(ErrorSerializer, description=gettext_lazy("No such order (for this channel).")),
    409: OpenApiResponse(
        ErrorSerializer, description=gettext_lazy("Conflict: illegal state transition or request in flight.")
    ),
    413: OpenApiResponse(ErrorSerializer, description=gettext_lazy("Request body larger than 1 MB.")),
    415: OpenApiResponse(
        ErrorSerializer,
        description=gettext_lazy("Body is not application/json in UTF-8 (no charset, or charset=utf-8)."),
    ),
    422: OpenApiResponse(
        ErrorSerializer,
        description=gettext_lazy(
            "The request matches this schema but a business rule refuses it (an unknown SKU, totals "
            "that do not add up, an unknown channel, ...), or the Idempotency-Key was used with another body."
        ),
    ),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


# --- list and create ----------------------------------------------------------------------------


class OrderPagination(KeysetPagination):
    """Stable paging while orders change: newest change first, id breaks ties."""

    ordering = ("-updated_at", "-id")
    kinds = ("datetime", "int")
    page_size = 50
    max_page_size = 200


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=idempotency.HEADER,
    type={"type": "string", "pattern": idempotency.KEY_PATTERN.pattern, "minLength": 1, "maxLength": 255},
    location=OpenApiParameter.HEADER,
    required=False,
    description=gettext_lazy(
        "Optional, recommended: 1-255 printable ASCII characters (a UUID), scoped to your channel and kept "
        "24 hours. The same key with the same body replays the first response (200, header "
        "Idempotent-Replayed: true); with another body it is refused (422 idempotency_key_reused); while the "
        "first request is still running, 409 idempotency_key_in_flight. A refused request does not use the key "
        "up. Without a key a repeated order is still not created twice when it carries the same external_id."
    ),
)


class OrderListCreateView(OrderApiMixin, generics.GenericAPIView):
    """Orders of the caller's channel (staff: all), newest change first; place an order."""

    permission_classes = [IsChannelOrStaff]
    serializer_class = OrderOutputSerializer
    pagination_class = OrderPagination

    def get_queryset(self) -> QuerySet[Order]:
        # A plain dict, not the QueryDict: DRF skips an empty value of a QueryDict ("?channel=")
        # as if it were absent; the schema says it is invalid, so it is a 400.
        query = OrderListQuerySerializer(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        return orders_for_api(
            channel=self.requester_channel(),
            channel_code=filters.get("channel", ""),
            state=filters.get("state", ""),
            external_id=filters.get("external_id", ""),
            updated_since=filters.get("updated_since"),
        )

    @extend_schema(
        operation_id="orders_list",
        summary="List orders",
        parameters=[
            OrderListQuerySerializer,
            # Text as the serializer parses it: no NUL, not blank (an empty filter is refused).
            OpenApiParameter("channel", text_schema(max_length=50), description=gettext_lazy("Channel code.")),
            OpenApiParameter(
                "external_id", text_schema(max_length=100), description=gettext_lazy("The channel's own order id.")
            ),
        ],
        responses={200: OrderOutputSerializer(many=True), **errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(OrderOutputSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="orders_create",
        summary="Place an order",
        description=gettext_lazy(
            "Creates the order (201), confirms it when the payment is captured or the method has terms, "
            "routes and allocates it or puts it on backorder. Repeat-safe with the Idempotency-Key header."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=OrderInputSerializer,
        responses={
            201: OrderOutputSerializer,
            200: OpenApiResponse(
                OrderOutputSerializer,
                description=gettext_lazy(
                    "Replay of an earlier request (same Idempotency-Key), or the order with "
                    "this external_id already exists."
                ),
            ),
            **errors(400, 401, 403, 409, 413, 415, 422),
        },
        examples=[
            OpenApiExample(
                "Order",
                request_only=True,
                value={
                    "external_id": "SHOP-100234",
                    "customer": {"email": "anna@example.com", "name": "Anna Schmidt"},
                    "billing_address": {
                        "name": "Anna Schmidt",
                        "street": "Lindenstraße 4",
                        "postcode": "10969",
                        "city": "Berlin",
                        "country": "DE",
                    },
                    # Products of the demo catalogue (inventory/seed.py): "Wäschekorb weiß", "Bratpfanne 20 cm".
                    "lines": [
                        {"sku": "HH-0101", "quantity": 2, "unit_price": "19.99"},
                        {"sku": "KU-0101", "quantity": 1, "unit_price": "39.99"},
                    ],
                    "currency": "EUR",
                    "shipping_total": "4.90",
                    "total": "84.87",
                    "payment": {"method": "card", "captured": True},
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        raw_key = request.headers.get(idempotency.HEADER)
        key = idempotency.validate_key(raw_key) if raw_key is not None else None
        data = request.data  # parse errors (400), oversize (413) before anything is claimed
        validated = validated_order(data)  # the serializer's answer, quicker (orders.api.order_input)
        if validated is None:
            serializer = OrderInputSerializer(data=data)
            if not serializer.is_valid():
                raise exceptions.ValidationError(flatten_errors(serializer.errors))
            validated = serializer.validated_data
        channel = self._channel_for_intake(validated.get("channel"))
        draft = order_draft(validated)

        def place(retry: bool = True) -> tuple[int, dict[str, Any], Order]:
            # With a key, the first run does not ask whether the external id is taken: the unique
            # constraint answers, and the run after a lost constraint (``retry``) asks.
            result = place_order(
                channel=channel,
                draft=draft,
                actor_label=self.actor_label(),
                user=self.acting_user(),
                check_existing=retry,
            )
            context = {"request": request, "lines": result.lines}
            body = OrderOutputSerializer(result.order, context=context).data
            return (status.HTTP_201_CREATED if result.created else status.HTTP_200_OK), _plain(body), result.order

        if key is None:
            code, body, _order = place()
            return Response(body, status=code)
        stored = idempotency.run_once(
            channel=channel, key=key, request_fingerprint=idempotency.fingerprint(data), action=place
        )
        response = Response(stored.body, status=stored.status)
        if stored.replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    def _channel_for_intake(self, requested: str | None) -> Channel:
        own = self.requester_channel()
        if own is not None:
            if requested and requested != own.code:
                raise exceptions.PermissionDenied(
                    _("An API key places orders only for its own channel “%(code)s”.") % {"code": own.code},
                    code=OrderErrorCode.FOREIGN_CHANNEL,
                )
            return own
        if not requested:
            raise DomainError(_("Staff sessions must name the channel."), code=OrderErrorCode.CHANNEL_REQUIRED)
        channel = channel_by_code(requested)
        if channel is None:
            raise DomainError(
                _("Unknown channel “%(code)s”.") % {"code": requested}, code=OrderErrorCode.UNKNOWN_CHANNEL
            )
        return channel


def flatten_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as flat field paths (``lines[0].quantity``), the shape the intake
    service uses, so a client handles one format whichever layer refused the order."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for name, value in errors.items():
            if isinstance(name, int) or str(name).isdigit():
                path = f"{prefix}[{name}]"
            elif name == "non_field_errors":
                path = prefix or "non_field_errors"
            else:
                path = f"{prefix}.{name}" if prefix else str(name)
            for key, messages in flatten_errors(value, path).items():
                flat.setdefault(key, []).extend(messages)
    elif isinstance(errors, list) and errors and all(isinstance(item, (dict, list)) for item in errors):
        for i, value in enumerate(errors):
            flat.update(flatten_errors(value, f"{prefix}[{i}]"))
    else:
        items = errors if isinstance(errors, list) else [errors]
        flat[prefix or "non_field_errors"] = [str(item) for item in items]
    return flat


def _plain(body: Any) -> Any:
    """Serializer output as plain JSON types, so it can be stored for a replay (JSONField)."""
    return json.loads(json.dumps(body, default=str))


# --- detail and cancel --------------------------------------------------------------------------


class OrderDetailView(OrderApiMixin, APIView):
    """One order of the caller's channel (staff: any), with lines and their allocated quantities,
    and what higher apps add (``OrderDetailOutputSerializer``: its shipments, tracking, ETA)."""

    permission_classes = [IsChannelOrStaff]

    @extend_schema(
        operation_id="orders_retrieve",
        summary="One order",
        description=gettext_lazy(
            "The order with its lines and, once the warehouse has planned them, its shipments: state, carrier, "
            "tracking number and link, expected delivery date and what delays it."
        ),
        responses={200: OrderDetailOutputSerializer, **errors(401, 403, 404)},
    )
    def get(self, request: Request, number: str) -> Response:
        order = self.order_or_404(number)
        return Response(OrderDetailOutputSerializer(order, context={"request": request}).data)


class OrderCancelView(OrderApiMixin, APIView):
    """Cancel a whole order of the caller's channel before it ships."""

    permission_classes = [IsChannelOrStaff]

    @extend_schema(
        operation_id="orders_cancel",
        summary="Cancel an order",
        description=gettext_lazy(
            "Cancels the whole order and releases its reservations. Only possible before it ships (409 otherwise)."
        ),
        request=CancelInputSerializer,
        responses={200: OrderOutputSerializer, **errors(400, 401, 403, 404, 409, 413, 415, 422)},
    )
    def post(self, request: Request, number: str) -> Response:
        order = self.order_or_404(number)
        serializer = CancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = cancel_order(
            order=order,
            reason=serializer.validated_data["reason"],
            actor_label=self.actor_label(),
            user=self.acting_user(),
        )
        order = self.order_or_404(order.number)  # read again with its lines, as the other endpoints answer
        return Response(OrderOutputSerializer(order, context={"request": request}).data)
