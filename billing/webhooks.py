"""The Stripe webhook: ``POST /webhooks/stripe/``.

The steps, each answered in JSON:

1. Anything but POST: 405. A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: 413.
2. The ``Stripe-Signature`` header, before anything is parsed or stored
   (``billing.providers.stripe.verify_signature`` with ``STRIPE_WEBHOOK_SECRET``, timestamps
   within ``STRIPE_WEBHOOK_TOLERANCE_SECONDS``): missing, wrong, too old or no secret configured
   are all the same 401, and nothing is stored.
3. The body as JSON (400 when it is not an event).
4. ``process_stripe_event`` books it once: 200 with what happened (``booked``, ``held``,
   ``ignored``, ``duplicate`` for an event id processed before). An event about an order we do
   not know is a 404 and one that overtook the event it depends on a 409: neither is recorded,
   so Stripe's retries (it retries anything but 2xx for days) get it booked once they can be.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from billing.error_codes import BillingErrorCode
from billing.providers.stripe import verify_signature
from billing.services.stripe_events import StripeEventError, process_stripe_event
from oms.exceptions import DomainError

logger = logging.getLogger(__name__)


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": str(code), "message": message}, status=status)


@csrf_exempt
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        response = _error(405, BillingErrorCode.METHOD_NOT_ALLOWED, _("Webhooks are delivered with POST."))
        response["Allow"] = "POST"
        return response
    try:
        raw = request.body
    except RequestDataTooBig:
        return _error(
            413,
            BillingErrorCode.PAYLOAD_TOO_LARGE,
            _("The request body is larger than the %(limit)s bytes accepted.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
        )
    if not verify_signature(
        settings.STRIPE_WEBHOOK_SECRET,
        raw,
        request.headers.get("Stripe-Signature"),
        tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
    ):
        # Logged without the body or the secret, so a misconfigured endpoint shows up in the logs.
        logger.warning("Refused Stripe webhook: signature not verified")
        return _error(401, BillingErrorCode.INVALID_SIGNATURE, _("The webhook signature could not be verified."))
    try:
        event = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        event = None
    if not isinstance(event, dict):
        return _error(400, BillingErrorCode.PARSE_ERROR, _("The body is not a Stripe event (a JSON object)."))
    try:
        result = process_stripe_event(event)
    except StripeEventError as exc:
        logger.info("Stripe event %s not processed: %s", str(event.get("id"))[:60], exc.code)
        return _error(exc.http_status, exc.code, exc.message)
    except DomainError as exc:  # the booking refused (a refund above the capture): say so, retry won't help
        logger.warning("Stripe event %s refused: %s", str(event.get("id"))[:60], exc.code)
        return _error(422, exc.code, exc.message)
    return JsonResponse(result.as_dict())
