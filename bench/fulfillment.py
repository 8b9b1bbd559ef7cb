"""Fulfillment benchmarks (``make bench`` part ``fulfillment``), inside the Django process on the
benchmark database:

- **wave building**: 1,000 allocated orders (1 to 3 lines) in a warehouse of their own with 200
  bins, then ``build_wave`` for all of them (release, shipments, lines per bin, pick list in
  walking order, timeline); the median of ``repeats`` waves, each over fresh orders. Aim ≤ 2 s.
- **pick screen scans**: a pick list of ``BENCH_SCAN_ORDERS`` (40) allocated orders, every unit
  scanned through the pick screen's scan endpoint (an htmx POST with the test client, signed in);
  p95 ms of the round trip against the one-query reference page in the same run.
- **label PDFs**: packed shipments whose labels wait in the outbox, handed at once to two Celery
  worker processes (one slot each) on a queue of their own; labels per second from the hand-over
  until every label is rendered (booking, the A6 label and each package's delivery note). The
  same-run reference renders the same label's HTML with bare WeasyPrint in two processes. Aim:
  PDFs/s ≥ 0.7 x min(workers, cores) x one process's bare rate.

The workers and the bare rendering are ``bench.workers``, shared with ``bench.billing``.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from decimal import Decimal
from typing import Any

from bench.common import median, percentile
from bench.workers import WORKERS, aim_ratio, bare_rate, celery_workers, document_html, route_outbox_kinds

WAVE_ORDERS = 1000
WAVE_AIM_S = 2.0
SKUS = 120
BINS = 200
LABELS = int(os.environ.get("BENCH_LABELS", "40"))
SCAN_ORDERS = int(os.environ.get("BENCH_SCAN_ORDERS", "40"))


def _setup_warehouse(rng: random.Random) -> tuple[Any, list[Any]]:
    """The benchmark warehouse, its bins, and SKUs stocked only there (deep enough for every run)."""
    from inventory.models import BinLocation, Product, Warehouse
    from inventory.services.stock import receive_stock

    warehouse, created = Warehouse.objects.get_or_create(
        code="BENCH-WV", defaults={"name": "Benchmark wave warehouse", "country": "DE", "priority": 1}
    )
    if created or not warehouse.bins.exists():
        BinLocation.objects.bulk_create(
            [
                BinLocation(warehouse=warehouse, code=f"W-{i // 20:02d}-{i % 20:02d}", pick_sequence=i)
                for i in range(BINS)
            ]
        )
    bins = list(warehouse.bins.order_by("pick_sequence"))
    products = []
    for i in range(SKUS):
        product, _new = Product.objects.get_or_create(
            sku=f"BENCH-WAVE-{i:03d}",
            defaults={
                "name": f"Benchmark wave item {i}",
                "gross_price": Decimal("12.90"),
                "net_price": Decimal("10.84"),
                "weight_grams": 250,
            },
        )
        products.append(product)
    for product in products:
        level = product.stock_levels.filter(warehouse=warehouse).first()
        if level is None or level.on_hand - level.reserved < 200:
            receive_stock(
                product=product, warehouse=warehouse, quantity=2000, bin=rng.choice(bins), reference="BENCH-WAVE"
            )
    return warehouse, products


def _place_orders(channel: Any, products: list[Any], count: int, rng: random.Random, *, single: bool = False) -> int:
    from orders.models import OrderState
    from orders.services.drafts import AddressDraft, CustomerDraft, LineDraft, OrderDraft
    from orders.services.intake import place_order

    allocated = 0
    for i in range(count):
        tag = uuid.uuid4().hex[:10]
        address = AddressDraft(
            name="Erika Mustermann", street="Hauptstraße 1", postcode="10115", city="Berlin", country="DE"
        )
        chosen = rng.sample(products, k=1 if single else rng.choice([1, 1, 2, 3]))
        draft = OrderDraft(
            customer=CustomerDraft(email=f"wave-{tag}@example.de", name="Erika Mustermann"),
            billing_address=address,
            shipping_address=address,
            lines=[LineDraft(sku=p.sku, quantity=1, unit_price=p.gross_price) for p in chosen],
            shipping_total=Decimal("4.90"),
            payment_method="invoice",
            external_id=f"bench-wave-{tag}-{i}",
        )
        order = place_order(channel=channel, draft=draft, actor_label="bench").order
        allocated += order.state == OrderState.ALLOCATED
    return allocated


def wave_building(*, repeats: int, log: Any) -> dict[str, Any]:
    from bench.parts import bench_channel
    from fulfillment.services.planning import WaveRule, build_wave

    rng = random.Random(20261207)
    warehouse, products = _setup_warehouse(rng)
    channel = bench_channel()
    seconds: list[float] = []
    lines: list[int] = []
    for n in range(repeats):
        t = time.monotonic()
        allocated = _place_orders(channel, products, WAVE_ORDERS, rng)
        log(f"  wave {n + 1}: {allocated} allocated orders placed in {time.monotonic() - t:.0f} s")
        started = time.perf_counter()
        wave = build_wave(warehouse=warehouse, rule=WaveRule(max_orders=WAVE_ORDERS))
        seconds.append(time.perf_counter() - started)
        lines.append(wave.lines.count())
        log(f"  wave {n + 1}: {wave.shipments.count()} orders, {lines[-1]} pick lines in {seconds[-1]:.2f} s")
    return {"orders": WAVE_ORDERS, "seconds": seconds, "median_s": median(seconds), "pick_lines": lines}


def _packed_shipments(count: int, rng: random.Random) -> list[int]:
    """``count`` packed shipments whose label messages wait in the outbox (not handed over)."""
    from bench.parts import bench_channel
    from fulfillment.models import PackageType, Shipment
    from fulfillment.services.packing import PackageSpec, pack_shipment
    from fulfillment.services.picking import scan_pick
    from fulfillment.services.planning import WaveRule, build_wave
    from oms import outbox

    warehouse, products = _setup_warehouse(rng)
    _place_orders(bench_channel(), products, count, rng, single=True)
    wave = build_wave(warehouse=warehouse, rule=WaveRule(max_orders=count, single_item=True))
    for line in wave.lines.select_related("product").order_by("sequence", "sku", "pk"):
        scan_pick(pick_list=wave, code=line.product.sku)
    box, _new = PackageType.objects.get_or_create(
        code="bench-box", defaults={"name": "Bench box", "length_mm": 300, "width_mm": 200, "height_mm": 100}
    )
    ids = []
    with outbox.hand_overs_held():
        for shipment in Shipment.objects.filter(pick_list=wave).order_by("pk"):
            sku = shipment.lines.get().product.sku
            pack_shipment(shipment=shipment, scans=[sku], packages=[PackageSpec(box, 400)])
            ids.append(shipment.pk)
    return ids


def label_pdfs(*, bench_url: str, redis_url: str, log: Any) -> dict[str, Any]:
    from django.utils import timezone

    from fulfillment.models import Shipment
    from fulfillment.services.labels import LABEL_DOCUMENT
    from oms import outbox
    from oms.models import Document, DocumentStatus, OutboxMessage, OutboxStatus

    rng = random.Random(42)
    queue = f"bench-labels-{uuid.uuid4().hex[:8]}"
    ids = _packed_shipments(LABELS, rng)
    messages = list(
        OutboxMessage.objects.filter(kind="label", status=OutboxStatus.PENDING, payload__shipment_id__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    log(f"  {len(ids)} packed shipments, {len(messages)} label messages waiting")
    with route_outbox_kinds(queue, ("document", "label")), celery_workers(queue, bench_url, redis_url):
        started = time.perf_counter()
        wall = timezone.now()
        for pk in messages:
            outbox.send_delivery_task_rollback_unsafe(pk, "label")
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            shipments = Shipment.objects.filter(pk__in=ids)
            done = Document.objects.filter(
                pk__in=shipments.values("label_document_id"), status=DocumentStatus.READY
            ).count()
            notes = Document.objects.filter(
                pk__in=shipments.values("packages__delivery_note_id"), status=DocumentStatus.READY
            ).count()
            if done == len(ids) and notes == len(ids):
                break
            # A rebuilt data set numbers its shipments from 1 again, and documents are not
            # part of it: a label whose subject an earlier run rendered is found ready, which
            # would count a render that never happened.
            stale = Document.objects.filter(pk__in=shipments.values("label_document_id"), rendered_at__lt=wall).exists()
            if stale:
                raise RuntimeError(
                    "labels of an earlier run have the same subject (the data set was rebuilt): "
                    "empty oms_document in the benchmark database and run again"
                )
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
    if done < len(ids):
        raise RuntimeError(f"only {done} of {len(ids)} labels rendered in time")
    # The same label's HTML, rendered bare by WeasyPrint in as many processes as there were workers.
    sample = Shipment.objects.get(pk=ids[0])
    html = document_html(LABEL_DOCUMENT, f"{sample.pk}:{sample.tracking_number}")
    rendered, bare_elapsed = bare_rate(html, processes=WORKERS, per_process=max(LABELS // WORKERS, 10))
    labels_per_s = len(ids) / elapsed
    pdfs_per_s = 2 * len(ids) / elapsed  # a label and a delivery note per shipment
    bare_per_s = rendered / bare_elapsed
    return {
        "labels": len(ids),
        "workers": WORKERS,
        "seconds": elapsed,
        "labels_per_s": labels_per_s,
        "pdfs_per_s": pdfs_per_s,
        "bare_per_s": bare_per_s,
        "bare_rendered": rendered,
        "ratio": pdfs_per_s / bare_per_s if bare_per_s else None,
        "aim_ratio": aim_ratio(pdfs_per_s, bare_per_s, workers=WORKERS, processes=WORKERS),
        "cores": os.cpu_count(),
    }


def scan_round_trip(*, log: Any) -> dict[str, Any]:
    """The pick screen's scan, one htmx POST after another as a handheld sends them, over a real
    pick list of ``SCAN_ORDERS`` allocated orders: p50/p95 ms of the round trip (the scan counted,
    ``#pick-work`` rendered), beside the one-query reference page measured in the same run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench.common import reference_path, staff_client
    from bench.pages import time_page
    from bench.parts import bench_channel
    from fulfillment.services.planning import WaveRule, build_wave

    rng = random.Random(7)
    warehouse, products = _setup_warehouse(rng)
    _place_orders(bench_channel(), products, SCAN_ORDERS, rng)
    wave = build_wave(warehouse=warehouse, rule=WaveRule(max_orders=SCAN_ORDERS))
    codes = [
        line.product.sku
        for line in wave.lines.select_related("product").order_by("sequence", "sku", "pk")
        for _unit in range(line.quantity)
    ]
    client = staff_client()
    page = reverse("fulfillment:warehouse-pick", args=[wave.number])
    scan_url = reverse("fulfillment:warehouse-pick-scan", args=[wave.number])
    for _ in range(3):
        client.get(page)
    times: list[float] = []
    statuses: dict[str, int] = {}
    queries = 0
    for n, code in enumerate(codes):
        t0 = time.perf_counter()
        if n == 0:
            with CaptureQueriesContext(connection) as ctx:
                response = client.post(scan_url, {"code": code}, HTTP_HX_REQUEST="true")
            queries = len(ctx.captured_queries)
        else:
            response = client.post(scan_url, {"code": code}, HTTP_HX_REQUEST="true")
        times.append((time.perf_counter() - t0) * 1000)
        statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
    wave.refresh_from_db()
    ref_path = reference_path()
    reference = time_page(client, ref_path, samples=30) if ref_path else None
    p95 = percentile(times, 95)
    ref_p95 = reference["p95_ms"] if reference else None
    return {
        "pick_list": wave.number,
        "scans": len(times),
        "errors": sum(v for k, v in statuses.items() if k != "200"),
        "statuses": statuses,
        "pick_list_state": wave.state,
        "p50_ms": median(times),
        "p95_ms": p95,
        "queries": queries,
        "reference_url": ref_path,
        "reference_p50_ms": reference["p50_ms"] if reference else None,
        "reference_p95_ms": ref_p95,
        "ratio": p95 / ref_p95 if ref_p95 else None,
    }


def fulfillment(*, bench_url: str, redis_url: str, repeats: int, log: Any, results: dict) -> dict[str, Any]:
    out: dict[str, Any] = {"available": True}
    log("  wave building")
    out["waves"] = wave_building(repeats=repeats, log=log)
    log(f"  median {out['waves']['median_s']:.2f} s for {WAVE_ORDERS} orders")
    log("  pick screen scans")
    out["scans"] = scan_round_trip(log=log)
    scans = out["scans"]
    log(
        f"  {scans['scans']} scans on {scans['pick_list']}: p50 {scans['p50_ms']:.1f} ms, "
        f"p95 {scans['p95_ms']:.1f} ms, "
        f"{scans['queries']} queries, {scans['errors']} refused; reference p95 {scans['reference_p95_ms'] or 0:.1f} ms"
    )
    log("  label PDFs")
    out["labels"] = label_pdfs(bench_url=bench_url, redis_url=redis_url, log=log)
    labels = out["labels"]
    log(
        f"  {labels['labels_per_s']:.2f} labels/s ({labels['pdfs_per_s']:.2f} PDFs/s) with {WORKERS} workers; "
        f"bare WeasyPrint {labels['bare_per_s']:.2f} PDFs/s"
    )
    return out
