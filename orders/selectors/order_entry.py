"""Phone order entry: the products and customers an agent picks from, and what can be promised."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from inventory.availability import available_through
from inventory.models import Product
from orders.models import Customer
from orders.selectors.matching import clean_query, query_words
from orders.selectors.order_detail import ADDRESS_FIELDS


@dataclass(frozen=True)
class ProductHit:
    """A product offered in manual order entry, with what the warehouses can still promise."""

    pk: int
    sku: str
    name: str
    gross_price: Decimal
    vat_rate: Decimal
    available: int


def products_for_order_entry(*, q: str, limit: int = 10) -> list[ProductHit]:
    """Active products whose SKU starts with, or whose name contains, every word of ``q``; one query.

    ``available`` sums inventory's availability over the active warehouses (what routing can allocate).
    """
    words = query_words(q)
    if not words:
        return []
    qs = Product.objects.filter(active=True)
    if len(words) == 1:
        qs = qs.filter(Q(sku__istartswith=words[0]) | Q(gtin=words[0]) | Q(name__icontains=words[0]))
    else:
        qs = qs.filter(*[Q(name__icontains=w) for w in words])
    rows = (
        qs.annotate(
            available=Coalesce(
                Sum(available_through("stock_levels"), filter=Q(stock_levels__warehouse__active=True)),
                0,
            )
        )
        .order_by("sku")
        .values("pk", "sku", "name", "gross_price", "vat_rate", "available")[:limit]
    )
    return [ProductHit(**row) for row in rows]


def availability_by_sku(skus: Sequence[str]) -> dict[str, int]:
    """Units available across active warehouses per SKU (one query); unknown SKUs are absent."""
    if not skus:
        return {}
    rows = (
        Product.objects.filter(sku__in=list(skus))
        .annotate(
            available=Coalesce(
                Sum(available_through("stock_levels"), filter=Q(stock_levels__warehouse__active=True)),
                0,
            )
        )
        .values_list("sku", "available")
    )
    return dict(rows)


def customers_for_order_entry(*, q: str, limit: int = 8) -> list[Customer]:
    """Customers by e-mail prefix, phone or name words (one query)."""
    q = clean_query(q)
    if len(q) < 2:
        return []
    words = query_words(q)
    cond = Q(email__istartswith=q.lower()) | Q(phone__icontains=q) | Q(*[Q(name__icontains=w) for w in words])
    return list(Customer.objects.filter(cond).order_by("name", "pk")[:limit])


def customer_entry_initial_or_404(*, pk: int) -> dict[str, dict[str, str]]:
    """The phone form's customer and address fields for a known customer (their last order's address)."""
    customer = get_object_or_404(Customer, pk=pk)
    last = customer.orders.order_by("-created_at", "-pk").first()
    address = {f: getattr(last, f"shipping_{f}") for f in ADDRESS_FIELDS} if last else {"name": customer.name}
    return {
        "customer": {"email": customer.email, "customer_name": customer.name, "customer_phone": customer.phone},
        "address": address,
    }
