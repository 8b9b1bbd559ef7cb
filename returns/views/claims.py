"""Support's claim screens: a claim against a shipment from the order page (its claims panel),
one claim with its resolution (free re-shipment or refund) and the claim against the carrier,
and the list of claims (``/support/claims/``).

Success goes back to the order page (or the claim) with a message; invalid input or a refusal
shows the form again with its errors (422, or 409 for a move the state forbids), nothing written.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fulfillment.models import Shipment
from oms.htmx import run_service_and_answer
from oms.roles import role_required
from returns.claim_forms import CarrierClaimForm, ClaimListForm, OpenClaimForm, ResolveClaimForm
from returns.claim_selectors import claim_for_support_or_404, claim_list, claimable_units
from returns.models import ClaimResolution, ShipmentClaim
from returns.panels import SUPPORT_ROLES
from returns.services.claims import (
    file_carrier_claim,
    open_claim,
    record_carrier_payment,
    reject_carrier_claim,
    resolve_by_refund,
    resolve_by_reshipment,
)
from returns.views.support import _show_in, _to_order

NEW_TEMPLATE = "returns/claim_new.html"
DETAIL_TEMPLATE = "returns/claim_detail.html"
LIST_TEMPLATE = "returns/claim_list.html"


def _agent(request: HttpRequest) -> str:
    return f"support:{request.user.get_username()}"


def _shipment_or_404(reference: str) -> Shipment:
    if "\x00" in reference:
        raise Http404
    shipment = Shipment.objects.select_related("order").filter(reference=reference).first()
    if shipment is None:
        raise Http404
    return shipment


def claim_lines(shipment: Shipment) -> list[tuple[Any, int]]:
    left = {pk: n for pk, n in claimable_units(shipment).items() if n > 0}
    return [(line, left[line.pk]) for line in shipment.order.lines.filter(pk__in=list(left)).order_by("pk")]


@role_required(*SUPPORT_ROLES)
@require_http_methods(["GET", "POST"])
def claim_create(request: HttpRequest, reference: str) -> HttpResponse:
    """A claim against shipment ``reference``: the form (GET), or the claim recorded (POST)."""
    shipment = _shipment_or_404(reference)
    lines = claim_lines(shipment)
    prefix = f"claim-{shipment.pk}"
    if request.method == "GET":
        form = OpenClaimForm(lines=lines, prefix=prefix)
        return render(request, NEW_TEMPLATE, {"shipment": shipment, "order": shipment.order, "claim_form": form})
    form = OpenClaimForm(request.POST, lines=lines, prefix=prefix)

    def create() -> ShipmentClaim:
        data = form.cleaned_data
        return open_claim(
            shipment,
            data["kind"],
            form.quantities(),
            by=request.user,
            description=data["description"],
            actor_label=_agent(request),
        )

    context = {"shipment": shipment, "order": shipment.order, "claim_form": form}
    return run_service_and_answer(
        request,
        create,
        form=form,
        answer=lambda status: render(request, NEW_TEMPLATE, context, status=status),
        done=lambda claim: _to_order(request, claim.order.number),
        success=lambda claim: _("Claim %(number)s recorded.") % {"number": claim.number},
        show_refusal=_show_in(form),
        refusal_in_form=True,
    )


def _detail(request: HttpRequest, claim: ShipmentClaim, *, status: int = 200, **forms: Any) -> HttpResponse:
    context = {
        "claim": claim,
        "order": claim.order,
        "lines": list(claim.lines.all()),
        "resolve_form": forms.get("resolve_form") or ResolveClaimForm(prefix="resolve"),
        "carrier_form": forms.get("carrier_form") or CarrierClaimForm(prefix="carrier"),
    }
    return render(request, DETAIL_TEMPLATE, context, status=status)


@role_required(*SUPPORT_ROLES)
@require_GET
def claim_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _detail(request, claim_for_support_or_404(number))


@role_required(*SUPPORT_ROLES)
@require_POST
def claim_resolve(request: HttpRequest, number: str) -> HttpResponse:
    """Resolve the claim for the customer: a free re-shipment or a refund."""
    claim = claim_for_support_or_404(number)
    form = ResolveClaimForm(request.POST, prefix="resolve")

    def resolve() -> ShipmentClaim:
        service = (
            resolve_by_reshipment
            if form.cleaned_data["resolution"] == ClaimResolution.RESHIPMENT
            else resolve_by_refund
        )
        return service(claim, by=request.user, actor_label=_agent(request))

    def success(done: ShipmentClaim) -> str:
        if done.resolution == ClaimResolution.RESHIPMENT:
            return _("Claim %(number)s: replacement order %(order)s placed.") % {
                "number": done.number,
                "order": done.replacement_order.number,
            }
        return _("Claim %(number)s: %(amount)s refunded.") % {
            "number": done.number,
            "amount": f"{done.refunded_amount:.2f}",
        }

    return run_service_and_answer(
        request,
        resolve,
        form=form,
        answer=lambda status: _detail(request, claim_for_support_or_404(number), status=status, resolve_form=form),
        done=lambda done: _to_order(request, done.order.number),
        success=success,
    )


@role_required(*SUPPORT_ROLES)
@require_POST
def claim_carrier(request: HttpRequest, number: str) -> HttpResponse:
    """The claim against the carrier: filed (with its reference), paid (amount) or rejected."""
    claim = claim_for_support_or_404(number)
    form = CarrierClaimForm(request.POST, prefix="carrier")

    def move() -> ShipmentClaim:
        data = form.cleaned_data
        if data["action"] == "file":
            return file_carrier_claim(claim, reference=data["reference"], by=request.user)
        if data["action"] == "paid":
            return record_carrier_payment(claim, amount=data["amount"], note=data["note"], by=request.user)
        return reject_carrier_claim(claim, note=data["note"], by=request.user)

    return run_service_and_answer(
        request,
        move,
        form=form,
        answer=lambda status: _detail(request, claim_for_support_or_404(number), status=status, carrier_form=form),
        done=lambda done: redirect("returns:support-claim-detail", number=done.number),
        success=lambda done: (
            _("Claim %(number)s: %(state)s.") % {"number": done.number, "state": done.get_carrier_state_display()}
        ),
        show_refusal=_show_in(form),
    )


@role_required(*SUPPORT_ROLES)
@require_GET
def claims(request: HttpRequest) -> HttpResponse:
    """Every claim, newest first, filtered by the claim against the carrier, kind and resolution;
    an unknown filter value is named and ignored."""
    form = ClaimListForm(request.GET or None)
    filters: dict[str, str] = {}
    status = 200
    if form.is_bound:
        if form.is_valid():
            filters = {k: v for k, v in form.cleaned_data.items() if v}
        else:
            status = 422
            filters = {k: v for k, v in form.cleaned_data.items() if v}
    rows = list(claim_list(**filters))
    return render(request, LIST_TEMPLATE, {"form": form, "claims": rows}, status=status)
