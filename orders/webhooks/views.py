"""The shop webhook endpoints. Each reads the body, receives the delivery, maps and places it;
``answers_in_json`` turns every refusal into its JSON answer, in this one place."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from oms.exceptions import DomainError
from orders.exceptions import OrderValidationError
from orders.webhooks.deliveries import Ignored, place, receive, record_paid
from orders.webhooks.errors import MethodNotAllowedError, PayloadTooLargeError, WebhookError
from orders.webhooks.shopify import SHOPIFY, shopify_order_draft
from orders.webhooks.woocommerce import (
    WOO_ACCEPTED,
    WOO_CAPTURED,
    WOOCOMMERCE,
    is_woocommerce_ping,
    woocommerce_order_draft,
)

View = Callable[[HttpRequest, str], dict[str, Any]]


def answers_in_json(view: View) -> Callable[[HttpRequest, str], JsonResponse]:
    """The view's result as a 200 JSON answer; a ``WebhookError`` as its status and JSON body; a
    refusal of intake (unknown SKU, totals that do not add up: a retry fails the same way) as 422;
    anything but POST as 405. (An unexpected error is answered in JSON by ``oms.views.server_error``.)"""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, channel_code: str) -> JsonResponse:
        if request.method != "POST":
            response = JsonResponse(MethodNotAllowedError().as_dict(), status=405)
            response["Allow"] = "POST"
            return response
        try:
            return JsonResponse(view(request, channel_code))
        except Ignored as ignored:
            return JsonResponse(ignored.answer)
        except WebhookError as exc:
            return JsonResponse(exc.as_dict(), status=exc.status)
        except OrderValidationError as exc:
            return JsonResponse({"code": exc.code, "message": exc.message, "errors": exc.errors}, status=422)
        except DomainError as exc:
            return JsonResponse(exc.as_dict(), status=422)

    return wrapper


def _raw_body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig:
        raise PayloadTooLargeError(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) from None


@csrf_exempt
@answers_in_json
def shopify_orders_create(request: HttpRequest, channel_code: str) -> dict[str, Any]:
    """Shopify ``orders/create`` webhook for the channel ``channel_code``; ``orders/paid`` of a
    known order records its payment (an unknown one is taken in)."""
    delivery = receive(request, _raw_body(request), channel_code, SHOPIFY)
    if delivery.topic == "orders/paid":
        answer = record_paid(delivery, paid=delivery.payload.get("financial_status") == "paid")
        if answer is not None:
            return answer
    return place(delivery, shopify_order_draft(delivery.payload))


@csrf_exempt
@answers_in_json
def woocommerce_order(request: HttpRequest, channel_code: str) -> dict[str, Any]:
    """WooCommerce order webhook (``order.created``; ``order.updated`` of a known order records its
    payment once the shop reports it paid, and is otherwise a duplicate)."""
    raw = _raw_body(request)
    if is_woocommerce_ping(request, raw):
        # The ping is unsigned and carries no order: acknowledge it so WooCommerce activates the hook.
        return {"status": "ping"}
    delivery = receive(request, raw, channel_code, WOOCOMMERCE)
    status = delivery.payload.get("status")
    status = status if isinstance(status, str) else ""
    if status not in WOO_ACCEPTED:
        # Failed, cancelled, draft or trashed orders are nothing to fulfil; 200 so the hook stays active.
        return {"status": "ignored", "reason": f"order status {status!r} is not taken in"}
    if delivery.topic == "order.updated":
        answer = record_paid(delivery, paid=status in WOO_CAPTURED)
        if answer is not None:
            return answer
    return place(delivery, woocommerce_order_draft(delivery.payload))
