"""Order money: line totals, VAT per rate and order totals, computed from lines. Pure functions.

Rules (documented for invoices and the tests that check them):
- ``line_total = quantity * unit_price - discount``, rounded half-up to the cent, in the order's
  price mode (gross: VAT included; net: VAT added).
- ``subtotal`` = sum of line totals. Shipping and the order-level discount are amounts in the same
  price mode; they are split across the VAT rates in proportion to the lines' totals (largest
  remainder, so the parts add up to the cent). Without any line amount, shipping goes to the
  highest rate present.
- VAT is computed once per rate: gross mode ``vat = gross - gross / (1 + r)``; net mode
  ``vat = net * r``.
- gross mode: ``total = subtotal + shipping - discount``; net mode: that plus ``vat_total``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from oms.money import ZERO, quantize, vat_in_gross, vat_on_net

RATE = Decimal("0.01")


def line_total(*, quantity: int, unit_price: Decimal, discount: Decimal = ZERO) -> Decimal:
    return quantize(Decimal(quantity) * unit_price - discount)


@dataclass(frozen=True)
class PricedLine:
    """What the totals need of a line: its total in the price mode and its VAT rate (percent)."""

    total: Decimal
    vat_rate: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    shipping_total: Decimal
    discount_total: Decimal
    vat_total: Decimal
    total: Decimal
    vat_breakdown: dict[str, dict[str, str]] = field(default_factory=dict)


def _split(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``amount`` (cents) in proportion to ``weights``; the parts add up exactly."""
    if not weights:
        return []
    total_weight = sum(weights, ZERO)
    if amount == 0:
        return [ZERO for _ in weights]
    if total_weight == 0:
        return [amount] + [ZERO] * (len(weights) - 1)
    cents = int(amount * 100)
    raw = [Decimal(cents) * w / total_weight for w in weights]
    floors = [int(r) for r in raw]  # amounts are >= 0 here, so int() floors
    rest = cents - sum(floors)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:rest]:
        floors[i] += 1
    return [Decimal(c) / 100 for c in floors]


def compute_totals(
    *, lines: Iterable[PricedLine], price_mode: str, shipping_total: Decimal, discount_total: Decimal
) -> Totals:
    """Totals and the VAT breakdown of an order from its priced lines (see module docstring)."""
    by_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        rate = line.vat_rate.quantize(RATE)
        by_rate[rate] = by_rate.get(rate, ZERO) + line.total
    subtotal = quantize(sum(by_rate.values(), ZERO))
    shipping_total = quantize(shipping_total)
    discount_total = quantize(discount_total)
    # Highest rate first, so "no line amount" puts shipping on the highest rate.
    rates = sorted(by_rate, reverse=True)
    weights = [by_rate[r] for r in rates]
    shipping_parts = _split(shipping_total, weights)
    discount_parts = _split(discount_total, weights)
    breakdown: dict[str, dict[str, str]] = {}
    vat_total = ZERO
    for rate, base, ship, disc in zip(rates, weights, shipping_parts, discount_parts, strict=True):
        amount = quantize(base + ship - disc)
        if price_mode == "net":
            vat = vat_on_net(amount, rate)
            net, gross = amount, amount + vat
        else:
            vat = vat_in_gross(amount, rate)
            net, gross = amount - vat, amount
        vat_total += vat
        breakdown[str(rate)] = {"net": str(net), "vat": str(vat), "gross": str(gross)}
    total = subtotal + shipping_total - discount_total
    if price_mode == "net":
        total += vat_total
    return Totals(
        subtotal=subtotal,
        shipping_total=shipping_total,
        discount_total=discount_total,
        vat_total=quantize(vat_total),
        total=quantize(total),
        vat_breakdown=breakdown,
    )
