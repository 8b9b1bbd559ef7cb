"""The return window: the statutory withdrawal period of 14 days (§ 356 BGB), or the channel's
longer ``return_window_days``, counted from the day the customer received the order's last
shipment (Europe/Berlin business date).

While a shipment of the order is still under way (or nothing has been delivered yet) the window
has not started, so it is open.

The withdrawal function (``withdrawal_policy``) uses the same window: the customer may withdraw
from the moment the contract is made until it ends.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from fulfillment.models import Shipment, ShipmentState
from inventory.models import WithdrawalExclusion
from orders.models import Order, OrderLine, OrderState

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


@dataclass(frozen=True)
class WithdrawableLine:
    """One order line as the withdrawal function sees it: units not yet shipped (cancelled on
    withdrawal), units shipped and not yet returned or asked back (returned), or excluded."""

    line: OrderLine
    unshipped: int
    shipped: int
    excluded: str  # the WithdrawalExclusion reason, empty when the line may be withdrawn

    @property
    def units(self) -> int:
        return 0 if self.excluded else self.unshipped + self.shipped


@dataclass(frozen=True)
class WithdrawalPolicy:
    """May the customer withdraw from ``order`` today, and from which units; ``why_not`` says why
    not in the customer's words."""

    window: Window
    lines: list[WithdrawableLine]
    why_not: str = ""

    @property
    def is_open(self) -> bool:
        return not self.why_not

    @property
    def withdrawable(self) -> list[WithdrawableLine]:
        return [w for w in self.lines if w.units > 0]


def withdrawal_policy(order: Order, *, today: datetime.date, returnable: dict[int, int]) -> WithdrawalPolicy:
    """The withdrawal function's rule for ``order`` on ``today``. ``returnable`` is
    ``returns.services.requests.returnable_quantities(order)`` (shipped units not yet returned or
    held by a return request). The period is the return window (``return_window``): it runs until
    14 days (or the channel's longer period) after the last delivery and has not started before."""
    window = return_window(order)
    lines = []
    for line in order.lines.select_related("product").order_by("position", "pk"):
        exclusion = line.product.withdrawal_exclusion if line.product_id else ""
        excluded = exclusion if exclusion and exclusion not in WithdrawalExclusion.conditional() else ""
        lines.append(
            WithdrawableLine(
                line=line, unshipped=max(line.quantity_open, 0), shipped=returnable.get(line.pk, 0), excluded=excluded
            )
        )
    why_not = ""
    if order.state == OrderState.CANCELLED:
        why_not = _("This order was cancelled, so there is nothing left to withdraw from.")
    elif not window.is_open(today):
        why_not = _(
            "The withdrawal period for this order ended on %(date)s (%(days)d days after delivery). "
            "If something is wrong with an item, write to us below."
        ) % {"date": date_format(window.ends_on, "DATE_FORMAT"), "days": order.channel.return_window_days}
    elif not any(w.units for w in lines):
        if any(w.excluded for w in lines) and not any(w.unshipped + w.shipped for w in lines if not w.excluded):
            why_not = _("The items in this order are excluded from the right of withdrawal.")
        else:
            why_not = _("You have already withdrawn from or returned everything in this order.")
    return WithdrawalPolicy(window=window, lines=lines, why_not=why_not)


# The refund of a withdrawal is due within 14 days of the declaration (§ 357(1) BGB); the support
# queue shows open requests this many days before that.
REFUND_DUE_DAYS = 14
REFUND_WARN_DAYS = 3
