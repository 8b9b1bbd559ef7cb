"""Editing an order before it is released to the warehouse: quantities, lines, addresses.

Each edit releases the order's reservations, applies the changes, re-totals, routes and
reserves again in the same transaction (the stock levels stay locked in between, so nobody can
take the released units), and writes one timeline entry listing every change. A lowered line
keeps its discount in proportion to its units, like a cancellation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.models import Product
from oms import parsing
from oms.events import publish
from oms.money import quantize
from oms.parsing import MAX_QUANTITY
from oms.texts import Spec, text
from orders import locks
from orders.exceptions import OrderNotEditableError, OrderValidationError
from orders.models import Order, OrderLine, OrderState, PriceMode
from orders.services import timeline
from orders.services.allocation import LINE_FIELDS, allocate_lines, release_allocations
from orders.services.cancellation import retotal
from orders.services.drafts import AddressDraft, Errors, LineDraft, check_address, check_amount
from orders.services.timeline import Actor, build_search_text
from orders.services.totals import line_total

ADDRESS_PARTS = ("name", "company", "street", "line2", "postcode", "city", "country", "phone")
# inventory.Product prices are in euros.
CATALOGUE_CURRENCY = "EUR"
ROUTABLE = {OrderState.CONFIRMED, OrderState.ALLOCATED, OrderState.BACKORDERED}


@dataclass(frozen=True)
class OrderEdit:
    """``quantities``: {line id: new quantity} (0 removes the line); ``add_lines``: new lines;
    addresses replace the old ones when given."""

    quantities: dict[int, int] = field(default_factory=dict)
    add_lines: Sequence[LineDraft] = ()
    shipping_address: AddressDraft | None = None
    billing_address: AddressDraft | None = None


def lines_at_catalogue_price(*, order: Order, additions: Sequence[tuple[str, int]]) -> list[LineDraft]:
    """New lines (sku, quantity) priced as the catalogue sells them in the order's price mode
    (gross or net), for support agents adding a product. One query. An unknown SKU gets a zero
    price here; ``edit_order`` then refuses it, naming the SKU."""
    if additions and order.currency != CATALOGUE_CURRENCY:
        raise OrderValidationError(
            {
                "add_lines": [
                    _(
                        "Catalogue prices are in %(catalogue)s and this order is in %(currency)s; "
                        "add the product in the channel instead."
                    )
                    % {"catalogue": CATALOGUE_CURRENCY, "currency": order.currency}
                ]
            }
        )
    skus = {sku.strip() for sku, _qty in additions}
    products = {p.sku: p for p in Product.objects.filter(sku__in=skus)} if skus else {}
    drafts = []
    for sku, quantity in additions:
        product = products.get(sku.strip())
        price = Decimal("0.00")
        if product is not None:
            price = product.net_price if order.price_mode == PriceMode.NET else product.gross_price
        drafts.append(LineDraft(sku=sku.strip(), quantity=quantity, unit_price=price))
    return drafts


def _validate(order: Order, lines: dict[int, OrderLine], edit: OrderEdit) -> dict[str, Product]:
    errors = Errors()
    for line_id, quantity in edit.quantities.items():
        key = f"quantities.{line_id}"
        line = lines.get(line_id)
        if line is None:
            errors.add(key, _("Line %(line)s is not part of this order.") % {"line": line_id})
        elif not parsing.is_quantity(quantity, minimum=0):
            errors.add(key, _("%(sku)s: enter a whole number, 0 removes the line.") % {"sku": line.sku})
        elif quantity > MAX_QUANTITY:
            errors.add(key, _("At most %(max)d units per line.") % {"max": MAX_QUANTITY})
        elif 0 < quantity < line.quantity_cancelled + line.quantity_shipped:
            errors.add(
                key,
                _("%(sku)s: %(n)d units are already cancelled or shipped.")
                % {"sku": line.sku, "n": line.quantity_cancelled + line.quantity_shipped},
            )
    skus = {str(ld.sku).strip() for ld in edit.add_lines}
    products = {p.sku: p for p in Product.objects.filter(sku__in=skus)} if skus else {}
    for i, ld in enumerate(edit.add_lines):
        key = f"add_lines[{i}]"
        product = products.get(str(ld.sku).strip())
        if product is None:
            errors.add(f"{key}.sku", _("Unknown SKU “%(sku)s”.") % {"sku": str(ld.sku)[:64]})
        elif not product.active:
            errors.add(f"{key}.sku", _("The product “%(sku)s” is no longer sold.") % {"sku": product.sku})
        if not parsing.is_quantity(ld.quantity, maximum=MAX_QUANTITY):
            errors.add(f"{key}.quantity", _("The quantity must be a whole number of at least 1."))
        price = check_amount(errors, f"{key}.unit_price", ld.unit_price)
        discount = check_amount(errors, f"{key}.discount", ld.discount)
        if (
            price is not None
            and discount is not None
            and isinstance(ld.quantity, int)
            and discount > price * ld.quantity
        ):
            errors.add(f"{key}.discount", _("The discount is larger than the line amount."))
    if edit.shipping_address is not None:
        check_address(errors, "shipping_address", edit.shipping_address)
    if edit.billing_address is not None:
        check_address(errors, "billing_address", edit.billing_address)
    remaining = [line for line_id, line in lines.items() if edit.quantities.get(line_id, line.quantity) > 0] + list(
        edit.add_lines
    )
    if not remaining:
        errors.add("lines", _("An order needs at least one line; cancel the order instead."))
    if errors:
        raise OrderValidationError(dict(errors))
    return products


def _set_address(order: Order, prefix: str, address: AddressDraft, changes: list[Spec], label: Promise) -> None:
    before = [getattr(order, f"{prefix}_{p}") for p in ADDRESS_PARTS]
    for part in ADDRESS_PARTS:
        value = getattr(address, part).strip()
        setattr(order, f"{prefix}_{part}", value.upper() if part == "country" else value)
    after = [getattr(order, f"{prefix}_{p}") for p in ADDRESS_PARTS]
    if before != after:
        changes.append(
            text(
                gettext_lazy("%(label)s changed from “%(before)s” to “%(after)s”."),
                label=label,
                before=", ".join(v for v in before if v),
                after=", ".join(v for v in after if v),
            )
        )


@transaction.atomic
def edit_order(*, order: Order, edit: OrderEdit, actor_label: str = "system", user: Any = None) -> Order:
    """Apply ``edit`` to an order that has not been released to the warehouse.

    Raises ``OrderNotEditableError`` (409) after release, ``OrderValidationError`` (400) for bad
    input; nothing changes then. Publishes ``order.edited``.
    """
    order = locks.lock_order(order_id=order.pk)
    if not order.is_editable:
        state = order.get_state_display()
        if order.state == OrderState.ON_HOLD:  # held in the warehouse: say where it was held
            state = f"{state}, {OrderState(order.state_before_hold).label}"
        raise OrderNotEditableError(number=order.number, state=state)
    lines = {line.pk: line for line in locks.lines_for_update(order=order)}
    products = _validate(order, lines, edit)
    extra_terms = _extra_terms(order, list(lines.values()))
    changes: list[Spec] = []
    old_country = order.shipping_country
    if edit.shipping_address is not None:
        _set_address(order, "shipping", edit.shipping_address, changes, gettext_lazy("Shipping address"))
    if edit.billing_address is not None:
        _set_address(order, "billing", edit.billing_address, changes, gettext_lazy("Billing address"))

    quantity_changes = {lid: q for lid, q in edit.quantities.items() if q != lines[lid].quantity}
    lines_changed = bool(quantity_changes or edit.add_lines)
    effective_state = order.state_before_hold if order.state == OrderState.ON_HOLD else order.state
    reroute = effective_state in ROUTABLE and (lines_changed or order.shipping_country != old_country)
    # Units an edit gives back (fewer units, a removed line, another warehouse) may serve orders
    # waiting for them: ``order.edited`` names the products, as a cancellation does.
    released_products = sorted({line.product_id for line in lines.values() if line.quantity_allocated})
    if reroute:
        release_allocations(order=order, lines=list(lines.values()))
    else:
        released_products = []
    removed = [lid for lid, q in quantity_changes.items() if q == 0]
    for lid, quantity in quantity_changes.items():
        line = lines[lid]
        if quantity == 0:
            changes.append(text(gettext_lazy("Removed %(qty)d x %(sku)s."), qty=line.quantity, sku=line.sku))
        else:
            changes.append(
                text(
                    gettext_lazy("%(sku)s: quantity %(before)d → %(after)d."),
                    sku=line.sku,
                    before=line.quantity,
                    after=quantity,
                )
            )
            if quantity < line.quantity and line.discount:
                # The discount shrinks with the line, as when units are cancelled (it was granted
                # for the units ordered); it does not grow when units are added.
                line.discount = quantize(line.discount * quantity / line.quantity)
            line.quantity = quantity
    if removed:
        OrderLine.objects.filter(pk__in=removed).delete()
        for lid in removed:
            del lines[lid]
    next_position = max((line.position for line in lines.values()), default=0) + 1
    new_lines = []
    for i, ld in enumerate(edit.add_lines):
        product = products[str(ld.sku).strip()]
        price, discount = Decimal(str(ld.unit_price)), Decimal(str(ld.discount))
        new_lines.append(
            OrderLine(
                order=order,
                position=next_position + i,
                product=product,
                sku=product.sku,
                name=product.name[:200],
                quantity=ld.quantity,
                unit_price=price,
                discount=discount,
                vat_rate=product.vat_rate,
                line_total=line_total(quantity=ld.quantity, unit_price=price, discount=discount),
            )
        )
        changes.append(text(gettext_lazy("Added %(qty)d x %(sku)s."), qty=ld.quantity, sku=product.sku))
    if new_lines:
        OrderLine.objects.bulk_create(new_lines)
    all_lines = [*lines.values(), *new_lines]
    retotal(order, all_lines)
    if not changes:
        return order
    from_state = order.state
    # Released units included: the lines as they are now, before routing places them again.
    OrderLine.objects.bulk_update(all_lines, ["quantity", "discount", "line_total", *LINE_FIELDS])
    order.search_text = build_search_text(order, all_lines, extra=extra_terms)
    order.updated_at = timezone.now()
    order.save()
    actor = Actor(actor_label, user)
    timeline.order_edited(order, changes=changes, actor=actor)
    if reroute:
        allocate_lines(order=order, lines=all_lines, actor_label=actor_label, user=user)
    publish(
        "order.edited",
        {
            "order_id": order.pk,
            "number": order.number,
            "from_state": from_state,
            "state": order.state,
            "released_product_ids": released_products,
        },
    )
    return order


def _extra_terms(order: Order, lines: list[OrderLine]) -> list[str]:
    """Terms other apps added (tracking, invoice, RMA numbers) survive a rebuild of the document."""
    base = set(build_search_text(order, lines).split())
    return [t for t in order.search_text.split() if t not in base]
