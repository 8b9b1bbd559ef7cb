"""The dock: scan a labelled parcel (its shipment reference or tracking number) and hand it to the
carrier (``ship_shipment``: the units leave the bins they were picked from, the customer gets the
shipping confirmation). A shipment that is not labelled yet is refused with the reason."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fulfillment.exceptions import NotReadyToShipError
from fulfillment.models import Shipment
from fulfillment.screen_selectors import shipment_for_ship_code, shipments_to_ship
from fulfillment.services.shipping import ship_shipment
from fulfillment.warehouse_forms import ShipForm
from oms.exceptions import DomainError
from oms.roles import Role, role_required

TEMPLATE = "fulfillment/ship.html"
REFUSED = 422


def _render(request: HttpRequest, *, feedback: str = "", refused: bool = False, status: int = 200) -> HttpResponse:
    context = {"form": ShipForm(), "ready": list(shipments_to_ship()), "feedback": feedback, "refused": refused}
    template = TEMPLATE + ("#ship-work" if request.htmx else "")
    return render(request, template, context, status=status)


@role_required(Role.WAREHOUSE)
@require_GET
def ship(request: HttpRequest) -> HttpResponse:
    return _render(request)


@role_required(Role.WAREHOUSE)
@require_POST
def ship_confirm(request: HttpRequest) -> HttpResponse:
    """Ship the scanned parcel; refused (422) for an unknown code or a shipment not labelled."""
    form = ShipForm(request.POST)
    if not form.is_valid():
        return _render(request, feedback=_("Scan the shipment or its tracking number."), refused=True, status=REFUSED)
    code = form.cleaned_data["code"]
    shipment = shipment_for_ship_code(code)
    try:
        if shipment is None:
            raise NotReadyToShipError(
                _("No shipment has the reference or tracking number “%(code)s”.") % {"code": code}
            )
        shipped = ship_shipment(shipment=shipment, user=request.user)
    except DomainError as exc:
        return _render(request, feedback=exc.message, refused=True, status=REFUSED)
    feedback = _shipped(shipped)
    if not request.htmx:
        messages.success(request, feedback)
        return redirect("fulfillment:warehouse-ship")
    return _render(request, feedback=feedback)


def _shipped(shipment: Shipment) -> str:
    return _("Shipment %(reference)s handed to %(carrier)s, tracking number %(number)s.") % {
        "reference": shipment.reference,
        "carrier": shipment.carrier_service.carrier.name if shipment.carrier_service_id else "-",
        "number": shipment.tracking_number,
    }
