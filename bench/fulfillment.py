"""Fulfillment benchmarks (``make bench`` part ``fulfillment``), inside the Django process on the
benchmark database:

- **wave building**: 1,000 allocated orders (1 to 3 lines) in a warehouse of their own with 200
  bins, then ``build_wave`` for all of them (release, shipments, lines per bin, pick list in
  walking order, timeline); the median of ``repeats`` waves, each over fresh orders. Aim ≤ 2 s.
- **label PDFs**: packed shipments whose labels wait in the outbox, handed at once to two Celery
  worker processes (one slot each) on a queue of their own; labels per second from the hand-over
  until every label is rendered (booking, the A6 label and each package's delivery note). The
  same-run reference renders the same label's HTML with bare WeasyPrint in two processes.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.common import ROOT, bench_env, median

WAVE_ORDERS = 1000
WAVE_AIM_S = 2.0
SKUS = 120
BINS = 200
LABELS = int(os.environ.get("BENCH_LABELS", "40"))
WORKERS = 2


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


def _start_workers(queue: str, bench_url: str, redis_url: str, log_dir: Path) -> list[tuple[subprocess.Popen, Path]]:
    env = bench_env(bench_url, redis_url, DOCUMENTS_QUEUE=queue, CELERY_DEFAULT_QUEUE=queue, LOG_LEVEL="INFO")
    workers = []
    for n in range(WORKERS):
        log = log_dir / f"worker-{n}.log"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "oms",
                "worker",
                "-Q",
                queue,
                "-c",
                "1",
                "-n",
                f"bench{n}-{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        workers.append((process, log))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if all("ready." in log.read_text() for _p, log in workers):
            return workers
        time.sleep(0.2)
    raise RuntimeError("the Celery workers did not start: " + " / ".join(log.read_text()[-500:] for _p, log in workers))


def _render_bare(html: str, base_url: str, count: int) -> int:
    from weasyprint import HTML

    for _n in range(count):
        HTML(string=html, base_url=base_url).write_pdf()
    return count


def label_pdfs(*, bench_url: str, redis_url: str, log: Any) -> dict[str, Any]:
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.utils import timezone, translation

    from fulfillment.models import Shipment
    from fulfillment.services.labels import LABEL_DOCUMENT
    from oms import documents, outbox
    from oms.models import Document, DocumentStatus, OutboxMessage, OutboxStatus

    rng = random.Random(42)
    queue = f"bench-labels-{uuid.uuid4().hex[:8]}"
    settings.OUTBOX_QUEUES = {**settings.OUTBOX_QUEUES, "document": queue, "label": queue}
    ids = _packed_shipments(LABELS, rng)
    messages = list(
        OutboxMessage.objects.filter(kind="label", status=OutboxStatus.PENDING, payload__shipment_id__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    log(f"  {len(ids)} packed shipments, {len(messages)} label messages waiting")
    with tempfile.TemporaryDirectory(prefix="bench-labels-") as tmp:
        workers = _start_workers(queue, bench_url, redis_url, Path(tmp))
        try:
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
                stale = Document.objects.filter(
                    pk__in=shipments.values("label_document_id"), rendered_at__lt=wall
                ).exists()
                if stale:
                    raise RuntimeError(
                        "labels of an earlier run have the same subject (the data set was rebuilt): "
                        "empty oms_document in the benchmark database and run again"
                    )
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
        finally:
            for process, _log in workers:
                process.terminate()
            for process, _log in workers:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
    if done < len(ids):
        raise RuntimeError(f"only {done} of {len(ids)} labels rendered in time")
    # The same label's HTML, rendered bare by WeasyPrint in as many processes as there were workers.
    sample = Shipment.objects.get(pk=ids[0])
    kind = documents.get_kind(LABEL_DOCUMENT)
    content = kind.build(f"{sample.pk}:{sample.tracking_number}")
    with translation.override(content.language):
        html = render_to_string(kind.template, {**content.context, "language": content.language})
    base_url = f"{settings.BASE_DIR}/"
    _render_bare(html, base_url, 2)  # warm up fonts in this process (the children inherit them)
    per_process = max(LABELS // WORKERS, 10)
    context = multiprocessing.get_context("fork")
    bare_started = time.perf_counter()
    with context.Pool(WORKERS) as pool:
        rendered = sum(pool.starmap(_render_bare, [(html, base_url, per_process)] * WORKERS))
    bare_elapsed = time.perf_counter() - bare_started
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
    }


def fulfillment(*, bench_url: str, redis_url: str, repeats: int, log: Any, results: dict) -> dict[str, Any]:
    out: dict[str, Any] = {"available": True}
    log("  wave building")
    out["waves"] = wave_building(repeats=repeats, log=log)
    log(f"  median {out['waves']['median_s']:.2f} s for {WAVE_ORDERS} orders")
    log("  label PDFs")
    out["labels"] = label_pdfs(bench_url=bench_url, redis_url=redis_url, log=log)
    labels = out["labels"]
    log(
        f"  {labels['labels_per_s']:.2f} labels/s ({labels['pdfs_per_s']:.2f} PDFs/s) with {WORKERS} workers; "
        f"bare WeasyPrint {labels['bare_per_s']:.2f} PDFs/s"
    )
    return out
