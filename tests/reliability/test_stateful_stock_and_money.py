"""A stateful property test over the core: intake (with allocation or backorder), payment,
editing, hold/unhold, cancellation (whole orders and single units), release and (partial)
shipping, receipts and adjustments, in random order, all through the services of ``orders`` and
``inventory``. After every step every stock and money invariant holds:

- per stock level: ``on_hand`` == sum of its ledger, ``0 <= reserved <= on_hand``, and
  ``reserved`` == the units allocated to order lines at that level;
- per product: the ledger's receipts and adjustments are what the test did, its shipments are
  the units the order lines count as shipped;
- per order line: ``allocated`` == its allocations, ``allocated + shipped + cancelled <= quantity``,
  and (unless the whole order was cancelled) ``line_total`` == remaining units x unit price;
- per order: subtotal == sum of its lines, total == subtotal + shipping - discount; a cancelled
  order holds no stock; an allocated order lacks no units; a shipped one has nothing open.

Runs on PostgreSQL with real transactions (``transaction=True``) so after-commit reactions such
as "stock arrived: allocate backorders" happen as in production. Each example starts from empty
tables. Bounded (12 examples of up to 20 steps, ~15 s) and derandomized (the same examples on
every run) so CI stays fast and stable; the test also checks that every service really succeeded
some of the time, so refusals swallowed as "illegal in this state" cannot make it pass without
exercising anything. Explore further locally by raising ``max_examples`` and dropping
``derandomize``.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections import Counter
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from oms.exceptions import DomainError
from tests.reliability import ordering

pytestmark = [pytest.mark.reliability, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

_ids = itertools.count(1)
MACHINE_SETTINGS = settings(
    max_examples=12,
    stateful_step_count=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# Services that must have succeeded at least once over the whole run.
EXERCISED = {
    "place",
    "receive",
    "adjust",
    "pay",
    "cancel",
    "cancel_some_units",
    "edit",
    "hold",
    "unhold",
    "ship",
    "ship_partially",
    "backorder",
}


# -- invariants, as readable lists of what is broken ----------------------------------------------


def stock_violations() -> list[str]:
    """Every broken stock rule (empty when all hold)."""
    from inventory.models import StockLevel, StockMovement
    from orders.models import Allocation

    ledger = {
        (r["product_id"], r["warehouse_id"]): r["s"]
        for r in StockMovement.objects.values("product_id", "warehouse_id").annotate(s=Sum("quantity"))
    }
    allocated = {
        r["stock_level_id"]: r["s"] for r in Allocation.objects.values("stock_level_id").annotate(s=Sum("quantity"))
    }
    problems = []
    for level in StockLevel.objects.all():
        key = (level.product_id, level.warehouse_id)
        if level.on_hand != ledger.get(key, 0):
            problems.append(f"{key}: on_hand {level.on_hand} != ledger {ledger.get(key, 0)}")
        if not 0 <= level.reserved <= level.on_hand:
            problems.append(f"{key}: reserved {level.reserved} outside 0..{level.on_hand}")
        if level.reserved != allocated.get(level.pk, 0):
            problems.append(f"{key}: reserved {level.reserved} != allocations {allocated.get(level.pk, 0)}")
    return problems


def ledger_violations(received: Counter, adjusted: Counter) -> list[str]:
    """The ledger per product against what the test did and what the orders shipped."""
    from inventory.models import MovementKind, StockMovement
    from orders.models import OrderLine

    def by_product(kind: str) -> Counter:
        rows = StockMovement.objects.filter(kind=kind).values("product_id").annotate(s=Sum("quantity"))
        return Counter({r["product_id"]: r["s"] for r in rows if r["s"]})

    shipped_lines = Counter(
        {
            r["product_id"]: r["s"]
            for r in OrderLine.objects.values("product_id").annotate(s=Sum("quantity_shipped"))
            if r["s"]
        }
    )
    problems = []
    if by_product(MovementKind.RECEIPT) != +received:
        problems.append(f"receipts {dict(by_product(MovementKind.RECEIPT))} != received {dict(+received)}")
    if dict(by_product(MovementKind.ADJUSTMENT)) != {k: v for k, v in adjusted.items() if v}:
        problems.append(f"adjustments {dict(by_product(MovementKind.ADJUSTMENT))} != done {dict(adjusted)}")
    ships = Counter({k: -v for k, v in by_product(MovementKind.SHIP).items()})
    if ships != shipped_lines:
        problems.append(f"ship movements {dict(ships)} != units shipped on lines {dict(shipped_lines)}")
    return problems


def line_violations() -> list[str]:
    from orders.models import Allocation, OrderLine, OrderState

    allocated = {
        r["order_line_id"]: r["s"] for r in Allocation.objects.values("order_line_id").annotate(s=Sum("quantity"))
    }
    problems = []
    for line in OrderLine.objects.select_related("order"):
        name = f"order {line.order.number} line {line.sku}"
        if line.quantity_allocated != allocated.get(line.pk, 0):
            problems.append(f"{name}: allocated {line.quantity_allocated} != allocations {allocated.get(line.pk, 0)}")
        if line.quantity_allocated + line.quantity_shipped + line.quantity_cancelled > line.quantity:
            problems.append(
                f"{name}: allocated {line.quantity_allocated} + shipped {line.quantity_shipped} + cancelled "
                f"{line.quantity_cancelled} > ordered {line.quantity}"
            )
        # Cancelling a whole order keeps its totals as placed; anything else re-totals the line.
        if line.order.state != OrderState.CANCELLED and line.discount == 0:
            expected = (line.quantity - line.quantity_cancelled) * line.unit_price
            if line.line_total != expected:
                problems.append(f"{name}: line total {line.line_total} != remaining units x price {expected}")
    return problems


def money_violations() -> list[str]:
    """Every order whose stored totals do not follow from its lines (orders.services.totals rules)."""
    from orders.models import Order

    problems = []
    for order in Order.objects.prefetch_related("lines"):
        lines = list(order.lines.all())
        subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
        expected = subtotal + order.shipping_total - order.discount_total
        if order.price_mode == "net":
            expected += order.vat_total
        if order.subtotal != subtotal:
            problems.append(f"order {order.number}: subtotal {order.subtotal} != lines {subtotal}")
        if order.total != expected:
            problems.append(f"order {order.number}: total {order.total} != lines + shipping - discount ({expected})")
        if order.total < 0 or order.vat_total < 0:
            problems.append(f"order {order.number}: negative total {order.total} or VAT {order.vat_total}")
    return problems


def state_violations() -> list[str]:
    """What an order's state promises about its lines."""
    from orders.models import Order, OrderState

    problems = []
    for order in Order.objects.prefetch_related("lines"):
        lines = list(order.lines.all())
        if order.state == OrderState.CANCELLED and any(line.quantity_allocated for line in lines):
            problems.append(f"order {order.number} is cancelled but holds stock")
        if order.state == OrderState.ALLOCATED and any(line.quantity_to_allocate for line in lines):
            problems.append(f"order {order.number} is allocated but lacks units")
        if order.state == OrderState.SHIPPED and any(line.quantity_open for line in lines):
            problems.append(f"order {order.number} is shipped but has open units")
    return problems


def _empty_the_tables() -> None:
    """Each example starts from nothing (the state machine runs many examples in one test)."""
    tables = [
        model._meta.db_table
        for label in ("inventory", "orders")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ] + ["oms_outboxmessage"]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(connection.ops.quote_name(t) for t in tables)} RESTART IDENTITY CASCADE")


# -- the machine ----------------------------------------------------------------------------------

PENDING = ("pending",)
ON_HOLD = ("on_hold",)
SHIPPED = ("partially_shipped", "shipped")  # something has left a warehouse (units may still be cancelled)
HOLDABLE = ("pending", "confirmed", "allocated", "backordered")
EDITABLE = (*HOLDABLE, "on_hold")
CANCELLABLE = (*EDITABLE, "in_fulfillment")  # nothing has shipped yet
SHIPPABLE = ("allocated", "in_fulfillment", "partially_shipped")
ACTIVE = (*CANCELLABLE, *SHIPPED)
# Order actions (methods of the machine) and the states they apply in.
ACTIONS = {
    "pay": PENDING,
    "hold": HOLDABLE,
    "unhold": ON_HOLD,
    "edit": EDITABLE,
    "cancel": CANCELLABLE,
    "cancel_too_late": SHIPPED,
    "cancel_some_units": ACTIVE,
    "ship": SHIPPABLE,
}


def _orders_in(states: tuple[str, ...]) -> list[int]:
    from orders.models import Order

    return list(Order.objects.filter(state__in=states).order_by("pk").values_list("pk", flat=True))


def _draw_order(data, states: tuple[str, ...]):
    from orders.models import Order

    return Order.objects.get(pk=data.draw(st.sampled_from(_orders_in(states)), label="order"))


succeeded: Counter = Counter()


class CoreMachine(RuleBasedStateMachine):
    products = Bundle("products")

    def __init__(self) -> None:
        super().__init__()
        _empty_the_tables()
        self.channel = ordering.make_channel("web")
        self.warehouse = ordering.make_warehouse()
        self.received: Counter = Counter()  # units received per product id
        self.adjusted: Counter = Counter()  # net adjustment per product id
        self.product_ids: list[int] = []

    @staticmethod
    def _order(pk: int):
        from orders.models import Order

        return Order.objects.get(pk=pk)

    # -- inventory --------------------------------------------------------------------------------
    @initialize(target=products, stock=st.lists(st.integers(0, 12), min_size=3, max_size=3))
    def catalogue(self, stock: list[int]):
        """A few products to start with, so every rule can run from the first step."""
        return multiple(*(self.new_product(units) for units in stock))

    @rule(target=products, units=st.integers(0, 12))
    def new_product(self, units: int) -> int:
        pk = ordering.make_product(f"SM-{next(_ids)}", units=units).pk
        self.received[pk] += units
        self.product_ids.append(pk)
        return pk

    @rule(product=products, units=st.integers(1, 10))
    def receive(self, product: int, units: int) -> None:
        """Goods arrive; backordered orders are allocated after commit."""
        from inventory.models import Product
        from inventory.services.stock import receive_stock

        receive_stock(product=Product.objects.get(pk=product), warehouse=self.warehouse, quantity=units, reference="sm")
        self.received[product] += units
        succeeded["receive"] += 1

    @rule(product=products, delta=st.integers(-8, 8).filter(bool))
    def adjust(self, product: int, delta: int) -> None:
        from inventory.models import Product
        from inventory.services.stock import adjust_stock

        # Taking away more than is free is refused (DomainError) and changes nothing.
        with contextlib.suppress(DomainError):
            adjust_stock(product=Product.objects.get(pk=product), warehouse=self.warehouse, quantity=delta, reason="sm")
            self.adjusted[product] += delta
            succeeded["adjust"] += 1

    # -- orders -----------------------------------------------------------------------------------
    @rule(items=st.lists(st.tuples(products, st.integers(1, 4)), min_size=1, max_size=3), prepaid=st.booleans())
    def place(self, items: list[tuple[int, int]], prepaid: bool) -> None:
        """Invoice orders are confirmed and allocated (or backordered) at once; prepaid ones wait."""
        from inventory.models import Product
        from orders.models import OrderState
        from orders.services.intake import place_order

        quantities: dict[str, int] = {}
        for product, quantity in items:
            sku = Product.objects.get(pk=product).sku
            quantities[sku] = quantities.get(sku, 0) + quantity
        draft = ordering.order_draft(quantities, payment_method="prepayment" if prepaid else "invoice")
        order = place_order(channel=self.channel, draft=draft, actor_label="stateful").order
        succeeded["place"] += 1
        if order.state == OrderState.BACKORDERED:
            succeeded["backorder"] += 1

    # One rule acts on orders, choosing an order and then an action that applies in its state
    # (pay, hold, unhold, edit, cancel the order or some units, ship), so no step is spent on a
    # refusal and Hypothesis's swarm testing (which switches whole rules off per example) cannot
    # starve one action. Where an action applies it must succeed; only edits and unit
    # cancellations may be refused (more units than are open, an empty order), and a refusal
    # changes nothing. Cancelling an order that has shipped something must be refused.

    @precondition(lambda self: _orders_in(ACTIVE))
    @rule(data=st.data())
    def act_on_an_order(self, data) -> None:
        obj = _draw_order(data, ACTIVE)
        actions = [name for name, states in ACTIONS.items() if obj.state in states]
        action = data.draw(st.sampled_from(actions), label="action")
        getattr(self, action)(data, obj)

    # The same rule twice more, so order actions get as many steps as intake and stock changes.
    @precondition(lambda self: _orders_in(ACTIVE))
    @rule(data=st.data())
    def act_on_another_order(self, data) -> None:
        self.act_on_an_order(data)

    @precondition(lambda self: _orders_in(ACTIVE))
    @rule(data=st.data())
    def act_on_yet_another_order(self, data) -> None:
        self.act_on_an_order(data)

    def pay(self, data, obj) -> None:
        """The full amount of a pending order is captured: it is confirmed and allocated."""
        from orders.services.payments import record_payment

        record_payment(
            order=obj, kind="capture", amount=obj.total, provider="test", provider_reference=uuid.uuid4().hex
        )
        assert self._order(obj.pk).state != "pending"
        succeeded["pay"] += 1

    def cancel(self, data, obj) -> None:
        """Cancel the whole order: every reservation is released."""
        from orders.services.cancellation import cancel_order

        cancel_order(order=obj, reason="stateful test")
        assert self._order(obj.pk).state == "cancelled"
        succeeded["cancel"] += 1

    def cancel_too_late(self, data, obj) -> None:
        """Something has shipped: cancelling the order is refused and changes nothing."""
        from orders.services.cancellation import cancel_order

        with pytest.raises(DomainError):
            cancel_order(order=obj, reason="stateful test")
        assert self._order(obj.pk).state == obj.state
        succeeded["cancel_refused"] += 1

    def cancel_some_units(self, data, obj) -> None:
        """Cancel units of one line (re-totals, releases exactly what those units held)."""
        from orders.services.cancellation import cancel_order_lines

        line = data.draw(st.sampled_from(list(obj.lines.order_by("pk"))), label="line")
        units = data.draw(st.integers(1, 3), label="units")
        with contextlib.suppress(DomainError):
            cancel_order_lines(order=obj, quantities={line.pk: units}, reason="stateful test")
            succeeded["cancel_some_units"] += 1

    def edit(self, data, obj) -> None:
        """Edit before release: set one line's quantity (0 removes it), maybe add a line
        (re-allocates, re-totals)."""
        from inventory.models import Product
        from orders.services.drafts import LineDraft
        from orders.services.editing import OrderEdit, edit_order

        line = data.draw(st.sampled_from(list(obj.lines.order_by("pk"))), label="line")
        quantity = data.draw(st.integers(0, 6), label="quantity")
        extra = data.draw(st.one_of(st.none(), st.sampled_from(self.product_ids)), label="extra product")
        add = []
        if extra is not None:
            add = [LineDraft(sku=Product.objects.get(pk=extra).sku, quantity=1, unit_price=Decimal("9.99"))]
        with contextlib.suppress(DomainError):
            edit_order(order=obj, edit=OrderEdit(quantities={line.pk: quantity}, add_lines=add))
            succeeded["edit"] += 1

    def hold(self, data, obj) -> None:
        from orders.services.lifecycle import hold_order

        assert hold_order(order=obj, reason="address check").state == "on_hold"
        succeeded["hold"] += 1

    def unhold(self, data, obj) -> None:
        """Back to where it was; a confirmed order is allocated now."""
        from orders.services.lifecycle import unhold_order

        assert unhold_order(order=obj).state != "on_hold"
        succeeded["unhold"] += 1

    def ship(self, data, obj) -> None:
        """Warehouse work: release to fulfilment, then ship one unit or everything allocated."""
        from orders.models import OrderState
        from orders.services.lifecycle import release_to_fulfillment, ship_order_lines

        if obj.state == OrderState.ALLOCATED:
            obj = release_to_fulfillment(order=obj)
        line = obj.lines.filter(quantity_allocated__gt=0).order_by("pk").first()
        if line is None:
            return  # partially shipped, the rest still waiting for stock
        if data.draw(st.booleans(), label="one unit only"):
            ship_order_lines(order=obj, quantities={line.pk: 1})
            succeeded["ship_partially"] += 1
        else:
            ship_order_lines(order=obj)
            succeeded["ship"] += 1

    # -- after every step -------------------------------------------------------------------------
    @invariant()
    def stock_rules_hold(self) -> None:
        assert stock_violations() == []

    @invariant()
    def ledger_follows_what_happened(self) -> None:
        assert ledger_violations(self.received, self.adjusted) == []

    @invariant()
    def line_rules_hold(self) -> None:
        assert line_violations() == []

    @invariant()
    def money_rules_hold(self) -> None:
        assert money_violations() == []

    @invariant()
    def states_match_lines(self) -> None:
        assert state_violations() == []


def test_stock_and_money_invariants_hold_after_every_step():
    succeeded.clear()
    run_state_machine_as_test(CoreMachine, settings=MACHINE_SETTINGS)
    print("steps that succeeded:", dict(succeeded))  # shown with pytest -s
    missing = EXERCISED - {name for name, count in succeeded.items() if count}
    assert not missing, f"never succeeded, so never tested: {sorted(missing)} (ran: {dict(succeeded)})"


def test_the_invariant_checks_can_fail():
    """Control: a ledger that does not add up, an allocation count or a total that does not follow
    from the rows are reported."""
    from inventory.models import StockLevel
    from orders.models import Order, OrderLine
    from orders.services.intake import place_order

    assert connection.vendor == "postgresql"
    product = ordering.make_product("SM-CONTROL", units=5)
    order = place_order(
        channel=ordering.make_channel("web"), draft=ordering.order_draft({"SM-CONTROL": 2}, payment_method="invoice")
    )
    assert stock_violations() == line_violations() == money_violations() == state_violations() == []
    assert ledger_violations(Counter({product.pk: 5}), Counter()) == []
    assert ledger_violations(Counter({product.pk: 4}), Counter()) != []

    StockLevel.objects.filter(product=product).update(on_hand=6)
    assert stock_violations() != []
    OrderLine.objects.filter(order=order.order).update(quantity_allocated=1)
    assert line_violations() != []
    assert state_violations() != []
    Order.objects.filter(pk=order.order.pk).update(total=Decimal("1.00"))
    assert money_violations() != []
