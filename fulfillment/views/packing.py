"""The pack screen: scan the order, shipment or tote; verify every picked item by scanning
(missing or extra items block closing); choose a box and enter the weight for each package (as
many packages as needed); close. Closing chooses the carrier service and asks for the label in
the same transaction (``fulfillment.services.packing``); the screen then polls until the label's
PDF is ready (htmx, every two seconds; HTTP 286 stops the polling) and shows it for printing.

The codes scanned so far travel with the page (hidden inputs), so a scan is one stateless round
trip and closing hands them all to ``pack_shipment``, which checks them again."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fulfillment.models import LabelState, Shipment, ShipmentState
from fulfillment.screen_selectors import (
    pack_rows,
    packing_lines,
    shipment_by_reference,
    shipments_for_code,
    shipments_to_pack,
    sku_for_code,
)
from fulfillment.services.labels import label_ready
from fulfillment.services.packing import PackageSpec, pack_shipment
from fulfillment.warehouse_forms import FindShipmentForm, PackForm, PackScanForm
from inventory.models import Product
from oms.exceptions import DomainError
from oms.roles import Role, role_required

TEMPLATE = "fulfillment/pack.html"
START_TEMPLATE = "fulfillment/pack_start.html"
REFUSED = 422
# htmx stops polling when an answer has this status (https://htmx.org/docs/#polling).
STOP_POLLING = 286
LABEL_STATES = (ShipmentState.PACKED, ShipmentState.LABELLED, ShipmentState.SHIPPED)


def _shipment_or_404(reference: str) -> Shipment:
    shipment = shipment_by_reference(reference)
    if shipment is None:
        raise Http404(_("There is no shipment “%(reference)s”.") % {"reference": reference})
    return shipment


# -- finding the shipment --------------------------------------------------------------------------


def _not_packable(shipment: Shipment) -> str:
    if shipment.state == ShipmentState.CANCELLED:
        return _("Shipment %(reference)s was cancelled (%(reason)s): nothing to pack. Put the items back.") % {
            "reference": shipment.reference,
            "reason": shipment.cancel_reason or "-",
        }
    if shipment.state == ShipmentState.ON_HOLD:
        return _("Shipment %(reference)s is on hold (%(reason)s): do not pack it.") % {
            "reference": shipment.reference,
            "reason": shipment.hold_reason or "-",
        }
    if shipment.state == ShipmentState.PLANNED:
        return _("Shipment %(reference)s has not been picked yet.") % {"reference": shipment.reference}
    return _("Shipment %(reference)s is “%(state)s”: nothing to pack.") % {
        "reference": shipment.reference,
        "state": shipment.get_state_display(),
    }


@role_required(Role.WAREHOUSE)
@require_GET
def pack_start(request: HttpRequest) -> HttpResponse:
    """Scan an order number, shipment reference or tote (pick list number): its shipment opens."""
    form = FindShipmentForm(request.GET if "code" in request.GET else None)
    choices: list[Shipment] = []
    status = 200
    if form.is_bound and form.is_valid():
        code = form.cleaned_data["code"]
        found = shipments_for_code(code)
        to_pack = [s for s in found if s.state == ShipmentState.PICKING]
        labelled = [s for s in found if s.state in LABEL_STATES]
        if len(to_pack) == 1:
            return redirect("fulfillment:warehouse-pack-shipment", reference=to_pack[0].reference)
        if to_pack:
            choices = to_pack
        elif len(labelled) == 1 and len(found) == 1:
            return redirect("fulfillment:warehouse-pack-shipment", reference=labelled[0].reference)
        elif found:
            form.add_error("code", " ".join(_not_packable(s) for s in found[:5]))
        else:
            form.add_error("code", _("No order, shipment or tote has the code “%(code)s”.") % {"code": code})
    if form.errors:
        status = REFUSED
    context = {"form": form, "choices": choices, "waiting": list(shipments_to_pack())}
    return render(request, START_TEMPLATE, context, status=status)


# -- the pack screen -------------------------------------------------------------------------------


def _context(
    shipment: Shipment,
    *,
    scans: list[str] | None = None,
    pack_form: PackForm | None = None,
    feedback: str = "",
    refused: bool = False,
) -> dict[str, Any]:
    lines = packing_lines(shipment)
    scans = scans or []
    rows = pack_rows(lines, scans)
    return {
        "shipment": shipment,
        "lines": lines,
        "rows": rows,
        "scans": scans,
        "all_scanned": bool(rows) and all(r.complete for r in rows),
        "scan_form": PackScanForm(),
        "pack_form": pack_form or PackForm(lines=lines),
        "feedback": feedback,
        "refused": refused,
        "packable": shipment.state == ShipmentState.PICKING and shipment.picked_at is not None,
        "not_packable": "" if shipment.state in (ShipmentState.PICKING, *LABEL_STATES) else _not_packable(shipment),
        **_label_context(shipment),
    }


def _render(request: HttpRequest, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    template = TEMPLATE + ("#pack-work" if request.htmx else "")
    return render(request, template, context, status=status)


@role_required(Role.WAREHOUSE)
@require_GET
def pack(request: HttpRequest, reference: str) -> HttpResponse:
    return _render(request, _context(_shipment_or_404(reference)))


@role_required(Role.WAREHOUSE)
@require_POST
def pack_scan(request: HttpRequest, reference: str) -> HttpResponse:
    """Verify one item: a code of the shipment's items counts once per picked unit; an item that
    is not in the shipment, or one more than was picked, is refused (422) and not added."""
    shipment = _shipment_or_404(reference)
    form = PackScanForm(request.POST)
    if not form.is_valid():
        previous = form.cleaned_data.get("scans", [])
        return _render(
            request,
            _context(shipment, scans=previous, feedback=_("Scan the item's GTIN or SKU."), refused=True),
            status=REFUSED,
        )
    scans, code = form.cleaned_data["scans"], form.cleaned_data["code"]
    if shipment.state != ShipmentState.PICKING:
        message = _not_packable(shipment) if shipment.state not in LABEL_STATES else _("The shipment is packed.")
        return _render(request, _context(shipment, scans=scans, feedback=message, refused=True), status=REFUSED)
    lines = packing_lines(shipment)
    sku = sku_for_code(lines, code)
    if sku is None:
        known = Product.objects.filter(sku__iexact=code).exists() or Product.objects.filter(gtin=code).exists()
        message = (
            _("%(code)s is not in shipment %(reference)s: put it aside.")
            if known
            else _("“%(code)s” is no GTIN or SKU we know.")
        ) % {"code": code, "reference": shipment.reference}
        return _render(request, _context(shipment, scans=scans, feedback=message, refused=True), status=REFUSED)
    expected = sum(line.quantity_picked for line in lines if line.product.sku == sku)
    seen = Counter(sku_for_code(lines, s) for s in scans)[sku]
    if seen >= expected:
        message = _("All %(units)d x %(sku)s are scanned already: this one is extra, put it aside.") % {
            "units": expected,
            "sku": sku,
        }
        return _render(request, _context(shipment, scans=scans, feedback=message, refused=True), status=REFUSED)
    scans = [*scans, code]
    feedback = _("%(sku)s verified: %(seen)d of %(units)d.") % {"sku": sku, "seen": seen + 1, "units": expected}
    return _render(request, _context(shipment, scans=scans, feedback=feedback))


@role_required(Role.WAREHOUSE)
@require_POST
def pack_close(request: HttpRequest, reference: str) -> HttpResponse:
    """Close the shipment with its packages (or, with ``action=add``, show one more package)."""
    shipment = _shipment_or_404(reference)
    lines = packing_lines(shipment)
    form = PackForm(request.POST, lines=lines)
    scans = form.scans_given[:]
    if request.POST.get("action") == "add":
        more = PackForm(lines=lines, packages=min(form.count + 1, 20))
        return _render(request, _context(shipment, scans=scans, pack_form=more))
    if not form.is_valid():
        scans = form.cleaned_data.get("scans", [])
        return _render(
            request,
            _context(
                shipment, scans=scans, pack_form=form, feedback=_("Check the packages: box and weight."), refused=True
            ),
            status=REFUSED,
        )
    scans = form.cleaned_data["scans"]
    packages = [PackageSpec(box, grams, items) for box, grams, items in form.packages()]
    try:
        shipment = pack_shipment(shipment=shipment, scans=scans, packages=packages, user=request.user)
    except DomainError as exc:
        context = _context(shipment, scans=scans, pack_form=form, feedback=exc.message, refused=True)
        return _render(request, context, status=REFUSED)
    shipment = _shipment_or_404(shipment.reference)
    message = _("Shipment %(reference)s packed: %(service)s. The label is on its way.") % {
        "reference": shipment.reference,
        "service": shipment.carrier_service,
    }
    if not request.htmx:
        messages.success(request, message)
        return redirect("fulfillment:warehouse-pack-shipment", reference=shipment.reference)
    return _render(request, _context(shipment, feedback=message))


# -- the label -------------------------------------------------------------------------------------


def _label_context(shipment: Shipment) -> dict[str, Any]:
    ready = shipment.state in (ShipmentState.LABELLED, ShipmentState.SHIPPED) and label_ready(shipment)
    failed = shipment.label_state == LabelState.FAILED
    # A refused label is asked for again by the outbox: keep polling until it is there.
    waiting = shipment.state in (ShipmentState.PACKED, ShipmentState.LABELLED) and not ready
    return {
        "label_ready": ready,
        "label_failed": failed,
        "label_waiting": waiting,
        "label_url": reverse("document-file", args=[shipment.label_document_id]) if ready else "",
        "label_poll_url": reverse("fulfillment:warehouse-pack-label", kwargs={"reference": shipment.reference}),
        "packages": list(shipment.packages.select_related("package_type", "delivery_note").order_by("number"))
        if shipment.state in LABEL_STATES
        else [],
    }


@role_required(Role.WAREHOUSE)
@require_GET
def pack_label(request: HttpRequest, reference: str) -> HttpResponse:
    """The label's state, polled by the pack screen: 286 once there is nothing more to wait for."""
    shipment = _shipment_or_404(reference)
    context = {"shipment": shipment, **_label_context(shipment)}
    status = 200
    if request.htmx and not context["label_waiting"]:
        status = STOP_POLLING
    return render(request, "fulfillment/partials/label_status.html", context, status=status)
