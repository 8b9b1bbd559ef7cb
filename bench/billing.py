"""Billing benchmarks (``make bench`` parts ``invoices`` and ``numbering``), inside the Django
process on the benchmark database.

- **invoice PDFs** (``invoices``): ``BENCH_INVOICES`` (40) invoices issued through the billing
  service, their PDFs waiting in the outbox, handed at once to two Celery worker processes (one
  slot each) on a queue of their own; invoice PDFs per second from the hand-over until every one
  is stored. The same-run reference renders the same invoice's HTML with bare WeasyPrint in two
  processes. Aim: PDFs/s ≥ 0.7 x min(workers, cores) x one process's bare rate.
- **gapless numbering** (``numbering``): 16 threads, each with its own database connection,
  issue ``BENCH_NUMBERING_INVOICES`` (320) invoices at once through
  ``billing.services.issuing.issue_invoice_for_order`` (the counter row locked in each issuing
  transaction). Invoices per second, beside one issuer alone in the same run (an eighth as many
  invoices, one after another), and the check: the numbers of the run are distinct and follow
  one another from the counter before the run to the counter after it, and the whole series of
  the year has as many distinct numbers as its counter says (PASS/FAIL).

The orders are placed through the intake service on SKUs of their own (``BENCH-BILL-*``) that no
warehouse stocks: they wait backordered, so no wave or soak of the benchmark picks them up.
The workers and the bare rendering are ``bench.workers``, shared with ``bench.fulfillment``.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from decimal import Decimal
from typing import Any

from bench.workers import WORKERS, aim_ratio, bare_rate, celery_workers, document_html, route_outbox_kinds

INVOICES = int(os.environ.get("BENCH_INVOICES", "40"))
ISSUERS = int(os.environ.get("BENCH_ISSUERS", "16"))
NUMBERING_INVOICES = int(os.environ.get("BENCH_NUMBERING_INVOICES", "320"))
SKUS = 30


def _products() -> list[Any]:
    from inventory.models import Product

    products = []
    for i in range(SKUS):
        product, _new = Product.objects.get_or_create(
            sku=f"BENCH-BILL-{i:03d}",
            defaults={
                "name": f"Benchmark billing item {i}",
                "gross_price": Decimal("24.90"),
                "net_price": Decimal("20.92"),
                "weight_grams": 300,
            },
        )
        products.append(product)
    return products


def invoiceable_orders(count: int, rng: random.Random) -> list[int]:
    """``count`` confirmed orders (1 to 3 lines, payment on invoice) without an invoice."""
    from bench.parts import bench_channel
    from orders.services.drafts import AddressDraft, CustomerDraft, LineDraft, OrderDraft
    from orders.services.intake import place_order

    products = _products()
    channel = bench_channel()
    ids = []
    for i in range(count):
        tag = uuid.uuid4().hex[:10]
        address = AddressDraft(
            name="Erika Mustermann", street="Hauptstraße 1", postcode="10115", city="Berlin", country="DE"
        )
        chosen = rng.sample(products, k=rng.choice([1, 1, 2, 3]))
        draft = OrderDraft(
            customer=CustomerDraft(email=f"bill-{tag}@example.de", name="Erika Mustermann"),
            billing_address=address,
            shipping_address=address,
            lines=[LineDraft(sku=p.sku, quantity=rng.choice([1, 1, 2]), unit_price=p.gross_price) for p in chosen],
            shipping_total=Decimal("4.90"),
            payment_method="invoice",
            external_id=f"bench-bill-{tag}-{i}",
        )
        ids.append(place_order(channel=channel, draft=draft, actor_label="bench").order.pk)
    return ids


def _issue_held(order_ids: list[int]) -> list[Any]:
    """Invoices for ``order_ids``, their PDF and mail messages left waiting in the outbox."""
    from billing.services.issuing import issue_invoice_for_order
    from oms import outbox

    invoices = []
    with outbox.hand_overs_held():
        for order_id in order_ids:
            invoice = issue_invoice_for_order(order_id=order_id)
            if invoice is not None:
                invoices.append(invoice)
    return invoices


# --- invoice PDFs --------------------------------------------------------------------------------


def invoice_pdfs(*, bench_url: str, redis_url: str, repeats: int, log: Any, results: dict) -> dict[str, Any]:
    from django.utils import timezone

    from billing.documents import INVOICE_DOCUMENT
    from oms import outbox
    from oms.models import Document, DocumentStatus, OutboxMessage, OutboxStatus

    rng = random.Random(16)
    invoices = _issue_held(invoiceable_orders(INVOICES, rng))
    document_ids = [invoice.document_id for invoice in invoices]
    stale = Document.objects.filter(pk__in=document_ids, status=DocumentStatus.READY).count()
    if stale:
        raise RuntimeError(
            f"{stale} invoice documents of an earlier run have the same subject (the data set was rebuilt): "
            "empty oms_document in the benchmark database and run again"
        )
    messages = list(
        OutboxMessage.objects.filter(
            kind="document", status=OutboxStatus.PENDING, payload__document_id__in=document_ids
        ).values_list("pk", flat=True)
    )
    log(f"  {len(invoices)} invoices issued, {len(messages)} PDF messages waiting")
    queue = f"bench-invoices-{uuid.uuid4().hex[:8]}"
    with route_outbox_kinds(queue, ("document",)), celery_workers(queue, bench_url, redis_url):
        started = time.perf_counter()
        wall = timezone.now()
        for pk in messages:
            outbox.send_delivery_task_rollback_unsafe(pk, "document")
        deadline = time.monotonic() + 900
        done = 0
        while time.monotonic() < deadline:
            done = Document.objects.filter(
                pk__in=document_ids, status=DocumentStatus.READY, rendered_at__gte=wall
            ).count()
            if done == len(document_ids):
                break
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
    if done < len(document_ids):
        raise RuntimeError(f"only {done} of {len(document_ids)} invoice PDFs rendered in time")
    html = document_html(INVOICE_DOCUMENT, str(invoices[0].pk))
    rendered, bare_elapsed = bare_rate(html, processes=WORKERS, per_process=max(INVOICES // WORKERS, 10))
    pdfs_per_s = len(invoices) / elapsed
    bare_per_s = rendered / bare_elapsed
    out = {
        "available": True,
        "invoices": len(invoices),
        "workers": WORKERS,
        "cores": os.cpu_count(),
        "seconds": elapsed,
        "pdfs_per_s": pdfs_per_s,
        "bare_per_s": bare_per_s,
        "bare_rendered": rendered,
        "ratio": pdfs_per_s / bare_per_s if bare_per_s else None,
        "aim_ratio": aim_ratio(pdfs_per_s, bare_per_s, workers=WORKERS, processes=WORKERS),
        "lines": sum(invoice.lines.count() for invoice in invoices) / len(invoices),
    }
    log(
        f"  {pdfs_per_s:.2f} invoice PDFs/s with {WORKERS} workers; bare WeasyPrint {bare_per_s:.2f} PDFs/s "
        f"({WORKERS} processes); aim ratio {out['aim_ratio'] or 0:.2f}"
    )
    return out


# --- gapless numbering ---------------------------------------------------------------------------


def _counter(series: str, year: int) -> int:
    from billing.models import NumberCounter

    return NumberCounter.objects.filter(series=series, year=year).values_list("last", flat=True).first() or 0


def _counter_of(number: str) -> tuple[str, int, int]:
    series, year, counter = number.rsplit("-", 2)
    return series, int(year), int(counter)


def numbering(*, bench_url: str, redis_url: str, repeats: int, log: Any, results: dict) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from billing.models import Invoice, NumberSeries
    from billing.services.issuing import issue_invoice_for_order
    from oms import outbox

    rng = random.Random(1616)
    t = time.monotonic()
    single_ids = invoiceable_orders(max(NUMBERING_INVOICES // 8, 2), rng)
    order_ids = invoiceable_orders(NUMBERING_INVOICES, rng)
    log(f"  {len(single_ids) + len(order_ids)} confirmed orders placed in {time.monotonic() - t:.0f} s")
    # The same-run reference: one issuer alone, one invoice after another (no one to wait for).
    single_started = time.perf_counter()
    single = _issue_held(single_ids)
    single_per_s = len(single) / (time.perf_counter() - single_started)
    year = timezone.localdate().year
    series = NumberSeries.INVOICE
    before = _counter(series, year)
    slices = [order_ids[i::ISSUERS] for i in range(ISSUERS)]
    numbers: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(ISSUERS + 1, timeout=120)

    def issuer(mine: list[int]) -> None:
        issued, failed = [], []
        try:
            with outbox.hand_overs_held():  # a context variable: held in this thread too
                connection.ensure_connection()
                barrier.wait()
                for order_id in mine:
                    try:
                        invoice = issue_invoice_for_order(order_id=order_id)
                    except Exception as exc:  # a failed issue is a result, not a crash
                        failed.append(f"{type(exc).__name__}: {exc}"[:200])
                        continue
                    if invoice is None:
                        failed.append(f"order {order_id}: nothing issued")
                    else:
                        issued.append(invoice.number)
        finally:
            connection.close()
            with lock:
                numbers.extend(issued)
                errors.extend(failed)

    threads = [threading.Thread(target=issuer, args=(s,), daemon=True) for s in slices]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=600)
    elapsed = time.perf_counter() - started
    after = _counter(series, year)
    counters = sorted(_counter_of(n)[2] for n in numbers)
    duplicates = len(counters) - len(set(counters))
    expected = set(range(before + 1, after + 1))
    gaps = len(expected - set(counters))
    outside = len(set(counters) - expected)
    prefix = f"{series}-{year}-"
    in_series = Invoice.objects.filter(number__startswith=prefix)
    series_count = in_series.count()
    series_distinct = in_series.values("number").distinct().count()
    passed = (
        not errors
        and duplicates == 0
        and gaps == 0
        and outside == 0
        and len(numbers) == len(order_ids)
        and series_count == series_distinct == after
    )
    out = {
        "available": True,
        "issuers": ISSUERS,
        "invoices": len(numbers),
        "orders": len(order_ids),
        "seconds": elapsed,
        "invoices_per_s": len(numbers) / elapsed if elapsed else None,
        "single_per_s": single_per_s,
        "single_invoices": len(single),
        "counter_before": before,
        "counter_after": after,
        "duplicates": duplicates,
        "gaps": gaps,
        "outside": outside,
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "series": prefix + "…",
        "series_count": series_count,
        "series_distinct": series_distinct,
        "passed": passed,
    }
    log(
        f"  {len(numbers)} invoices by {ISSUERS} issuers in {elapsed:.1f} s ({out['invoices_per_s'] or 0:.0f}/s); "
        f"numbers {before + 1}..{after}: {duplicates} duplicates, {gaps} gaps, {len(errors)} errors; "
        f"series {series_count} invoices, {series_distinct} distinct numbers, counter {after}"
    )
    return out
