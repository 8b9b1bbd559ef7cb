"""Issuing invoices: for the units a shipment carried (``shipment.shipped``), or for the whole
order at confirmation when its channel says so (``ChannelBilling.issue_on``).

Money (``orders.services.totals``, ``oms.money``), so that an order's invoices minus its
cancellation credit notes equal what the customer owes for the order, to the cent:
- a line's units are invoiced at ``quantity x unit price - their share of the line discount``;
  the units that complete a line take the rest of its ``line_total``;
- shipping, tips and gift cards sold go on the order's first invoice; the order discount is
  shared in proportion to the products invoiced;
- the invoice that completes the order (``is_final``) is the order's totals minus everything
  invoiced before, per VAT rate, so it takes any rounding remainder;
- the VAT rates follow the tax treatment (``billing.taxes``), decided on the order's first
  invoice and kept for the others.

The number comes from the locked counter in the issuing transaction; the invoice's PDF and its
mail to the customer are enqueued through the outbox in the same transaction.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from billing import taxes
from billing.documents import request_invoice_pdf_and_mail
from billing.models import (
    ISSUED_STATES,
    ChannelBilling,
    CreditNoteLine,
    CreditNoteReason,
    CreditNoteVatRow,
    Invoice,
    InvoiceLine,
    InvoiceTrigger,
    InvoiceVatRow,
    IssueOn,
    LineKind,
    NumberSeries,
)
from billing.sellers import seller_profile, seller_snapshot
from billing.services.numbering import take_number
from billing.services.settlement import settle_locked_order
from fulfillment.models import Shipment, ShipmentLine, ShipmentState
from oms.events import publish
from oms.lookups import lookup_cache
from oms.money import ZERO, quantize
from oms.texts import text
from orders import locks
from orders.models import EventKind, Order, OrderLine, OrderState
from orders.services.timeline import add_search_terms, record_event
from orders.services.totals import GIFT_CARD_VAT_RATE, TIP_VAT_RATE, PricedLine, Totals, compute_totals

# A shipment in these states has left the warehouse: it is invoiced.
SHIPPED_STATES = [
    ShipmentState.SHIPPED,
    ShipmentState.IN_TRANSIT,
    ShipmentState.OUT_FOR_DELIVERY,
    ShipmentState.DELIVERED,
    ShipmentState.EXCEPTION,
    ShipmentState.RETURNED_TO_SENDER,
]
# Orders whose channel invoices at confirmation get their invoice from these states on.
CONFIRMED_STATES = [s for s in OrderState.values if s not in (OrderState.PENDING, OrderState.CANCELLED)]


def issue_on(order: Order) -> str:
    setting = ChannelBilling.objects.filter(channel_id=order.channel_id).first()
    return setting.issue_on if setting else IssueOn.SHIPMENT


_issue_on_by_channel = lookup_cache("channel-billing-issue-on")


def cached_issue_on(*, channel_id: int) -> str:
    """``issue_on`` of a channel as this process last read it (``oms.lookups``: at most
    ``LOOKUP_CACHE_SECONDS`` old, forgotten at once when saved here), for the reaction to every
    confirmed order, which must not cost an intake a query; whoever acts on it asks ``issue_on``."""
    return _issue_on_by_channel.get(
        channel_id,
        lambda: (
            ChannelBilling.objects.filter(channel_id=channel_id).values_list("issue_on", flat=True).first()
            or IssueOn.SHIPMENT
        ),
    )


@receiver([post_save, post_delete], sender=ChannelBilling, dispatch_uid="billing.issuing.forget_issue_on")
def _forget_issue_on(sender: type[ChannelBilling], instance: ChannelBilling, **kwargs: object) -> None:
    _issue_on_by_channel.forget(instance.channel_id)


# -- what is invoiced already ---------------------------------------------------------------------


@dataclass
class _Billed:
    """What the order's issued invoices minus its cancellation credit notes have billed."""

    units: dict[int, int]
    amounts: dict[int, Decimal]
    rows: dict[Decimal, list[Decimal]]  # rate -> [net, vat, gross]
    shipping: Decimal
    discount: Decimal
    total: Decimal
    any_invoice: bool


def billed_so_far(order: Order) -> _Billed:
    issued = Q(invoice__order=order, invoice__state__in=ISSUED_STATES)
    cancelled = Q(credit_note__order=order, credit_note__reason=CreditNoteReason.CANCELLATION)
    units: dict[int, int] = defaultdict(int)
    amounts: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for sign, model, scope in ((1, InvoiceLine, issued), (-1, CreditNoteLine, cancelled)):
        line_field = "order_line" if model is InvoiceLine else "invoice_line__order_line"
        for row in (
            model.objects.filter(scope, kind=LineKind.PRODUCT)
            .order_by()
            .values(line_field)
            .annotate(q=Sum("quantity"), a=Sum("line_total"))
        ):
            units[row[line_field]] += sign * row["q"]
            amounts[row[line_field]] += sign * row["a"]
    rows: dict[Decimal, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    for sign, model, scope in ((1, InvoiceVatRow, issued), (-1, CreditNoteVatRow, cancelled)):
        for row in (
            model.objects.filter(scope)
            .order_by()
            .values("vat_rate")
            .annotate(n=Sum("net"), v=Sum("vat"), g=Sum("gross"))
        ):
            acc = rows[row["vat_rate"]]
            acc[0] += sign * row["n"]
            acc[1] += sign * row["v"]
            acc[2] += sign * row["g"]
    invoices = order.invoices.filter(state__in=ISSUED_STATES).aggregate(
        s=Sum("shipping_total"), d=Sum("discount_total"), t=Sum("total")
    )
    credits = order.credit_notes.filter(reason=CreditNoteReason.CANCELLATION).aggregate(
        s=Sum("shipping_total"), d=Sum("discount_total"), t=Sum("total")
    )
    return _Billed(
        units=units,
        amounts=amounts,
        rows=rows,
        shipping=(invoices["s"] or ZERO) - (credits["s"] or ZERO),
        discount=(invoices["d"] or ZERO) - (credits["d"] or ZERO),
        total=(invoices["t"] or ZERO) - (credits["t"] or ZERO),
        any_invoice=order.invoices.filter(state__in=ISSUED_STATES).exists(),
    )


def billable_units(line: OrderLine) -> int:
    return line.quantity - line.quantity_cancelled


def unit_amount(line: OrderLine, units: int) -> Decimal:
    """``units`` of ``line`` at their price less their share of the line discount."""
    if units == line.quantity:
        return quantize(units * line.unit_price - line.discount)
    return quantize(units * line.unit_price - line.discount * units / line.quantity)


# -- the issuing transaction ------------------------------------------------------------------------


@dataclass(frozen=True)
class _LineDraft:
    order_line: OrderLine
    quantity: int
    amount: Decimal
    vat_rate: Decimal


def _decision(order: Order, profile: Any, today: datetime.date) -> taxes.TaxDecision:
    first = order.invoices.filter(state__in=ISSUED_STATES).order_by("issued_at", "pk").first()
    if first is not None:
        # One order, one treatment: the rows of its invoices must add up per rate.
        return taxes.decision_of(first.tax_treatment, first.vat_country)
    return taxes.decide(
        destination=order.shipping_country,
        buyer_vat_id=order.customer.vat_id,
        seller_country=profile.country,
        seller_vat_id=profile.vat_id,
        oss_threshold=profile.oss_threshold,
        on=today,
    )


def order_target(order: Order, lines: list[OrderLine], decision: taxes.TaxDecision) -> Totals:
    """What the customer owes for the whole order (its lines as they are now), at the invoices' rates."""
    return compute_totals(
        lines=[PricedLine(line.line_total, decision.rate_for(line.vat_rate)) for line in lines],
        price_mode=order.price_mode,
        shipping_total=order.shipping_total,
        discount_total=order.discount_total,
        tip_total=order.tip_total,
        gift_card_total=order.gift_card_total,
    )


def order_decision(order: Order) -> taxes.TaxDecision | None:
    """The tax treatment of the order's invoices (None before the first one)."""
    first = order.invoices.filter(state__in=ISSUED_STATES).order_by("issued_at", "pk").first()
    return taxes.decision_of(first.tax_treatment, first.vat_country) if first else None


def _totals_from_rows(rows: dict[Decimal, list[Decimal]]) -> dict[str, dict[str, str]]:
    return {
        str(rate): {"net": str(net), "vat": str(vat), "gross": str(gross)}
        for rate, (net, vat, gross) in sorted(rows.items(), reverse=True)
    }


def _issue(
    order: Order,
    quantities: dict[int, int],
    *,
    trigger: str,
    shipment: Shipment | None,
    delivery_date: datetime.date,
    today: datetime.date | None = None,
) -> Invoice | None:
    """Invoice ``quantities`` ({order line id: units}, capped at what is not invoiced yet) of the
    locked ``order``. Returns None when nothing is left to invoice."""
    today = today or timezone.localdate()
    profile = seller_profile()
    billed = billed_so_far(order)
    lines = list(order.lines.order_by("position", "pk"))
    decision = _decision(order, profile, today)
    drafts: list[_LineDraft] = []
    for line in lines:
        left = billable_units(line) - billed.units.get(line.pk, 0)
        units = min(quantities.get(line.pk, 0), left)
        if units <= 0:
            continue
        # The units that complete a line take the rest of its total.
        amount = line.line_total - billed.amounts.get(line.pk, ZERO) if units == left else unit_amount(line, units)
        drafts.append(_LineDraft(line, units, amount, decision.rate_for(line.vat_rate)))
    if not drafts:
        return None
    first = not billed.any_invoice
    final = all(
        billable_units(line) - billed.units.get(line.pk, 0) - sum(d.quantity for d in drafts if d.order_line == line)
        == 0
        for line in lines
    )
    tip = order.tip_total if first else ZERO
    gift = order.gift_card_total if first else ZERO
    subtotal = quantize(sum((d.amount for d in drafts), ZERO))
    totals: Totals | None = None
    if final:
        # The rest of the order per VAT rate: the rounding remainder lands here.
        target = order_target(order, lines, decision)
        rows: dict[Decimal, list[Decimal]] = {}
        for rate, row in target.vat_breakdown.items():
            done = billed.rows.get(Decimal(rate), [ZERO, ZERO, ZERO])
            rows[Decimal(rate)] = [Decimal(row[k]) - done[i] for i, k in enumerate(("net", "vat", "gross"))]
        for rate, done in billed.rows.items():
            if rate not in rows and any(done):
                rows[rate] = [-v for v in done]
        shipping = order.shipping_total - billed.shipping
        # Never more discount than this invoice's goods and shipping: when units cancelled after
        # an earlier invoice leave more discount than goods, the earlier invoice is credited
        # instead (``crediting.credit_cancelled_units``, run after issuing by the subscriber).
        discount = min(target.discount_total - billed.discount, subtotal + shipping)
        # Earlier invoices shared shipping and discount over their own rates; when that leaves a
        # rate of this invoice below zero, it is computed from its own lines (the totals still
        # add up: gross amounts carry no rounding of their own).
        if discount == target.discount_total - billed.discount and all(v >= 0 for r in rows.values() for v in r):
            totals = Totals(
                subtotal=subtotal,
                shipping_total=shipping,
                discount_total=discount,
                vat_total=quantize(sum((r[1] for r in rows.values()), ZERO)),
                total=target.total - billed.total,
                vat_breakdown=_totals_from_rows({r: v for r, v in rows.items() if any(v)}),
                tip_total=tip,
                gift_card_total=gift,
            )
    else:
        shipping = order.shipping_total if first else ZERO
        share = quantize(order.discount_total * subtotal / order.subtotal) if order.subtotal else ZERO
        discount = min(share, subtotal + shipping, order.discount_total - billed.discount)
    if totals is None:
        totals = compute_totals(
            lines=[PricedLine(d.amount, d.vat_rate) for d in drafts],
            price_mode=order.price_mode,
            shipping_total=shipping,
            discount_total=max(discount, ZERO),
            tip_total=tip,
            gift_card_total=gift,
        )
    invoice = _insert_invoice(
        order,
        profile=profile,
        decision=decision,
        totals=totals,
        trigger=trigger,
        shipment=shipment,
        final=final,
        today=today,
        delivery_date=delivery_date,
    )
    _insert_lines(invoice, drafts, tip=tip, gift=gift)
    InvoiceVatRow.objects.bulk_create(
        [
            InvoiceVatRow(
                invoice=invoice,
                vat_rate=Decimal(rate),
                net=Decimal(row["net"]),
                vat=Decimal(row["vat"]),
                gross=Decimal(row["gross"]),
            )
            for rate, row in totals.vat_breakdown.items()
        ]
    )
    invoice.issue(number=take_number(series=NumberSeries.INVOICE, year=invoice.invoice_date.year))
    invoice.save()
    settle_locked_order(order_id=order.pk, today=today)
    invoice.refresh_from_db()
    _record_issue(order, invoice)
    return invoice


def _terms_days(order: Order, profile: Any) -> int:
    if not order.channel.has_terms(order.payment_method):
        return 0  # paid at checkout (card, PayPal, marketplace): due at once
    setting = ChannelBilling.objects.filter(channel_id=order.channel_id).first()
    if setting is not None and setting.payment_terms_days is not None:
        return setting.payment_terms_days
    return profile.payment_terms_days


def _insert_invoice(
    order: Order,
    *,
    profile: Any,
    decision: taxes.TaxDecision,
    totals: Totals,
    trigger: str,
    shipment: Shipment | None,
    final: bool,
    today: datetime.date,
    delivery_date: datetime.date,
) -> Invoice:
    language = order.customer.language or "de"
    with translation.override(language):
        note = decision.note()
    terms = _terms_days(order, profile)
    net_total = quantize(sum((Decimal(r["net"]) for r in totals.vat_breakdown.values()), ZERO))
    return Invoice.objects.create(
        order=order,
        customer=order.customer,
        shipment=shipment,
        trigger=trigger,
        is_final=final,
        language=language,
        buyer_name=order.billing_name,
        buyer_company=order.billing_company,
        buyer_street=order.billing_street,
        buyer_line2=order.billing_line2,
        buyer_postcode=order.billing_postcode,
        buyer_city=order.billing_city,
        buyer_country=order.billing_country,
        buyer_vat_id=order.customer.vat_id,
        buyer_email=order.email,
        delivery_name=order.shipping_name,
        delivery_company=order.shipping_company,
        delivery_street=order.shipping_street,
        delivery_line2=order.shipping_line2,
        delivery_postcode=order.shipping_postcode,
        delivery_city=order.shipping_city,
        delivery_country=order.shipping_country,
        seller=seller_snapshot(profile),
        tax_treatment=decision.treatment,
        vat_country=decision.vat_country,
        legal_note=note,
        currency=order.currency,
        price_mode=order.price_mode,
        subtotal=totals.subtotal,
        shipping_total=totals.shipping_total,
        discount_total=totals.discount_total,
        net_total=net_total,
        vat_total=totals.vat_total,
        total=totals.total,
        invoice_date=today,
        delivery_date=delivery_date,
        payment_method=order.payment_method,
        payment_terms_days=terms,
        due_date=today + datetime.timedelta(days=terms),
    )


def _insert_lines(invoice: Invoice, drafts: list[_LineDraft], *, tip: Decimal, gift: Decimal) -> None:
    rows = [
        InvoiceLine(
            invoice=invoice,
            position=position,
            kind=LineKind.PRODUCT,
            order_line=d.order_line,
            sku=d.order_line.sku,
            name=d.order_line.name,
            quantity=d.quantity,
            unit_price=d.order_line.unit_price,
            discount=quantize(d.quantity * d.order_line.unit_price) - d.amount,
            vat_rate=d.vat_rate,
            line_total=d.amount,
        )
        for position, d in enumerate(drafts, start=1)
    ]
    extra = len(rows)
    with translation.override(invoice.language):
        if tip:
            extra += 1
            rows.append(
                InvoiceLine(
                    invoice=invoice,
                    position=extra,
                    kind=LineKind.TIP,
                    name=str(_("Tip")),
                    unit_price=tip,
                    vat_rate=TIP_VAT_RATE,
                    line_total=tip,
                )
            )
        if gift:
            extra += 1
            rows.append(
                InvoiceLine(
                    invoice=invoice,
                    position=extra,
                    kind=LineKind.GIFT_CARD,
                    name=str(_("Gift card (multi-purpose voucher)")),
                    unit_price=gift,
                    vat_rate=GIFT_CARD_VAT_RATE,
                    line_total=gift,
                )
            )
    InvoiceLine.objects.bulk_create(rows)


def _record_issue(order: Order, invoice: Invoice) -> None:
    """Timeline, search terms, PDF and mail (outbox), ``invoice.issued`` after commit."""
    record_event(
        order,
        EventKind.INVOICE,
        text(
            _("Invoice %(number)s issued over %(total)s %(currency)s."),
            number=invoice.number,
            total=str(invoice.total),
            currency=invoice.currency,
        ),
        data={"invoice_id": invoice.pk, "number": invoice.number},
    )
    add_search_terms(order_id=order.pk, terms=[invoice.number])
    request_invoice_pdf_and_mail(invoice)
    publish(
        "invoice.issued",
        {"invoice_id": invoice.pk, "order_id": order.pk, "number": invoice.number, "total": str(invoice.total)},
    )


# -- entry points -----------------------------------------------------------------------------------


def _shipped_units(shipment: Shipment) -> dict[int, int]:
    units: dict[int, int] = defaultdict(int)
    for order_line_id, picked in ShipmentLine.objects.filter(shipment=shipment).values_list(
        "order_line_id", "quantity_picked"
    ):
        units[order_line_id] += picked
    return units


@transaction.atomic
def issue_invoice_for_shipment(*, shipment_id: int, today: datetime.date | None = None) -> Invoice | None:
    """The invoice of a shipped shipment: issued now, or the one it has. None when the shipment
    has not shipped, or its units are invoiced already (an order invoiced at confirmation)."""
    order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment_id)
    order = locks.lock_order(order_id=order_id)
    existing = Invoice.objects.filter(shipment_id=shipment_id).first()
    if existing is not None:
        return existing
    shipment = Shipment.objects.get(pk=shipment_id)
    if shipment.state not in SHIPPED_STATES:
        return None
    shipped_on = timezone.localdate(shipment.shipped_at) if shipment.shipped_at else timezone.localdate()
    return _issue(
        order,
        _shipped_units(shipment),
        trigger=InvoiceTrigger.SHIPMENT,
        shipment=shipment,
        delivery_date=shipped_on,
        today=today,
    )


@transaction.atomic
def issue_invoice_for_order(*, order_id: int, today: datetime.date | None = None) -> Invoice | None:
    """Invoice everything of a confirmed order that is not invoiced yet (channels that invoice at
    confirmation). None when nothing is left to invoice or the order is not confirmed."""
    order = locks.lock_order(order_id=order_id)
    if order.state not in CONFIRMED_STATES:
        return None
    everything = {line.pk: billable_units(line) for line in order.lines.all()}
    delivery = order.promised_ship_date or timezone.localdate()
    return _issue(
        order,
        everything,
        trigger=InvoiceTrigger.CONFIRMATION,
        shipment=None,
        delivery_date=delivery,
        today=today,
    )


def shipments_without_invoice() -> Any:
    """Shipped shipments with no invoice whose units are not all invoiced (the sweep's work)."""
    return (
        Shipment.objects.filter(state__in=SHIPPED_STATES, invoices__isnull=True)
        .exclude(order__channel__billing__issue_on=IssueOn.CONFIRMATION)
        .order_by("shipped_at", "pk")
    )


def orders_without_invoice() -> Any:
    """Confirmed orders of channels that invoice at confirmation, without an invoice yet."""
    return Order.objects.filter(
        channel__billing__issue_on=IssueOn.CONFIRMATION, state__in=CONFIRMED_STATES, invoices__isnull=True
    ).order_by("pk")


def sweep_uninvoiced(*, limit: int = 500) -> int:
    """Issue the invoices whose event was lost (a crash between commit and subscriber)."""
    issued = 0
    for shipment_id in list(shipments_without_invoice().values_list("pk", flat=True)[:limit]):
        if issue_invoice_for_shipment(shipment_id=shipment_id) is not None:
            issued += 1
    for order_id in list(orders_without_invoice().values_list("pk", flat=True)[:limit]):
        if issue_invoice_for_order(order_id=order_id) is not None:
            issued += 1
    return issued
