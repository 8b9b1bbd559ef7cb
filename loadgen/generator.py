"""The benchmark data set: a realistic shop with two years of history, loaded with COPY.

Used by ``manage.py generate_load`` (PostgreSQL only). The data set is built by the load steps
registered in ``oms.seeding`` (``register_load``), in their order: this module's own for the
catalogue, orders and stock (``loadgen.apps``), and one per later app from its ``AppConfig``.
``Generator`` is the ``oms.seeding.LoadContext`` they are given. Consistency rules it keeps:
- ``StockLevel.on_hand`` equals its ledger: one receipt movement per stock level.
- ``StockLevel.reserved`` equals the allocations of open allocated orders.
- Order totals equal the sum of their lines plus shipping minus discounts.
- Every order has timeline events for the transitions that led to its state.
A marker row (table ``bench_load_marker``) records what was generated, so a second run with the
same volume and the same migrations skips the work (index-only migrations aside: see
``schema_fingerprint``).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddIndex, RemoveIndex, RenameIndex
from django.utils import timezone

from inventory.models.catalog import gtin_check_digit
from loadgen.copyload import (
    TableCopy,
    create_indexes,
    drop_indexes,
    next_id,
    reset_sequences,
    secondary_indexes,
)
from loadgen.names import ADJECTIVES, COLOURS, EDITIONS, PACKS, PRODUCT_WORDS, PRODUCTS, WOODS
from loadgen.orders import OrdersLoader
from oms import seeding

MARKER_TABLE = "bench_load_marker"
CENT = Decimal("0.01")


@dataclass
class LoadPlan:
    orders: int
    customers: int
    products: int
    warehouses: int = 3
    big_order_lines: int = 50
    big_orders: int = 20
    seed: int = 20261123
    history_days: int = 730

    @classmethod
    def for_orders(cls, orders: int, *, customers: int | None = None, products: int | None = None) -> LoadPlan:
        return cls(
            orders=orders,
            customers=customers or max(20, min(200_000, orders // 5)),
            products=products or (10_000 if orders >= 100_000 else max(30, min(10_000, orders // 10))),
        )


@dataclass
class LoadResult:
    counts: dict[str, int] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False
    missing: list[str] = field(default_factory=list)


def model_or_none(label: str) -> type | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _index_only(app: str, name: str, loader: MigrationLoader) -> bool:
    """A migration that only adds, removes or renames indexes: ``migrate`` builds them on the
    loaded rows (as it does in production), so the data set stays valid."""
    migration = loader.disk_migrations.get((app, name))
    return (
        migration is not None
        and bool(migration.operations)
        and all(isinstance(op, (AddIndex, RemoveIndex, RenameIndex)) for op in migration.operations)
    )


def schema_fingerprint() -> str:
    """Changes whenever the loaded tables change (a new migration of an app a load step writes, or
    an edited one, or a new load step): the data set is then rebuilt. Index-only migrations do not
    count (see ``_index_only``)."""
    labels = seeding.loaded_models()
    app_labels = sorted({"oms", *(label.split(".")[0] for label in labels)})
    tables = sorted({m._meta.db_table for m in (model_or_none(label) for label in labels) if m is not None})
    steps = [(step.name, step.order, step.version, list(step.models)) for step in seeding.load_steps()]
    loader = MigrationLoader(None, ignore_no_migrations=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations WHERE app = ANY(%s) ORDER BY app, name", [app_labels])
        migrations = [row for row in cursor.fetchall() if not _index_only(row[0], row[1], loader)]
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'public' AND table_name = ANY(%s) ORDER BY table_name, column_name",
            [tables],
        )
        columns = cursor.fetchall()
    return hashlib.sha256(json.dumps([migrations, columns, steps]).encode()).hexdigest()[:16]


def read_marker() -> dict[str, Any] | None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (key text PRIMARY KEY, value jsonb NOT NULL)")
        cursor.execute(f"SELECT value FROM {MARKER_TABLE} WHERE key = 'load'")
        row = cursor.fetchone()
    if not row:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def write_marker(value: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (key, value) VALUES ('load', %s::jsonb)"
            " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [json.dumps(value, default=str)],
        )


def is_cached(plan: LoadPlan) -> dict[str, Any] | None:
    """The marker, if the database still holds what it describes (a flush or TRUNCATE empties the
    tables but not the marker)."""
    marker = read_marker()
    if not marker or marker.get("orders", 0) < plan.orders or marker.get("fingerprint") != schema_fingerprint():
        return None
    Order = model_or_none("orders.Order")
    if Order is None or not Order.objects.filter(pk__gte=1).exists():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{Order._meta.db_table}"')
        if cursor.fetchone()[0] < marker["orders"]:
            return None
    return marker


class Generator:
    """Builds the data set; one method per table group, each reporting progress through ``tick``."""

    def __init__(self, plan: LoadPlan, *, progress: Callable[[str, int], Any] | None = None):
        self.plan = plan
        self.rnd = random.Random(plan.seed)
        self.now = timezone.now().replace(microsecond=0)
        self.progress = progress or (lambda label, total: _NullBar())
        self.result = LoadResult()
        self.loaded_models: list[type] = []
        self.warehouse_ids: list[int] = []
        self.product_ids: list[int] = []
        self.product_rows: dict[int, tuple[str, str, Decimal, Decimal]] = {}  # id -> sku, name, gross, vat
        self.bench_product_ids: dict[str, int] = {}
        self.stock_level_id: dict[tuple[int, int], int] = {}
        self.reserved: dict[tuple[int, int], int] = {}
        self.on_hand: dict[tuple[int, int], int] = {}

    # -- orchestration -------------------------------------------------------------------------
    def run(self) -> LoadResult:
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '256MB'")
            # Foreign keys are consistent by construction; skipping their per-row triggers during
            # COPY is what makes a million orders a matter of minutes (needs a superuser role).
            try:
                cursor.execute("SET session_replication_role = replica")
                self.result.info["fk_triggers"] = "skipped during load"
            except Exception:
                self.result.info["fk_triggers"] = "checked (role may not skip them)"
        self.truncate()
        for step in seeding.load_steps():
            step_started = time.monotonic()
            step.run(self)
            self.result.info.setdefault("step_seconds", {})[step.name] = round(time.monotonic() - step_started, 1)
        reset_sequences(self.loaded_models)
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
            for model in self.loaded_models:
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
        marker = {
            "orders": self.result.counts.get("orders", 0),
            "requested_orders": self.plan.orders,
            "fingerprint": schema_fingerprint(),
            "generated_at": self.now.isoformat(),
            "seconds": round(time.monotonic() - started),
            "counts": self.result.counts,
            "info": self.result.info,
            "missing": self.result.missing,
        }
        write_marker(marker)
        return self.result

    def truncate(self) -> None:
        """Empty every table a load step writes (and, by CASCADE, whatever refers to them)."""
        existing = set(connection.introspection.table_names())
        tables = [
            m._meta.db_table
            for m in (model_or_none(label) for label in seeding.loaded_models())
            if m is not None and m._meta.db_table in existing
        ]
        if tables:
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")

    # -- oms.seeding.LoadContext ---------------------------------------------------------------
    def random(self, name: str) -> random.Random:
        return random.Random(f"{self.plan.seed}:{name}")

    def bulk(self, model: type, fields, rows, total: int, label: str) -> int:
        return self._bulk(model, list(fields), rows, total, label)

    def execute(self, sql: str, params=None, *, label: str = "", model: type | None = None) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            count = max(cursor.rowcount, 0)
        if label:
            self.result.counts[label] = self.result.counts.get(label, 0) + count
        if model is not None and model not in self.loaded_models:
            self.loaded_models.append(model)
        return count

    def next_id(self, model: type) -> int:
        return next_id(model)

    def _bulk(self, model: type, varying: list[str], rows, total: int, label: str) -> int:
        """COPY ``rows`` into ``model``'s table with its secondary indexes dropped meanwhile, unless
        the table already holds four times as many rows (rebuilding its indexes would cost more
        than keeping them up to date: a later step adding a few rows to a big table)."""
        indexes = secondary_indexes(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM (SELECT 1 FROM "{model._meta.db_table}" LIMIT %s) t', [4 * total])
            if cursor.fetchone()[0] >= 4 * total > 0:
                indexes = []
        drop_indexes(indexes)
        bar = self.progress(label, total)
        n = 0
        with TableCopy(model, varying, now=self.now) as copy:
            for row in rows:
                copy.add(row)
                n += 1
                if n % 10_000 == 0:
                    bar.update(10_000)
        bar.update(n % 10_000)
        bar.close()
        create_indexes(indexes)
        if model not in self.loaded_models:
            self.loaded_models.append(model)
        self.result.counts[label] = self.result.counts.get(label, 0) + n
        return n

    # -- inventory -----------------------------------------------------------------------------
    def load_inventory_master(self) -> None:
        Warehouse = apps.get_model("inventory.Warehouse")
        Product = apps.get_model("inventory.Product")
        Category = model_or_none("inventory.Category")
        warehouses = [
            ("BER", "Lager Berlin", "Lagerweg 1", "12529", "Schönefeld", "DE", 10),
            ("VIE", "Lager Wien", "Industriestraße 5", "1230", "Wien", "AT", 20),
            ("ZRH", "Lager Zürich", "Logistikweg 3", "8105", "Regensdorf", "CH", 30),
        ][: self.plan.warehouses]
        first = next_id(Warehouse)
        self.warehouse_ids = [first + i for i in range(len(warehouses))]
        self._bulk(
            Warehouse,
            ["id", "code", "name", "street", "postal_code", "city", "country", "priority"],
            ([wid, *w] for wid, w in zip(self.warehouse_ids, warehouses, strict=True)),
            len(warehouses),
            "warehouses",
        )
        category_ids: list[int | None] = [None]
        if Category is not None:
            first = next_id(Category)
            category_ids = [first + i for i in range(len(PRODUCT_WORDS))]
            self._bulk(
                Category,
                ["id", "name", "slug"],
                ([cid, word, word.lower()] for cid, word in zip(category_ids, PRODUCT_WORDS, strict=True)),
                len(category_ids),
                "categories",
            )
        first = next_id(Product)
        rnd = self.rnd
        variants = {"colour": COLOURS, "wood": WOODS, "pack": PACKS, "edition": EDITIONS}

        def product_rows():
            for i in range(self.plan.products + 3 + 200):
                pid = first + i
                if i < self.plan.products:
                    word_i = rnd.randrange(len(PRODUCTS))
                    word, (low, high), rate, (light, heavy), kind = PRODUCTS[word_i]
                    sku = f"SKU-{i + 1:06d}"
                    name = f"{word} {rnd.choice(ADJECTIVES)} {rnd.choice(variants[kind])}"
                    gtin = _gtin(400638100000 + i)
                    cat = category_ids[word_i % len(category_ids)]
                    vat = Decimal(rate)
                    gross = Decimal(rnd.randrange(low * 100, high * 100 + 1, 10) + 9) / 100  # x.x9 prices
                    weight = rnd.randrange(light, heavy + 1)
                elif i < self.plan.products + 3:
                    # High-contention benchmark SKUs: no history, restocked by the benchmark.
                    sku = f"BENCH-HOT-{i - self.plan.products + 1}"
                    name, gtin, cat = f"Benchmark hot item {sku[-1]}", "", category_ids[0]
                    vat, gross, weight = Decimal("19.00"), Decimal("19.99"), 500
                else:
                    # Oversell benchmark SKUs: one is used (50 units) per run.
                    sku = f"BENCH-LAST-{i - self.plan.products - 2:03d}"
                    name, gtin, cat = f"Benchmark last units {sku[-3:]}", "", category_ids[0]
                    vat, gross, weight = Decimal("19.00"), Decimal("9.99"), 300
                net = (gross / (1 + vat / 100)).quantize(CENT)
                self.product_rows[pid] = (sku, name, gross, vat)
                if sku.startswith("BENCH-"):
                    self.bench_product_ids[sku] = pid
                else:
                    self.product_ids.append(pid)
                yield [pid, sku, name, gtin, cat, net, gross, vat, weight]

        self._bulk(
            Product,
            ["id", "sku", "name", "gtin", "category_id", "net_price", "gross_price", "vat_rate", "weight_grams"],
            product_rows(),
            self.plan.products + 203,
            "products",
        )

    def plan_stock(self) -> None:
        """Decide which product has stock where (and the level ids) before orders allocate from it."""
        StockLevel = apps.get_model("inventory.StockLevel")
        rnd = random.Random(self.plan.seed + 1)
        sid = next_id(StockLevel)
        for pid in self.product_ids:
            for wi, wid in enumerate(self.warehouse_ids):
                # The first warehouse stocks everything; the others ~60 %; a few SKUs are sold out.
                if wi > 0 and rnd.random() < 0.4:
                    continue
                self.stock_level_id[(pid, wid)] = sid
                self.on_hand[(pid, wid)] = 0 if rnd.random() < 0.03 else rnd.randrange(5, 400)
                sid += 1
        for sku, pid in sorted(self.bench_product_ids.items()):
            # Benchmark SKUs live in the first warehouse only, so routing has one choice.
            key = (pid, self.warehouse_ids[0])
            self.stock_level_id[key] = sid
            self.on_hand[key] = 1_000_000 if sku.startswith("BENCH-HOT") else 0
            sid += 1

    def load_stock(self) -> None:
        """Stock levels with one receipt movement each; ``reserved`` = the allocations written before."""
        StockLevel = apps.get_model("inventory.StockLevel")
        StockMovement = apps.get_model("inventory.StockMovement")
        levels = []
        for key, level_id in self.stock_level_id.items():
            reserved = self.reserved.get(key, 0)
            levels.append((level_id, key[0], key[1], self.on_hand[key] + reserved, reserved))
        received_at = self.now - datetime.timedelta(days=self.plan.history_days + 1)
        self._bulk(
            StockLevel,
            ["id", "product_id", "warehouse_id", "on_hand", "reserved", "updated_at"],
            ([*lv, self.now] for lv in levels),
            len(levels),
            "stock levels",
        )
        self._bulk(
            StockMovement,
            ["product_id", "warehouse_id", "kind", "quantity", "on_hand_after", "reason", "reference", "created_at"],
            (
                [lv[1], lv[2], "receipt", lv[3], lv[3], "Opening balance (load data)", "LOAD-OPENING", received_at]
                for lv in levels
                if lv[3] > 0
            ),
            sum(1 for lv in levels if lv[3] > 0),
            "stock movements",
        )

    # -- orders --------------------------------------------------------------------------------
    def load_orders(self) -> None:
        order_models = _order_models()
        if order_models is None:
            self.result.missing.append(
                "orders models (Customer, Channel, Order, OrderLine, OrderEvent, Allocation, PaymentTransaction)"
            )
            return
        OrdersLoader(self, order_models).run()


def _order_models() -> dict[str, type] | None:
    names = ["Customer", "Channel", "Order", "OrderLine", "OrderEvent", "Allocation", "PaymentTransaction"]
    found = {n: model_or_none(f"orders.{n}") for n in names}
    if any(v is None for v in found.values()):
        return None
    return found  # type: ignore[return-value]


def _gtin(body12: int) -> str:
    body = str(body12)[:12]
    return body + str(gtin_check_digit(body))


class _NullBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass
