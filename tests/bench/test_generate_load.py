"""``manage.py generate_load`` builds a consistent data set fast, and a second run skips the work."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F, Sum
from django.utils import timezone

# Two years of orders up to now: a fixed moment makes the data set the same on every run.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.time_machine(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)),
]


def generate(orders: int) -> str:
    out = io.StringIO()
    call_command("generate_load", orders=orders, customers=80, products=60, no_progress=True, stdout=out)
    return out.getvalue()


def test_stock_levels_equal_their_ledger_and_reservations_equal_open_allocations():
    from inventory.models import StockLevel, StockMovement

    generate(1500)

    levels = list(StockLevel.objects.values("product_id", "warehouse_id", "on_hand", "reserved"))
    assert len(levels) > 60
    ledger = {
        (r["product_id"], r["warehouse_id"]): r["s"]
        for r in StockMovement.objects.values("product_id", "warehouse_id").annotate(s=Sum("quantity"))
    }
    for level in levels:
        assert level["on_hand"] == ledger.get((level["product_id"], level["warehouse_id"]), 0)
        assert 0 <= level["reserved"] <= level["on_hand"]
    try:
        from orders.models import Allocation
    except ImportError:
        return
    allocated = Allocation.objects.aggregate(s=Sum("quantity"))["s"] or 0
    assert allocated == sum(level["reserved"] for level in levels) > 0


def test_orders_cover_the_states_with_lines_events_and_totals_that_reconcile():
    orders_models = pytest.importorskip("orders.models")
    Order, OrderLine, OrderEvent = orders_models.Order, orders_models.OrderLine, orders_models.OrderEvent

    generate(1500)

    assert Order.objects.count() == 1500
    states = set(Order.objects.values_list("state", flat=True).distinct())
    assert len(states) >= 6, states
    assert OrderLine.objects.count() >= 1500
    assert not Order.objects.filter(lines__isnull=True).exists()
    assert OrderEvent.objects.values("order_id").distinct().count() == 1500
    # 50-line orders exist for the detail page benchmark.
    assert Order.objects.annotate(n=Sum(F("lines__quantity") * 0 + 1)).filter(n=50).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT count(*) FROM {Order._meta.db_table} o
            WHERE o.total <> (SELECT sum(l.quantity * l.unit_price - l.discount) FROM {OrderLine._meta.db_table} l
                              WHERE l.order_id = o.id) + o.shipping_total - o.discount_total
            """
        )
        assert cursor.fetchone()[0] == 0


def test_a_second_run_with_the_same_volume_is_skipped():
    generate(200)
    assert "already there" in generate(200) or "orders models" in generate(200)


def test_a_failed_run_keeps_the_previous_data_set_and_every_index(monkeypatch):
    orders_models = pytest.importorskip("orders.models")
    from loadgen import domain as loadgen_domain

    generate(300)

    def indexes() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename LIKE 'orders\\_%%'")
            return {row[0] for row in cursor.fetchall()}

    before = indexes()
    calls = {"n": 0}
    real = loadgen_domain.search_text

    def failing(values, skus):
        calls["n"] += 1
        if calls["n"] > 100:
            raise RuntimeError("generator crashed half-way")
        return real(values, skus)

    monkeypatch.setattr(loadgen_domain, "search_text", failing)
    with pytest.raises(RuntimeError, match="half-way"):
        call_command("generate_load", orders=400, customers=80, products=60, no_progress=True, stdout=io.StringIO())

    assert indexes() == before
    assert orders_models.Order.objects.count() == 300


def test_an_index_only_migration_keeps_the_data_set_and_another_one_rebuilds_it():
    from loadgen.generator import schema_fingerprint

    fingerprint = schema_fingerprint()

    def without(app: str, name: str) -> str:
        """The fingerprint as it was before the migration ``app.name`` was applied."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT applied FROM django_migrations WHERE app = %s AND name = %s", [app, name])
            (applied,) = cursor.fetchone()
            cursor.execute("DELETE FROM django_migrations WHERE app = %s AND name = %s", [app, name])
            try:
                return schema_fingerprint()
            finally:
                cursor.execute(
                    "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)", [app, name, applied]
                )

    assert without("orders", "0006_channel_list_index") == fingerprint  # AddIndex/RemoveIndex only
    assert without("orders", "0004_line_demand_recorded") != fingerprint  # adds a column
    assert schema_fingerprint() == fingerprint


def test_every_order_that_left_the_warehouse_has_its_shipment_with_a_tracking_number():
    from fulfillment.models import Shipment
    from orders.models import Order

    generate(1500)

    gone = Order.objects.filter(state__in=["partially_shipped", "shipped", "delivered", "completed"])
    assert gone.count() > 500
    shipments = Shipment.objects.select_related("carrier_service", "order")
    assert shipments.count() == gone.count()
    assert not gone.filter(shipments__isnull=True).exists()
    assert shipments.filter(carrier_service__isnull=True).count() == 0
    assert shipments.values("carrier_service").distinct().count() > 3
    assert shipments.values("tracking_number").distinct().count() == shipments.count()
    delivered = shipments.filter(order__state__in=["delivered", "completed"])
    assert set(delivered.values_list("state", flat=True)) == {"delivered"}
    assert not delivered.filter(delivered_at__isnull=True).exists()
    # Handed over hours ago: the carrier has scanned it; just now: still "shipped".
    assert set(shipments.exclude(order__state__in=["delivered", "completed"]).values_list("state", flat=True)) <= {
        "shipped",
        "in_transit",
    }


def test_the_history_is_what_the_states_imply_payments_promised_dates_and_step_times():
    from orders.models import Order, OrderEvent, PaymentTransaction

    generate(1500)

    # Every paid order has its capture, for its total; refunded ones their refund; unpaid ones none.
    captured = {row["order_id"]: row["amount"] for row in PaymentTransaction.objects.filter(kind="capture").values()}
    refunded = set(PaymentTransaction.objects.filter(kind="refund").values_list("order_id", flat=True))
    refunding = ("refunded", "partially_refunded")  # cancelled orders, and returns paid back
    orders = list(Order.objects.values("id", "state", "payment_state", "payment_method", "total", "promised_ship_date",
                                       "placed_at", "confirmed_at", "allocated_at", "shipped_at", "delivered_at",
                                       "completed_at"))  # fmt: skip
    by_state = {o["payment_state"] for o in orders}
    assert {"paid", "unpaid", "refunded"} <= by_state
    for order in orders:
        if order["payment_state"] in ("paid", *refunding):
            assert captured[order["id"]] == order["total"], order
        else:
            assert order["id"] not in captured, order
        assert (order["id"] in refunded) == (order["payment_state"] in refunding), order
        if order["state"] == "pending":
            assert order["payment_state"] == "unpaid"
        if order["state"] in ("allocated", "in_fulfillment", "shipped", "delivered", "completed"):
            # Promised on the day of allocation or a later working day, never on a weekend.
            assert order["promised_ship_date"] is not None, order
            assert order["promised_ship_date"] >= order["allocated_at"].date() - datetime.timedelta(days=1)
            assert order["promised_ship_date"].weekday() < 5
        # The steps follow one another; delivery comes after shipping, completion after delivery.
        stamps = [order[k] for k in ("placed_at", "confirmed_at", "allocated_at", "shipped_at", "delivered_at",
                                     "completed_at") if order[k] is not None]  # fmt: skip
        assert stamps == sorted(stamps), order
        assert stamps[-1] <= datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)

    # Old finished orders took plausible times: delivered a day or more after shipping, completed
    # once the two-week return window had closed, allocated within a minute of confirmation.
    finished = [o for o in orders if o["state"] == "completed" and o["placed_at"].year < 2026]
    assert finished
    for order in finished:
        assert datetime.timedelta(hours=16) <= order["delivered_at"] - order["shipped_at"] <= datetime.timedelta(days=3)
        assert order["completed_at"] - order["delivered_at"] >= datetime.timedelta(days=14)
        assert order["allocated_at"] - order["confirmed_at"] <= datetime.timedelta(seconds=60)
    # Every order carries the VAT breakdown intake would have computed, adding up to its totals.
    for order in Order.objects.values("total", "vat_total", "vat_breakdown"):
        rows = order["vat_breakdown"].values()
        assert rows, order
        assert sum(Decimal(r["gross"]) for r in rows) == order["total"]
        assert sum(Decimal(r["vat"]) for r in rows) == order["vat_total"]
        assert all(Decimal(r["net"]) + Decimal(r["vat"]) == Decimal(r["gross"]) for r in rows)
    # The timeline shows the payments too.
    assert OrderEvent.objects.filter(kind="payment").count() == PaymentTransaction.objects.count()


def test_shipped_orders_have_their_invoice_with_gapless_numbers_vat_rows_and_settlement():
    from billing.models import Invoice, InvoiceLine, InvoicePayment, InvoiceVatRow, NumberCounter
    from orders.models import Order, PaymentTransaction

    generate(1500)

    shipped = Order.objects.filter(state__in=["shipped", "delivered", "completed"])
    assert Invoice.objects.count() == shipped.count() > 100
    # Numbers per year run from 1 without a gap, and the counters continue after the last one.
    numbers: dict[int, list[int]] = {}
    for number in Invoice.objects.values_list("number", flat=True):
        series, year, counter = number.split("-")
        assert series == "RE"
        numbers.setdefault(int(year), []).append(int(counter))
    for year, counters in numbers.items():
        assert sorted(counters) == list(range(1, len(counters) + 1)), year
        assert NumberCounter.objects.get(series="RE", year=year).last == len(counters)
    for invoice in Invoice.objects.select_related("order").prefetch_related("lines", "vat_rows")[:300]:
        order = invoice.order
        assert invoice.total == order.total and invoice.vat_total == order.vat_total
        rows = list(invoice.vat_rows.all())
        assert sum(r.gross for r in rows) == invoice.total
        assert sum(r.net for r in rows) == invoice.net_total
        assert sum(line.line_total for line in invoice.lines.all()) == order.subtotal
        assert invoice.invoice_date == timezone.localtime(order.shipped_at).date()
        paid = PaymentTransaction.objects.filter(order=order, kind="capture").first()
        if invoice.amount_credited:
            continue  # a return credited: see test_returns_...
        if paid is not None:
            assert invoice.state == "paid" and invoice.amount_due == 0 and invoice.paid_at == paid.created_at
        else:
            assert invoice.amount_due == invoice.total
            assert invoice.state == ("overdue" if invoice.due_date < datetime.date(2026, 11, 23) else "issued")
    assert {"paid", "overdue"} <= set(Invoice.objects.values_list("state", flat=True))
    assert InvoiceLine.objects.exists() and InvoiceVatRow.objects.exists() and InvoicePayment.objects.exists()


def test_products_have_names_prices_weights_and_vat_rates_that_fit_what_they_are():
    from inventory.models import Product
    from loadgen.names import PRODUCTS

    generate(50)

    kinds = {
        name: (Decimal(low), Decimal(high), Decimal(rate), light, heavy)
        for name, (low, high), rate, (light, heavy), _ in PRODUCTS
    }
    products = list(Product.objects.exclude(sku__startswith="BENCH-").select_related("category"))
    assert len(products) == 60
    rates = set()
    for product in products:
        word = product.name.split(" ")[0]
        low, high, rate, light, heavy = kinds[word]
        assert product.category.name == word
        assert low <= product.gross_price <= high + 1, product
        assert product.vat_rate == rate, product  # coffee, tea, chocolate and cookbooks at 7 %, the rest 19 %
        assert light <= product.weight_grams <= heavy, product
        assert product.net_price == (product.gross_price / (1 + product.vat_rate / 100)).quantize(Decimal("0.01"))
        rates.add(product.vat_rate)
    assert rates == {Decimal("7.00"), Decimal("19.00")}
    assert len({p.name for p in products}) > 45  # distinct names, not one word repeated


def test_the_after_order_history_reconciles_shipments_invoices_returns_credit_notes_and_refunds():
    from billing.models import CreditNote, CreditNoteLine, Invoice, InvoicePayment, NumberCounter
    from fulfillment.models import Package, PackageItem, Shipment, ShipmentLine, TrackingEvent
    from inventory.models import StockLevel, StockMovement
    from orders.models import Order, OrderLine, OrderRating, PaymentTransaction
    from returns.models import ReturnLine, ReturnRequest, ReturnUnit, RmaCounter

    generate(2000)

    # Every order that left has its shipment, lines (what shipped), one parcel with the units and
    # tracking events; every one shipped in full has its invoice, to the cent of the order.
    gone = Order.objects.filter(state__in=["partially_shipped", "shipped", "delivered", "completed"])
    shipped_units = dict(
        OrderLine.objects.filter(order__in=gone)
        .values("order_id")
        .annotate(n=Sum("quantity_shipped"))
        .values_list("order_id", "n")
    )
    in_shipments = dict(
        ShipmentLine.objects.values("shipment__order_id")
        .annotate(n=Sum("quantity_packed"))
        .values_list("shipment__order_id", "n")
    )
    assert in_shipments == shipped_units
    assert Package.objects.count() == Shipment.objects.count()
    assert PackageItem.objects.aggregate(n=Sum("quantity"))["n"] == sum(shipped_units.values())
    delivered = Shipment.objects.filter(state="delivered")
    assert TrackingEvent.objects.filter(mapped_state="delivered").count() == delivered.count() > 500
    for shipment in delivered.select_related("order")[:200]:
        order = shipment.order
        assert order.placed_at <= shipment.picked_at <= shipment.shipped_at < shipment.delivered_at
        events = list(shipment.tracking_events.order_by("occurred_at").values_list("mapped_state", flat=True))
        assert events == ["in_transit", "out_for_delivery", "delivered"]
    full = Order.objects.filter(state__in=["shipped", "delivered", "completed"])
    assert not full.filter(invoices__isnull=True).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM billing_invoice i JOIN orders_order o ON o.id = i.order_id
               WHERE i.total <> o.total OR i.vat_total <> o.vat_total
                  OR i.total <> (SELECT sum(gross) FROM billing_invoicevatrow r WHERE r.invoice_id = i.id)"""
        )
        assert cursor.fetchone()[0] == 0

    # Returns: a fashion-like share of the delivered orders, in every state, with lines whose
    # received units are the order lines' returned quantities and the stock movements booked.
    requests = ReturnRequest.objects.all()
    delivered_orders = Order.objects.filter(state__in=["delivered", "completed"]).count()
    assert 0.2 <= requests.count() / delivered_orders <= 0.4
    # Finished orders' returns are closed; recent ones still open (at this volume a handful: a
    # million orders have thousands in each open state).
    states = set(requests.values_list("state", flat=True))
    assert {"refunded", "exchanged", "rejected", "cancelled"} <= states
    assert len(states & {"requested", "approved", "received", "inspected"}) >= 2
    assert all(timezone.localtime(r.created_at).date() <= r.window_ends_on for r in requests)
    received = dict(
        ReturnLine.objects.values("order_line_id")
        .annotate(n=Sum("quantity_received"))
        .values_list("order_line_id", "n")
    )
    returned = dict(OrderLine.objects.filter(quantity_returned__gt=0).values_list("id", "quantity_returned"))
    assert returned == {k: v for k, v in received.items() if v} and returned
    assert not OrderLine.objects.filter(quantity_returned__gt=F("quantity_shipped")).exists()
    assert ReturnUnit.objects.aggregate(n=Sum("quantity"))["n"] == sum(received.values())
    assert StockMovement.objects.filter(kind="return").aggregate(n=Sum("quantity"))["n"] == sum(received.values())
    for level in StockLevel.objects.all():
        assert 0 <= level.reserved <= level.on_hand - level.blocked
    open_states = ReturnRequest.objects.filter(state__in=["requested", "approved"])
    assert not ReturnLine.objects.filter(request__in=open_states, quantity_received__gt=0).exists()
    for request in requests.filter(state="received").prefetch_related("lines"):
        assert any(line.quantity_open for line in request.lines.all())

    # Money back: one credit note per refunded return (sourced by it), its lines the units the
    # warehouse accepted, the refund its amount when the order was paid; the invoice's amounts add up.
    refunded = requests.filter(state="refunded")
    notes = CreditNote.objects.filter(source__startswith="return:")
    assert notes.count() == refunded.count() > 50
    for request in refunded.prefetch_related("lines")[:200]:
        note = CreditNote.objects.get(source=f"return:{request.pk}#1")
        accepted = {
            line.order_line_id: line.quantity_restocked for line in request.lines.all() if line.quantity_restocked
        }
        credited = dict(
            CreditNoteLine.objects.filter(credit_note=note).values_list("invoice_line__order_line_id", "quantity")
        )
        assert credited == accepted
        assert note.total == sum(r.gross for r in note.vat_rows.all()) == note.net_total + note.vat_total
        refund = PaymentTransaction.objects.filter(kind="refund", data__token=f"return:{request.pk}").first()
        if PaymentTransaction.objects.filter(order_id=request.order_id, kind="capture").exists():
            assert refund is not None and refund.amount == note.total
        else:
            assert refund is None
    for invoice in Invoice.objects.filter(amount_credited__gt=0)[:300]:
        assert invoice.amount_credited == sum(n.total for n in invoice.credit_notes.all())
        assert invoice.amount_paid == sum(p.amount for p in InvoicePayment.objects.filter(invoice=invoice))
        assert invoice.amount_due == invoice.total - invoice.amount_credited - invoice.amount_paid
    assert {"credited", "paid"} <= set(Invoice.objects.filter(amount_credited__gt=0).values_list("state", flat=True))

    # Numbers: RMA and credit note numbers per year run from 1 without a gap; the counters continue.
    def gapless(numbers: list[str]) -> dict[int, int]:
        by_year: dict[int, list[int]] = {}
        for number in numbers:
            _prefix, year, counter = number.split("-")
            by_year.setdefault(int(year), []).append(int(counter))
        for year, counters in by_year.items():
            assert sorted(counters) == list(range(1, len(counters) + 1)), year
        return {year: len(counters) for year, counters in by_year.items()}

    for year, last in gapless(list(notes.values_list("number", flat=True))).items():
        assert NumberCounter.objects.get(series="GS", year=year).last == last
    for year, last in gapless(list(requests.values_list("number", flat=True))).items():
        assert RmaCounter.objects.get(year=year).last == last

    # Ratings: a share of the delivered orders, 1 to 5 stars, some with a comment, after delivery.
    ratings = OrderRating.objects.select_related("order")
    assert 0.2 * delivered_orders <= ratings.count() <= 0.5 * delivered_orders
    assert set(ratings.values_list("stars", flat=True)) == {1, 2, 3, 4, 5}
    assert ratings.exclude(comment="").exists() and ratings.filter(comment="").exists()
    assert all(r.created_at >= r.order.delivered_at for r in ratings[:300])


def test_the_loaded_rollups_equal_a_rebuild_from_the_stored_rows():
    from reporting.models import (
        DailyFinance,
        DailyProductSales,
        DailySales,
        LineFact,
        OrderFact,
        ReturnFact,
        StateSpan,
    )
    from reporting.services.rollups import rebuild_rollups

    generate(1500)

    def snapshot() -> dict[str, list[tuple]]:
        out = {}
        # Every rollup the rebuild writes (a new one must be built by the load too).
        for model in (OrderFact, StateSpan, LineFact, ReturnFact, DailySales, DailyProductSales, DailyFinance):
            fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
            out[model.__name__] = sorted(model.objects.values_list(*fields), key=repr)
        return out

    loaded = snapshot()
    assert all(loaded.values())
    rebuild_rollups()
    rebuilt = snapshot()
    for name, rows in rebuilt.items():
        assert loaded[name] == rows, name


def test_the_real_services_work_on_the_loaded_data(support_client, client):
    from billing.models import Invoice, NumberCounter
    from billing.services.issuing import issue_invoice_for_shipment
    from fulfillment.models import Shipment
    from orders.models import Order
    from orders.portal_links import portal_path

    generate(1500)

    # The next invoice continues the loaded numbers of its year.
    shipment = Shipment.objects.filter(order__state="partially_shipped", invoices__isnull=True).first()
    assert shipment is not None
    year = datetime.date(2026, 11, 23).year
    before = NumberCounter.objects.get(series="RE", year=year).last
    invoice = issue_invoice_for_shipment(shipment_id=shipment.pk, today=datetime.date(2026, 11, 23))
    assert invoice is not None and invoice.number == f"RE-{year}-{before + 1:06d}"
    assert Invoice.objects.filter(number__startswith=f"RE-{year}-").count() == before + 1

    # The pages of an order with shipments, an invoice, a credit note and a return render.
    order = Order.objects.filter(return_requests__state="refunded").first()
    assert order is not None
    response = support_client.get(f"/support/orders/{order.number}/")
    assert response.status_code == 200
    assert order.return_requests.first().number in response.content.decode()
    response = client.get(portal_path(order.pk))
    assert response.status_code == 200
