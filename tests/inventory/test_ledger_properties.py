"""Property test: any sequence of stock operations keeps every invariant (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory.models import StockLevel
from inventory.services.reservations import StockRequest, consume_stock, release_stock, reserve_stock
from inventory.services.stock import adjust_stock, count_stock, receive_stock, scrap_stock, transfer_stock
from oms.exceptions import DomainError
from tests.inventory.conftest import assert_ledger_balances
from tests.inventory.factories import BinLocationFactory, ProductFactory, WarehouseFactory

OPS = st.lists(
    st.tuples(
        st.sampled_from(
            ["receive", "reserve", "reserve_both", "release", "consume", "adjust", "count", "transfer", "scrap"]
        ),
        st.integers(0, 1),  # product
        st.integers(0, 1),  # warehouse
        st.integers(-1, 6),  # quantity (zero and negative must be refused cleanly)
        st.booleans(),  # into/out of a bin
    ),
    min_size=1,
    max_size=25,
)


@pytest.mark.django_db
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_random_operations_keep_ledger_and_constraints(ops):
    warehouses = [WarehouseFactory(), WarehouseFactory()]
    bins = [BinLocationFactory(warehouse=w) for w in warehouses]
    products = [ProductFactory(), ProductFactory()]
    model: dict[tuple[int, int], list[int]] = {}  # expected (on_hand, reserved)
    for wi, warehouse in enumerate(warehouses):  # opening stock, part of it in a bin, so most operations succeed
        for product in products:
            receive_stock(product=product, warehouse=warehouse, quantity=6)
            receive_stock(product=product, warehouse=warehouse, quantity=4, bin=bins[wi])
            model[(product.pk, warehouse.pk)] = [10, 0]
    for op, pi, wi, quantity, use_bin in ops:
        product, warehouse = products[pi], warehouses[wi]
        key = (product.pk, warehouse.pk)
        on_hand, reserved = model.get(key, [0, 0])
        request = [StockRequest(product.pk, warehouse.pk, quantity)]
        try:
            if op == "receive":
                receive_stock(
                    product=product, warehouse=warehouse, quantity=quantity, bin=bins[wi] if use_bin else None
                )
                on_hand += quantity
            elif op == "reserve":
                reserve_stock(requests=request, reference="prop")
                reserved += quantity
            elif op == "reserve_both":  # one order for both products: all lines or none
                reserve_stock(requests=[StockRequest(p.pk, warehouse.pk, quantity) for p in products], reference="prop")
                reserved += quantity
                other_key = (products[1 - pi].pk, warehouse.pk)
                model.setdefault(other_key, [0, 0])[1] += quantity
            elif op == "scrap":
                scrap_stock(product=product, warehouse=warehouse, quantity=quantity, reason="broken")
                on_hand -= quantity
            elif op == "release":
                release_stock(requests=request, reference="prop")
                reserved -= quantity
            elif op == "consume":
                consume_stock(requests=request, reference="prop")
                on_hand -= quantity
                reserved -= quantity
            elif op == "adjust":
                adjust_stock(product=product, warehouse=warehouse, quantity=quantity - 4, reason="prop")
                on_hand += quantity - 4
            elif op == "count":
                count_stock(product=product, warehouse=warehouse, counted=quantity)
                on_hand = quantity
            else:
                other = warehouses[1 - wi]
                transfer_stock(
                    product=product,
                    from_warehouse=warehouse,
                    to_warehouse=other,
                    quantity=quantity,
                    from_bin=bins[wi] if use_bin else None,
                )
                on_hand -= quantity
                other_key = (product.pk, other.pk)
                model.setdefault(other_key, [0, 0])[0] += quantity
        except DomainError:
            pass  # refused: nothing may have changed, which the model comparison checks
        else:
            assert quantity > 0 or op in ("adjust", "count")
        model[key] = [on_hand, reserved]
        assert 0 <= reserved <= on_hand
        # After every step, refused or not, the database holds exactly what the model expects.
        assert _levels(products) == {k: v for k, v in model.items() if v != [0, 0]}, (op, quantity)
    assert_ledger_balances()


def _levels(products) -> dict[tuple[int, int], list[int]]:
    rows = StockLevel.objects.filter(product__in=products).values_list(
        "product_id", "warehouse_id", "on_hand", "reserved"
    )
    return {(p, w): [on_hand, reserved] for p, w, on_hand, reserved in rows if (on_hand, reserved) != (0, 0)}
