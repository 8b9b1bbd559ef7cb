"""Returned units on the order's lines: the one writer of ``OrderLine.quantity_returned``.

The returns app calls ``record_returned_units`` when units of a return parcel arrive in the
warehouse; the order's own state never goes backwards, the order page shows what came back."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from orders import locks
from orders.exceptions import OrderEditError
from orders.models import OrderLine


@transaction.atomic
def record_returned_units(*, order_id: int, units: dict[int, int]) -> dict[int, int]:
    """Raise ``quantity_returned`` of the order's lines by ``units`` ({order line id: units > 0})
    under the order's row lock. Refuses (``OrderEditError``, nothing written) a line of another
    order or more than was shipped and not yet returned. Returns {line id: quantity_returned}."""
    order = locks.lock_order(order_id=order_id)
    lines = {line.pk: line for line in locks.lines_for_update(order=order)}
    for pk, quantity in units.items():
        line = lines.get(pk)
        if line is None:
            raise OrderEditError(_("An item does not belong to this order."), field="lines")
        if quantity <= 0 or line.quantity_returned + quantity > line.quantity_shipped:
            raise OrderEditError(
                _("%(sku)s: %(units)d more returned than shipped.") % {"sku": line.sku, "units": quantity},
                field="lines",
            )
    for pk, quantity in units.items():
        OrderLine.objects.filter(pk=pk).update(quantity_returned=F("quantity_returned") + quantity)
        lines[pk].quantity_returned += quantity
    return {pk: lines[pk].quantity_returned for pk in units}
