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
- gross mode: ``total = subtotal + shipping - discount``; net mode: that plus the VAT of the
  lines, shipping and discount.
- A shop's own VAT (``shop_vat``, its tax lines summed per rate) replaces ours for a rate it
  names: the shop has charged it, and rounding per line (as Shopify does) differs by a cent from
  rounding per rate. Intake decides whether the shop's rates fit the lines (``intake``).
- A tip is a gross amount whatever the price mode (what the customer gave), taxable at the
  standard rate in Germany (a tip paid to the business is part of its turnover); gift cards sold
  are multi-purpose vouchers: no VAT at sale, in the 0 % row. Both are added to the total as they
  are, outside the split of shipping and discount.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from oms.money import VAT_RATES, ZERO, quantize, vat_in_gross, vat_on_net

RATE = Decimal("0.01")
TIP_VAT_RATE = VAT_RATES["standard"]
GIFT_CARD_VAT_RATE = VAT_RATES["zero"]


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
    tip_total: Decimal = ZERO
    gift_card_total: Decimal = ZERO


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
    *,
    lines: Iterable[PricedLine],
    price_mode: str,
    shipping_total: Decimal,
    discount_total: Decimal,
    tip_total: Decimal = ZERO,
    gift_card_total: Decimal = ZERO,
    shop_vat: Mapping[Decimal, Decimal] | None = None,
) -> Totals:
    """Totals and the VAT breakdown of an order from its priced lines (see module docstring).
    ``shop_vat``: the VAT the shop charged, by rate (percent), for the lines, shipping and discount."""
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
    shop_vat = {rate.quantize(RATE): quantize(vat) for rate, vat in (shop_vat or {}).items()}
    rows: dict[Decimal, list[Decimal]] = {}  # rate -> [net, vat, gross]
    for rate, base, ship, disc in zip(rates, weights, shipping_parts, discount_parts, strict=True):
        amount = quantize(base + ship - disc)
        if price_mode == "net":
            vat = shop_vat.get(rate, vat_on_net(amount, rate))
            rows[rate] = [amount, vat, amount + vat]
        else:
            vat = shop_vat.get(rate, vat_in_gross(amount, rate))
            rows[rate] = [amount - vat, vat, amount]
    total = subtotal + shipping_total - discount_total
    if price_mode == "net":
        total += sum((row[1] for row in rows.values()), ZERO)
    tip_total, gift_card_total = quantize(tip_total), quantize(gift_card_total)
    for rate, gross in ((TIP_VAT_RATE, tip_total), (GIFT_CARD_VAT_RATE, gift_card_total)):
        if gross:
            vat = vat_in_gross(gross, rate)
            row = rows.setdefault(rate, [ZERO, ZERO, ZERO])
            row[0], row[1], row[2] = row[0] + gross - vat, row[1] + vat, row[2] + gross
            total += gross
    breakdown = {
        str(rate): {"net": str(net), "vat": str(vat), "gross": str(gross)}
        for rate, (net, vat, gross) in sorted(rows.items(), reverse=True)
    }
    vat_total = sum((row[1] for row in rows.values()), ZERO)
    return Totals(
        subtotal=subtotal,
        shipping_total=shipping_total,
        discount_total=discount_total,
        vat_total=quantize(vat_total),
        total=quantize(total),
        vat_breakdown=breakdown,
        tip_total=tip_total,
        gift_card_total=gift_card_total,
    )
