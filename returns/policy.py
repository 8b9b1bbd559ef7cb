"""The return window: the statutory withdrawal period of 14 days (§ 356 BGB), or the channel's
longer ``return_window_days``, counted from the day the customer received the order's last
shipment (Europe/Berlin business date).

While a shipment of the order is still under way (or nothing has been delivered yet) the window
has not started, so it is open."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from fulfillment.models import Shipment, ShipmentState
from orders.models import Order

UNDER_WAY = frozenset(
    {
        ShipmentState.SHIPPED,
        ShipmentState.IN_TRANSIT,
        ShipmentState.OUT_FOR_DELIVERY,
        ShipmentState.EXCEPTION,
    }
)


@dataclass(frozen=True)
class Window:
    ends_on: datetime.date | None  # None: not started yet (nothing delivered, or a parcel under way)

    def is_open(self, today: datetime.date) -> bool:
        return self.ends_on is None or today <= self.ends_on


def return_window(order: Order) -> Window:
    """The order's return window (one query over its shipments)."""
    rows = list(Shipment.objects.filter(order=order).values_list("state", "delivered_at"))
    if any(state in UNDER_WAY for state, _at in rows):
        return Window(ends_on=None)
    delivered = [at for state, at in rows if state == ShipmentState.DELIVERED and at is not None]
    if not delivered:
        return Window(ends_on=None)
    last = timezone.localdate(max(delivered))
    return Window(ends_on=last + datetime.timedelta(days=order.channel.return_window_days))
