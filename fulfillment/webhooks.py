"""The carriers' tracking webhook: ``POST /webhooks/carriers/<carrier code>/tracking/``.

The steps, each answered in JSON:

1. Anything but POST: 405. A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: 413.
2. The signature, before anything is read or stored: the carrier's integration checks it with
   the carrier's own secret (``Carrier.webhook_secret``). An unknown or inactive carrier, one
   without a secret, a missing or a wrong signature are all the same 401, so a caller learns
   nothing about which carriers exist.
3. The integration parses the body into tracking updates; a body it cannot read is a 400.
4. ``record_tracking_updates`` stores each event once: a repeated delivery answers 200 with its
   events counted as duplicates. Numbers no shipment has are listed as ``unknown``; when every
   event is about an unknown number the answer is 404 with code ``unknown_tracking_number``
   (nothing was stored), otherwise 200.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from fulfillment.carriers import UnknownIntegrationError, integration_for
from fulfillment.carriers.base import WebhookPayloadError
from fulfillment.error_codes import FulfillmentErrorCode
from fulfillment.models import Carrier, TrackingSource
from fulfillment.services.tracking import record_tracking_updates

logger = logging.getLogger(__name__)


def _error(status: int, code: FulfillmentErrorCode, message: str, **extra: object) -> JsonResponse:
    return JsonResponse({"code": str(code), "message": message, **extra}, status=status)


def _signature_refused() -> JsonResponse:
    return _error(401, FulfillmentErrorCode.INVALID_SIGNATURE, _("The webhook signature could not be verified."))


@csrf_exempt
def carrier_tracking_webhook(request: HttpRequest, carrier_code: str) -> JsonResponse:
    if request.method != "POST":
        response = _error(405, FulfillmentErrorCode.METHOD_NOT_ALLOWED, _("Webhooks are delivered with POST."))
        response["Allow"] = "POST"
        return response
    try:
        raw = request.body
    except RequestDataTooBig:
        return _error(
            413,
            FulfillmentErrorCode.PAYLOAD_TOO_LARGE,
            _("The request body is larger than the %(limit)s bytes accepted.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
        )
    carrier = Carrier.objects.filter(code=carrier_code[:30], active=True).first()
    try:
        integration = integration_for(carrier) if carrier is not None else None
    except UnknownIntegrationError:
        logger.error("Carrier %s names no usable integration", carrier_code[:30])
        integration = None
    if integration is None or not integration.verify_webhook(carrier.webhook_secret, raw, request.headers):
        # Logged without the body or the secret, so a misconfigured carrier shows up in the logs.
        logger.warning("Refused tracking webhook for carrier %r: signature not verified", carrier_code[:30])
        return _signature_refused()
    try:
        updates = integration.parse_tracking_webhook(raw, request.headers)
    except WebhookPayloadError as exc:
        return _error(400, FulfillmentErrorCode.PARSE_ERROR, str(exc))
    result = record_tracking_updates(updates=updates, source=TrackingSource.WEBHOOK, carrier=carrier)
    if result.unknown and not result.recorded and not result.duplicates:
        return _error(
            404,
            FulfillmentErrorCode.UNKNOWN_TRACKING_NUMBER,
            _("No shipment of %(carrier)s has the tracking number(s) %(numbers)s.")
            % {"carrier": carrier.name, "numbers": ", ".join(result.unknown[:20])},
            unknown=result.unknown,
        )
    return JsonResponse({"status": "ok", **result.as_dict()})
