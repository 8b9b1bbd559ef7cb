"""Reads for the inventory screens (stock overview, product stock page, receiving, purchase orders).

The domain's own reads live in ``inventory.selectors``; these are the page-shaped ones. Lists are
keyset-paginated by the views (``oms.paging``): a page costs one query however deep the user pages,
which keeps the stock overview fast with 100,000 SKUs.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    CharField,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from inventory import availability
from inventory.exceptions import UnknownProductCodeError
from inventory.models import (
    OPEN_PO_STATES,
    BinStock,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    ReplenishmentRule,
    StockLevel,
    StockMovement,
    Supplier,
    Warehouse,
)
from inventory.selectors import gtin_candidates
from inventory.selectors import product_by_code as domain_product_by_code
from oms.models import CustomerMail, Document

# Without a reorder point (ReplenishmentRule) a product counts as low at this many available units.
DEFAULT_LOW_STOCK_THRESHOLD = 5


# --- stock overview -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StockFilters:
    q: str = ""
    warehouse: Warehouse | None = None
    low: bool = False
    out: bool = False


def stock_overview(*, filters: StockFilters) -> QuerySet[Product]:
    """Products with their stock totals across warehouses (or in ``filters.warehouse``).

    Annotates ``on_hand_total``, ``reserved_total``, ``blocked_total``, ``available_total``
    (``inventory.availability``) and ``low_threshold``
    with correlated subqueries, so the database only sums the rows of the page it returns when
    the caller slices in ``sku`` order (index scan on the unique SKU index, no GROUP BY of the
    whole catalogue).
    """
    levels = StockLevel.objects.filter(product=OuterRef("pk"))
    if filters.warehouse is not None:
        levels = levels.filter(warehouse=filters.warehouse)

    def total(expression: Any) -> Coalesce:
        summed = levels.order_by().values("product").annotate(s=Sum(expression)).values("s")
        return Coalesce(Subquery(summed, output_field=IntegerField()), Value(0))

    # ``available_total`` is its own subquery (not computed from the others): the filters
    # evaluate it per scanned row, and one subplan is less work than three.
    qs = Product.objects.annotate(
        on_hand_total=total("on_hand"),
        reserved_total=total("reserved"),
        blocked_total=total("blocked"),
        available_total=total(availability.AVAILABLE),
    )

    # "Low" means at or below the reorder points of the rules in the warehouses shown (summed),
    # or the default threshold for a product without rules.
    rules = ReplenishmentRule.objects.filter(product=OuterRef("pk"))
    if filters.warehouse is not None:
        rules = rules.filter(warehouse=filters.warehouse)
    reorder = rules.order_by().values("product").annotate(s=Sum("reorder_point")).values("s")
    qs = qs.annotate(
        low_threshold=Coalesce(Subquery(reorder, output_field=IntegerField()), Value(DEFAULT_LOW_STOCK_THRESHOLD))
    )

    if filters.warehouse is not None:
        qs = qs.filter(Exists(StockLevel.objects.filter(product=OuterRef("pk"), warehouse=filters.warehouse)))
    if filters.q:
        qs = qs.filter(product_search_q(filters.q))
    if filters.out:
        # Every level has available >= 0 (check constraint reserved <= on_hand - blocked), so
        # "nothing available in total" is "no level with units available": an anti-join, not a
        # sum per row.
        qs = qs.filter(~Exists(levels.with_available().filter(available_units__gt=0)))
    elif filters.low:
        qs = qs.filter(available_total__lte=F("low_threshold"))
    return qs.only("id", "sku", "name", "gtin", "active")


def product_search_q(term: str) -> Q:
    """SKU prefix, GTIN exact, or a part of the name (all case-insensitive).

    On PostgreSQL the trigram indexes of migration ``product_search_indexes`` serve
    ``UPPER(sku) LIKE 'X%'`` and ``UPPER(name) LIKE '%X%'``; the GTIN has its own unique index.
    """
    term = term.strip()
    q = Q(sku__istartswith=term) | Q(name__icontains=term)
    if term.isdigit():
        q |= Q(gtin=term)
    return q


def active_warehouses() -> list[Warehouse]:
    return list(Warehouse.objects.filter(active=True).order_by("priority", "code"))


# --- product stock page -------------------------------------------------------------------------


@dataclass
class ProductStock:
    """Everything the product stock page shows above the ledger, read in a fixed number of queries."""

    product: Product
    levels: list[StockLevel]
    on_hand: int = 0
    reserved: int = 0
    blocked: int = 0
    inbound: list[PurchaseOrderLine] = field(default_factory=list)

    @property
    def available(self) -> int:
        return availability.available(self)


def product_stock(*, product: Product) -> ProductStock:
    """Levels per warehouse with their bins (``level.bins``: BinStock rows with quantity > 0) and open inbound lines."""
    levels = list(
        StockLevel.objects.filter(product=product)
        .select_related("warehouse")
        .prefetch_related(
            Prefetch(
                "bin_stocks",
                queryset=BinStock.objects.filter(quantity__gt=0).select_related("bin").order_by("bin__pick_sequence"),
                to_attr="bins",
            )
        )
        .order_by("warehouse__priority", "warehouse__code")
    )
    for level in levels:
        level.unbinned = level.on_hand - sum(b.quantity for b in level.bins)
    inbound = list(
        PurchaseOrderLine.objects.filter(product=product, purchase_order__state__in=OPEN_PO_STATES)
        .filter(quantity_received__lt=F("quantity_ordered"))
        .select_related("purchase_order", "purchase_order__warehouse")
        .order_by("purchase_order__expected_date", "purchase_order__number")[:20]
    )
    return ProductStock(
        product=product,
        levels=levels,
        on_hand=sum(lv.on_hand for lv in levels),
        reserved=sum(lv.reserved for lv in levels),
        blocked=sum(lv.blocked for lv in levels),
        inbound=inbound,
    )


@dataclass(frozen=True)
class LedgerFilters:
    kind: str = ""
    warehouse: Warehouse | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def product_ledger(*, product: Product, filters: LedgerFilters) -> QuerySet[StockMovement]:
    """The product's movements, newest first (paginate by ``id`` descending)."""
    qs = StockMovement.objects.filter(product=product).select_related("warehouse", "bin", "user")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.warehouse is not None:
        qs = qs.filter(warehouse=filters.warehouse)
    if filters.date_from:
        qs = qs.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(created_at__date__lte=filters.date_to)
    return qs


def product_by_code(code: str) -> Product | None:
    """The product whose SKU or GTIN is ``code`` (what a scanner sends), or ``None``.

    The rules are ``inventory.selectors.product_by_code``'s: exact SKU first, then case-insensitive,
    and a GTIN also when the scanner pads or strips leading zeros (EAN-13 as GTIN-14).
    """
    try:
        return domain_product_by_code(code)
    except UnknownProductCodeError:
        return None


# --- purchasing ---------------------------------------------------------------------------------


def open_purchase_orders(*, warehouse: Warehouse | None = None, limit: int = 200) -> list[PurchaseOrder]:
    """Open and partially received POs for the receiving picker, soonest expected first."""
    qs = PurchaseOrder.objects.filter(state__in=OPEN_PO_STATES).select_related("supplier", "warehouse")
    if warehouse is not None:
        qs = qs.filter(warehouse=warehouse)
    return list(qs.order_by(F("expected_date").asc(nulls_last=True), "number")[:limit])


# Sorting by the expected date puts orders without one last (keyset paging needs a value).
NO_EXPECTED_DATE = datetime.date(9999, 12, 31)


def purchase_orders_for_list(
    *, state: str = "", q: str = "", supplier: Supplier | None = None, warehouse: Warehouse | None = None
) -> QuerySet[PurchaseOrder]:
    """POs with their line totals (``ordered_total``, ``received_total`` units, ``amount_total``
    EUR of the priced lines) and sort keys (``supplier_name``, ``expected_sort``). ``state`` "open"
    means open or partially received. Unordered: the list sorts it."""
    lines = PurchaseOrderLine.objects.filter(purchase_order=OuterRef("pk")).order_by().values("purchase_order")

    def total(expression: Any, output: Any) -> Coalesce:
        summed = lines.annotate(s=Sum(expression)).values("s")
        return Coalesce(Subquery(summed, output_field=output), Value(0), output_field=output)

    amount = DecimalField(max_digits=14, decimal_places=2)
    qs = PurchaseOrder.objects.select_related("supplier", "warehouse").annotate(
        ordered_total=total("quantity_ordered", IntegerField()),
        received_total=total("quantity_received", IntegerField()),
        amount_total=total(ExpressionWrapper(F("quantity_ordered") * F("unit_cost"), output_field=amount), amount),
        currency=Value("EUR", output_field=CharField()),
        supplier_name=F("supplier__name"),
        expected_sort=Coalesce("expected_date", Value(NO_EXPECTED_DATE), output_field=DateField()),
    )
    if state == "open":
        qs = qs.filter(state__in=OPEN_PO_STATES)
    elif state:
        qs = qs.filter(state=state)
    if supplier is not None:
        qs = qs.filter(supplier=supplier)
    if warehouse is not None:
        qs = qs.filter(warehouse=warehouse)
    if q := q.strip():
        qs = qs.filter(Q(number__istartswith=q) | Q(supplier__name__icontains=q))
    return qs


def purchase_order_with_lines(*, number: str) -> PurchaseOrder | None:
    """The PO with ``number`` (case-insensitive) and its lines with products as ``po.line_list``."""
    if "\x00" in number:  # PostgreSQL refuses NUL in text: no PO has such a number
        return None
    po = (
        PurchaseOrder.objects.filter(number__iexact=number.strip())
        .select_related("supplier", "warehouse")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=PurchaseOrderLine.objects.select_related("product").order_by("id"),
                to_attr="line_list",
            )
        )
        .first()
    )
    return po


def po_line_for_code(po: PurchaseOrder, code: str) -> PurchaseOrderLine | None:
    """The line of ``po`` (lines prefetched) whose product has SKU or GTIN ``code`` (padded GTINs too)."""
    code = code.strip()
    gtins = gtin_candidates(code) if code.isdigit() else set()
    for line in _lines(po):
        if line.product.sku.lower() == code.lower() or (line.product.gtin and line.product.gtin in gtins):
            return line
    return None


def _lines(po: PurchaseOrder) -> Sequence[PurchaseOrderLine]:
    lines = getattr(po, "line_list", None)
    return lines if lines is not None else list(po.lines.select_related("product").order_by("id"))


# --- count sheet --------------------------------------------------------------------------------


@dataclass
class CountSheetLine:
    sku: str
    name: str
    warehouse: str
    bins: list[str]


def count_sheet(*, product_ids: Sequence[int]) -> list[CountSheetLine]:
    """The lines of a count sheet for these products: one per product and warehouse holding a stock
    level, with the bins its units lie in (pick order), by warehouse and SKU. Two queries."""
    levels = (
        StockLevel.objects.filter(product_id__in=list(product_ids))
        .select_related("product", "warehouse")
        .prefetch_related(
            Prefetch(
                "bin_stocks",
                queryset=BinStock.objects.filter(quantity__gt=0).select_related("bin").order_by("bin__pick_sequence"),
                to_attr="bins",
            )
        )
        .order_by("warehouse__priority", "warehouse__code", "product__sku")
    )
    return [
        CountSheetLine(
            sku=level.product.sku,
            name=level.product.name,
            warehouse=level.warehouse.code,
            bins=[b.bin.code for b in level.bins],
        )
        for level in levels
    ]


# --- purchase order page ------------------------------------------------------------------------


@dataclass
class PurchaseOrderSending:
    """What the supplier has of a purchase order: the PDF last sent (and whether it shows the
    current revision) and the mails that went to them, newest first."""

    document: Any = None
    mails: list[Any] = field(default_factory=list)
    current: bool = False


def purchase_order_sending(po: PurchaseOrder, *, document_kind: str, mail_subject_type: str) -> PurchaseOrderSending:
    """Two queries: the newest PDF of the order and its mails (shared ``oms`` documents and mails)."""
    document = Document.objects.filter(kind=document_kind, subject=str(po.pk)).order_by("-version", "-pk").first()
    mails = list(
        CustomerMail.objects.filter(subject_type=mail_subject_type, subject_id=str(po.pk)).order_by("-created_at")[:10]
    )
    return PurchaseOrderSending(
        document=document, mails=mails, current=document is not None and document.version == po.revision
    )
