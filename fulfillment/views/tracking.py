"""Support's tracking pages: the queue of tracking exceptions and shipments at risk of missing
their promise, the CSV upload of tracking events, and an event entered by hand on the order page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fulfillment.exceptions import TrackingImportError
from fulfillment.services.tracking import TrackingResult, record_tracking_event_by_hand
from fulfillment.services.tracking_imports import COLUMNS, import_tracking_csv
from fulfillment.tracking_forms import TrackingEntryForm, TrackingUploadForm
from fulfillment.tracking_selectors import risk_of, shipment_for_support_or_404, shipments_at_risk, tracking_exceptions
from oms.htmx import run_service_and_answer
from oms.roles import Role, role_required

QUEUE_TEMPLATE = "fulfillment/tracking_queue.html"
QUEUE_ROWS = 200


def _queue_context(form: TrackingUploadForm, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    at_risk = list(shipments_at_risk(today=today)[:QUEUE_ROWS])
    for shipment in at_risk:
        shipment.risk = risk_of(shipment, today=today)
    return {
        "form": form,
        "exceptions": list(tracking_exceptions()[:QUEUE_ROWS]),
        "at_risk": at_risk,
        "columns": ", ".join(sorted(set(COLUMNS.values()))),
        **extra,
    }


@role_required(Role.SUPPORT)
@require_GET
def tracking_queue(request: HttpRequest) -> HttpResponse:
    """Exceptions to sort out and shipments at risk, with the upload form for tracking CSVs."""
    return render(request, QUEUE_TEMPLATE, _queue_context(TrackingUploadForm()))


@role_required(Role.SUPPORT)
@require_POST
def tracking_upload(request: HttpRequest) -> HttpResponse:
    """Record a CSV of tracking events: all rows or none, each bad row named."""
    form = TrackingUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, QUEUE_TEMPLATE, _queue_context(form), status=422)
    try:
        result = import_tracking_csv(data=form.cleaned_data["file"].read(), user=request.user)
    except TrackingImportError as exc:
        return render(
            request, QUEUE_TEMPLATE, _queue_context(form, row_errors=exc.errors, refusal=exc.message), status=422
        )
    messages.success(request, _summary(result))
    return redirect("fulfillment:support-tracking")


def _summary(result: TrackingResult) -> str:
    return _("%(recorded)d tracking events recorded, %(duplicates)d already known.") % {
        "recorded": result.recorded,
        "duplicates": result.duplicates,
    }


@role_required(Role.SUPPORT)
@require_POST
def tracking_entry(request: HttpRequest, reference: str) -> HttpResponse:
    """One event entered by hand for the shipment ``reference``; back to its order page."""
    shipment = shipment_for_support_or_404(reference)
    form = TrackingEntryForm(request.POST)
    order_url = reverse("orders:support-order-detail", args=[shipment.order.number])

    def record() -> TrackingResult:
        data = form.cleaned_data
        return record_tracking_event_by_hand(
            shipment=shipment,
            state=data["state"],
            occurred_at=data["occurred_at"],
            reason=data["reason"],
            location=data["location"],
            description=data["description"],
            user=request.user,
        )

    def answer(status: int) -> HttpResponse:
        # The form again with its errors, on a page of its own (the order page is orders').
        context = {"form": form, "shipment": shipment, "order_url": order_url}
        return render(request, "fulfillment/tracking_entry.html", context, status=status)

    return run_service_and_answer(
        request,
        record,
        form=form,
        answer=answer,
        done=lambda result: redirect(order_url),
        success=_summary,
        invalid=_("Check the tracking event."),
    )
