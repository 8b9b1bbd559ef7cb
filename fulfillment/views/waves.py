"""The warehouse lead's page: build a wave by rule (carrier, cut-off, single-item orders, up to N
orders) or a pick list for one order, give it to a picker, and see the open pick lists."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fulfillment.exceptions import NothingToPickError
from fulfillment.models import PickList
from fulfillment.screen_selectors import OPEN_LISTS_SHOWN, open_pick_lists, pick_list_by_number
from fulfillment.services.picking import assign_picker
from fulfillment.services.planning import WaveRule, build_pick_list_for_order, build_wave
from fulfillment.warehouse_forms import AssignPickerForm, OrderPickListForm, WaveForm
from oms.htmx import run_service_and_answer
from oms.roles import Role, role_required
from orders.models import Order

TEMPLATE = "fulfillment/waves.html"


def _context(
    *,
    wave_form: WaveForm | None = None,
    order_form: OrderPickListForm | None = None,
    assign_forms: dict[int, AssignPickerForm] | None = None,
) -> dict[str, Any]:
    lists = list(open_pick_lists()[:OPEN_LISTS_SHOWN])
    forms = assign_forms or {}
    for pick_list in lists:
        pick_list.assign_form = forms.get(pick_list.pk) or AssignPickerForm(
            initial={"picker": pick_list.picker_id}, prefix=f"assign-{pick_list.pk}"
        )
    return {
        "wave_form": wave_form or WaveForm(prefix="wave"),
        "order_form": order_form or OrderPickListForm(prefix="order"),
        "pick_lists": lists,
    }


def _answer(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    template = TEMPLATE
    if request.htmx and request.htmx.target == "wave-work":
        template += "#wave-work"
    return render(request, template, context, status=status)


def _built(request: HttpRequest, pick_list: PickList) -> HttpResponse:
    if not request.htmx:
        return redirect("fulfillment:warehouse-waves")
    return _answer(request, _context())


def _summary(pick_list: PickList) -> str:
    lines = pick_list.lines.count()
    orders = pick_list.shipments.count()
    return _("Pick list %(number)s built: %(orders)d order(s), %(lines)d line(s).") % {
        "number": pick_list.number,
        "orders": orders,
        "lines": lines,
    }


@role_required(Role.WAREHOUSE)
@require_GET
def waves(request: HttpRequest) -> HttpResponse:
    return _answer(request, _context())


@role_required(Role.WAREHOUSE)
@require_POST
def wave_build(request: HttpRequest) -> HttpResponse:
    """Build a wave by the rule in the form."""
    form = WaveForm(request.POST, prefix="wave")

    def build() -> PickList:
        data = form.cleaned_data
        service = data.get("carrier_service")
        rule = WaveRule(
            carrier_service_id=service.pk if service else None,
            cutoff=data.get("cutoff"),
            carrier_cutoff=bool(data.get("carrier_cutoff")),
            single_item=bool(data.get("single_item")),
            max_orders=data["max_orders"],
        )
        return build_wave(warehouse=data["warehouse"], rule=rule, picker=data.get("picker"), user=request.user)

    return run_service_and_answer(
        request,
        build,
        form=form,
        answer=lambda status: _answer(request, _context(wave_form=form), status=status),
        done=lambda pick_list: _built(request, pick_list),
        success=_summary,
        invalid=_("Check the wave rule."),
    )


@role_required(Role.WAREHOUSE)
@require_POST
def order_pick_list(request: HttpRequest) -> HttpResponse:
    """A pick list for the one order named in the form."""
    form = OrderPickListForm(request.POST, prefix="order")

    def build() -> PickList:
        data = form.cleaned_data
        order = Order.objects.filter(number__iexact=data["order"]).first()
        if order is None:
            raise NothingToPickError(_("There is no order “%(number)s”.") % {"number": data["order"]})
        return build_pick_list_for_order(
            order=order, warehouse=data["warehouse"], picker=data.get("picker"), user=request.user
        )

    return run_service_and_answer(
        request,
        build,
        form=form,
        answer=lambda status: _answer(request, _context(order_form=form), status=status),
        done=lambda pick_list: _built(request, pick_list),
        success=_summary,
        invalid=_("Enter an order number and choose the warehouse."),
    )


@role_required(Role.WAREHOUSE)
@require_POST
def pick_list_assign(request: HttpRequest, number: str) -> HttpResponse:
    """Give pick list ``number`` to a picker."""
    pick_list = pick_list_by_number(number)
    if pick_list is None:
        raise Http404(_("There is no pick list “%(number)s”.") % {"number": number})
    form = AssignPickerForm(request.POST, prefix=f"assign-{pick_list.pk}")
    return run_service_and_answer(
        request,
        lambda: assign_picker(pick_list=pick_list, picker=form.cleaned_data["picker"]),
        form=form,
        answer=lambda status: _answer(request, _context(assign_forms={pick_list.pk: form}), status=status),
        done=lambda result: _built(request, result),
        success=lambda result: (
            _("Pick list %(number)s goes to %(picker)s.")
            % {"number": result.number, "picker": result.picker.get_full_name() or result.picker.username}
        ),
        invalid=_("Choose a picker."),
    )
