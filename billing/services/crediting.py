"""Credit notes (Rechnungskorrektur, ``GS-YYYY-NNNNNN``): full or partial corrections of one
issued invoice, never more than is left of it.

- units of the invoice's lines (a return, a cancellation after invoicing), each line's share of
  the invoice's order discount going with them; the units that complete a line take the rest of
  its amount;
- shipping (up to what the invoice charged for it);
- a price correction: an amount shared over the invoice's VAT rates by what is left of each.

Crediting everything that is left of an invoice credits exactly its remaining VAT rows, so an
invoice minus its credit notes is zero to the cent. The invoice's ``amount_credited`` grows with
each credit note and its payment state is settled again in the same transaction (money to pay
back is a refund: ``billing.services.refunds``).

Entry points for other apps: ``credit_returned_units`` (returns, with a ``source`` so a cause never
credits twice) and ``credit_cancelled_units`` (orders' ``order.lines_cancelled`` /
``order.cancelled``: units invoiced before they were cancelled).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing import locks as billing_locks
from billing.documents import request_credit_note_pdf_and_mail
from billing.exceptions import CreditExceedsInvoiceError, CreditNoteError
from billing.models import (
    ISSUED_STATES,
    CreditNote,
    CreditNoteLine,
    CreditNoteReason,
    CreditNoteVatRow,
    Invoice,
    InvoiceLine,
    LineKind,
    NumberSeries,
)
from billing.services.issuing import billable_units, billed_so_far, order_decision, order_target
from billing.services.numbering import take_number
from billing.services.settlement import settle_locked_order
from oms import parsing
from oms.events import publish
from oms.money import ZERO, quantize
from oms.texts import text
from orders import locks
from orders.models import EventKind, Order
from orders.services.timeline import add_search_terms, record_event
from orders.services.totals import PricedLine, _split, compute_totals

# Reasons that need words from the person crediting.
REASON_TEXT_REQUIRED = {CreditNoteReason.PRICE_CORRECTION, CreditNoteReason.GOODWILL, CreditNoteReason.OTHER}


@dataclass(frozen=True)
class _Draft:
    invoice_line: InvoiceLine | None
    kind: str
    name: str
    sku: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    vat_rate: Decimal


def _credited_lines(invoice: Invoice) -> tuple[dict[int, int], dict[int, Decimal]]:
    units: dict[int, int] = defaultdict(int)
    amounts: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in (
        CreditNoteLine.objects.filter(credit_note__invoice=invoice, invoice_line__isnull=False)
        .order_by()
        .values("invoice_line")
        .annotate(q=Sum("quantity"), a=Sum("line_total"))
    ):
        units[row["invoice_line"]] = row["q"]
        amounts[row["invoice_line"]] = row["a"]
    return units, amounts


def _credited_rows(invoice: Invoice) -> dict[Decimal, list[Decimal]]:
    rows: dict[Decimal, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    for row in (
        CreditNoteVatRow.objects.filter(credit_note__invoice=invoice)
        .order_by()
        .values("vat_rate")
        .annotate(n=Sum("net"), v=Sum("vat"), g=Sum("gross"))
    ):
        rows[row["vat_rate"]] = [row["n"], row["v"], row["g"]]
    return rows


def credit_left(invoice: Invoice) -> dict[str, Any]:
    """What is left to credit of ``invoice``: units per invoice line, shipping and the amount."""
    units, _amounts = _credited_lines(invoice)
    sums = invoice.credit_notes.aggregate(s=Sum("shipping_total"))
    return {
        "units": {line.pk: line.quantity - units.get(line.pk, 0) for line in invoice.lines.all()},
        "shipping": invoice.shipping_total - (sums["s"] or ZERO),
        "amount": invoice.total - invoice.amount_credited,
    }


def _line_drafts(invoice: Invoice, quantities: dict[int, int]) -> tuple[list[_Draft], bool]:
    """Drafts of the credited units, and whether every line is credited in full afterwards."""
    lines = {line.pk: line for line in invoice.lines.all()}
    units, amounts = _credited_lines(invoice)
    drafts = []
    for line_id, quantity in quantities.items():
        line = lines.get(line_id)
        if line is None:
            raise CreditNoteError(
                _("Line %(line)s is not part of invoice %(number)s.") % {"line": line_id, "number": invoice.number},
                field="quantities",
            )
        if not parsing.is_quantity(quantity):
            raise CreditNoteError(
                _("%(name)s: the quantity to credit must be a whole number above 0.") % {"name": line.name},
                field=f"quantities.{line_id}",
            )
        left = line.quantity - units.get(line_id, 0)
        if quantity > left:
            raise CreditNoteError(
                _("%(name)s: only %(left)d of %(quantity)d units are left to credit.")
                % {"name": line.name, "left": left, "quantity": line.quantity},
                field=f"quantities.{line_id}",
                code="credit_exceeds_invoice",
                left=left,
            )
        if quantity == left:
            amount = line.line_total - amounts.get(line_id, ZERO)
        else:
            amount = quantize(line.line_total * quantity / line.quantity)
        drafts.append(_Draft(line, line.kind, line.name, line.sku, quantity, line.unit_price, amount, line.vat_rate))
    credited = {**units}
    for d in drafts:
        credited[d.invoice_line.pk] = credited.get(d.invoice_line.pk, 0) + d.quantity  # type: ignore[union-attr]
    all_lines = all(credited.get(pk, 0) == line.quantity for pk, line in lines.items())
    return drafts, all_lines


def _correction_drafts(invoice: Invoice, amount: Decimal, label: str) -> list[_Draft]:
    """A price correction shared over the invoice's rates by what is left of each."""
    done = _credited_rows(invoice)
    rows = [(row.vat_rate, row.gross - done.get(row.vat_rate, [ZERO, ZERO, ZERO])[2]) for row in invoice.vat_rows.all()]
    rows = [(rate, left) for rate, left in rows if left > 0]
    parts = _split(amount, [left for _rate, left in rows])
    return [
        _Draft(None, LineKind.CORRECTION, label, "", 1, part, part, rate)
        for (rate, _left), part in zip(rows, parts, strict=True)
        if part
    ]


class NothingToCreditError(CreditNoteError):
    """The units asked for are worth nothing (a one-cent line whose last unit rounds to zero)."""


def _cancellation_corrections(invoice: Invoice) -> Decimal:
    """What cancellation credits of ``invoice`` credited as corrections (no units)."""
    return (
        CreditNoteLine.objects.filter(
            credit_note__invoice=invoice,
            credit_note__reason=CreditNoteReason.CANCELLATION,
            kind=LineKind.CORRECTION,
        ).aggregate(s=Sum("line_total"))["s"]
        or ZERO
    )


def _issue_credit(
    order: Order,
    invoice: Invoice,
    *,
    reason: str,
    reason_text: str,
    quantities: dict[int, int],
    shipping: Decimal,
    amount: Decimal,
    source: str,
    today: datetime.date,
    actor_label: str,
    user: Any,
    extra: list[_Draft] | None = None,
) -> CreditNote:
    if invoice.state not in ISSUED_STATES:
        raise CreditNoteError(_("Only an issued invoice can be credited."), field="invoice")
    if reason not in CreditNoteReason.values:
        raise CreditNoteError(_("Choose a reason for the credit note."), field="reason")
    reason_text = (reason_text or "").strip()
    if reason in REASON_TEXT_REQUIRED and not reason_text:
        raise CreditNoteError(_("Say why the invoice is corrected."), field="reason_text")
    shipping, amount = quantize(shipping or ZERO), quantize(amount or ZERO)
    if shipping < 0 or amount < 0:
        raise CreditNoteError(_("Amounts to credit cannot be negative."), field="amount")
    left = credit_left(invoice)
    if shipping > left["shipping"]:
        raise CreditNoteError(
            _("Only %(left)s %(currency)s of shipping are left to credit.")
            % {"left": left["shipping"], "currency": invoice.currency},
            field="shipping",
            code="credit_exceeds_invoice",
        )
    drafts, all_lines = _line_drafts(invoice, quantities) if quantities else ([], False)
    with translation.override(invoice.language):
        label = str(gettext_lazy("Price correction"))
        if amount:
            drafts += _correction_drafts(invoice, amount, reason_text or label)
    drafts += extra or []
    if not drafts and not shipping:
        raise CreditNoteError(_("Choose the units or the amount to credit."), field="quantities")

    products = [d for d in drafts if d.kind == LineKind.PRODUCT]
    product_sum = sum((d.amount for d in products), ZERO)
    credited = invoice.credit_notes.aggregate(d=Sum("discount_total"))["d"] or ZERO
    products_complete = all_lines or not any(
        line.kind == LineKind.PRODUCT for line in invoice.lines.all() if line.pk not in quantities
    )
    # The discount the invoice grants in the end: its own plus what cancellation credits gave
    # back as the order's discount moved onto the units it kept.
    granted = invoice.discount_total + _cancellation_corrections(invoice)
    if products and all_lines:
        discount = granted - credited
    elif products and invoice.subtotal:
        discount = min(quantize(granted * product_sum / invoice.subtotal), granted - credited)
    else:
        discount = ZERO
    everything = all_lines and shipping == left["shipping"] and not amount and products_complete
    tip = sum((d.amount for d in drafts if d.kind == LineKind.TIP), ZERO)
    gift = sum((d.amount for d in drafts if d.kind == LineKind.GIFT_CARD), ZERO)
    if everything:
        # Whatever is left of each VAT row: the invoice minus its credit notes is zero.
        done = _credited_rows(invoice)
        rows = {
            row.vat_rate: [
                row.net - done[row.vat_rate][0],
                row.vat - done[row.vat_rate][1],
                row.gross - done[row.vat_rate][2],
            ]
            for row in invoice.vat_rows.all()
        }
        rows = {rate: r for rate, r in rows.items() if any(r)}
        total = invoice.total - invoice.amount_credited
    else:
        totals = compute_totals(
            lines=[
                PricedLine(d.amount, d.vat_rate) for d in drafts if d.kind in (LineKind.PRODUCT, LineKind.CORRECTION)
            ],
            price_mode=invoice.price_mode,
            shipping_total=shipping,
            discount_total=max(discount, ZERO),
            tip_total=tip,
            gift_card_total=gift,
        )
        rows = {
            Decimal(r): [Decimal(v["net"]), Decimal(v["vat"]), Decimal(v["gross"])]
            for r, v in totals.vat_breakdown.items()
        }
        total = totals.total
    if total <= 0 and not shipping and not amount and all(d.amount <= 0 for d in drafts):
        raise NothingToCreditError(_("Nothing is left to credit."), field="amount")
    if total <= 0:
        raise CreditNoteError(_("Nothing is left to credit."), field="amount")
    if total > invoice.total - invoice.amount_credited:
        raise CreditExceedsInvoiceError(
            number=invoice.number, asked=total, left=invoice.total - invoice.amount_credited, currency=invoice.currency
        )
    note = _insert(invoice, reason=reason, reason_text=reason_text, source=source, today=today, drafts=drafts)
    note.subtotal = product_sum
    note.shipping_total = shipping
    note.discount_total = discount
    note.net_total = quantize(sum((r[0] for r in rows.values()), ZERO))
    note.vat_total = quantize(sum((r[1] for r in rows.values()), ZERO))
    note.total = total
    CreditNoteVatRow.objects.bulk_create(
        [CreditNoteVatRow(credit_note=note, vat_rate=rate, net=r[0], vat=r[1], gross=r[2]) for rate, r in rows.items()]
    )
    note.number = take_number(series=NumberSeries.CREDIT_NOTE, year=today.year)
    note.issued_at = timezone.now()
    note.save()
    invoice.amount_credited += total
    invoice.amount_due = invoice.total - invoice.amount_credited - invoice.amount_paid
    invoice.updated_at = timezone.now()
    invoice.save(update_fields=["amount_credited", "amount_due", "updated_at"])
    settle_locked_order(order_id=order.pk, today=today)
    _record(order, note, invoice, actor_label=actor_label, user=user)
    return note


def _insert(
    invoice: Invoice, *, reason: str, reason_text: str, source: str, today: datetime.date, drafts: list[_Draft]
) -> CreditNote:
    copied = {
        field: getattr(invoice, field)
        for field in (
            "order_id",
            "customer_id",
            "language",
            "buyer_name",
            "buyer_company",
            "buyer_street",
            "buyer_line2",
            "buyer_postcode",
            "buyer_city",
            "buyer_country",
            "buyer_vat_id",
            "buyer_email",
            "delivery_name",
            "delivery_company",
            "delivery_street",
            "delivery_line2",
            "delivery_postcode",
            "delivery_city",
            "delivery_country",
            "seller",
            "tax_treatment",
            "vat_country",
            "legal_note",
            "currency",
            "price_mode",
        )
    }
    # Numbered and dated when its lines are in (the triggers freeze an issued credit note).
    note = CreditNote.objects.create(
        invoice=invoice,
        reason=reason,
        reason_text=reason_text,
        source=source,
        credit_date=today,
        total=Decimal("0.01"),
        **copied,
    )
    CreditNoteLine.objects.bulk_create(
        [
            CreditNoteLine(
                credit_note=note,
                invoice_line=d.invoice_line,
                position=position,
                kind=d.kind,
                sku=d.sku,
                name=d.name,
                quantity=d.quantity,
                unit_price=d.unit_price,
                discount=quantize(d.quantity * d.unit_price) - d.amount if d.kind == LineKind.PRODUCT else ZERO,
                vat_rate=d.vat_rate,
                line_total=d.amount,
            )
            for position, d in enumerate(drafts, start=1)
        ]
    )
    return note


def _record(order: Order, note: CreditNote, invoice: Invoice, *, actor_label: str, user: Any) -> None:
    record_event(
        order,
        EventKind.INVOICE,
        text(
            gettext_lazy("Credit note %(number)s for invoice %(invoice)s over %(total)s %(currency)s: %(reason)s"),
            number=note.number,
            invoice=invoice.number,
            total=str(note.total),
            currency=note.currency,
            reason=note.reason_text or note.reason,
        ),
        data={"credit_note_id": note.pk, "number": note.number, "invoice_id": invoice.pk},
        actor_label=actor_label,
        user=user,
    )
    add_search_terms(order_id=order.pk, terms=[note.number])
    request_credit_note_pdf_and_mail(note)
    publish(
        "credit_note.issued",
        {"credit_note_id": note.pk, "invoice_id": invoice.pk, "order_id": order.pk, "total": str(note.total)},
    )


# -- entry points -----------------------------------------------------------------------------------


@transaction.atomic
def issue_credit_note(
    *,
    invoice: Invoice,
    reason: str,
    reason_text: str = "",
    quantities: dict[int, int] | None = None,
    shipping: Decimal = ZERO,
    amount: Decimal = ZERO,
    source: str = "",
    today: datetime.date | None = None,
    actor_label: str = "system",
    user: Any = None,
) -> CreditNote:
    """Credit ``quantities`` ({invoice line id: units}), ``shipping`` and a price-correction
    ``amount`` of ``invoice``. The same ``source`` again returns the credit note it made.

    Raises ``CreditNoteError`` (``CreditExceedsInvoiceError``) when more is asked than is left;
    nothing is written then. Locks the order, then the invoice."""
    order = locks.lock_order(order_id=invoice.order_id)
    if source:
        existing = CreditNote.objects.filter(source=source).first()
        if existing is not None:
            return existing
    invoice = billing_locks.invoice_for_update(invoice_id=invoice.pk)
    return _issue_credit(
        order,
        invoice,
        reason=reason,
        reason_text=reason_text,
        quantities=quantities or {},
        shipping=shipping,
        amount=amount,
        source=source,
        today=today or timezone.localdate(),
        actor_label=actor_label,
        user=user,
    )


@transaction.atomic
def credit_invoice_in_full(
    *, invoice: Invoice, reason: str, reason_text: str = "", actor_label: str = "system", user: Any = None
) -> CreditNote:
    """Credit everything that is left of ``invoice`` (a full Rechnungskorrektur)."""
    locks.lock_order(order_id=invoice.order_id)
    invoice = billing_locks.invoice_for_update(invoice_id=invoice.pk)
    left = credit_left(invoice)
    return issue_credit_note(
        invoice=invoice,
        reason=reason,
        reason_text=reason_text,
        quantities={pk: units for pk, units in left["units"].items() if units > 0},
        shipping=left["shipping"],
        actor_label=actor_label,
        user=user,
    )


def _spread(order_id: int, units: dict[int, int], *, newest_first: bool) -> dict[int, dict[int, int]]:
    """{order line id: units} as {invoice id: {invoice line id: units}} over the invoice lines that
    still hold uncredited units of those order lines."""
    wanted = dict(units)
    out: dict[int, dict[int, int]] = defaultdict(dict)
    invoice_lines = (
        InvoiceLine.objects.filter(
            invoice__order_id=order_id, invoice__state__in=ISSUED_STATES, order_line__in=list(units)
        )
        .select_related("invoice")
        .order_by(("-" if newest_first else "") + "invoice__issued_at", "pk")
    )
    credited: dict[int, int] = {}
    for row in (
        CreditNoteLine.objects.filter(invoice_line__in=invoice_lines)
        .order_by()
        .values("invoice_line")
        .annotate(q=Sum("quantity"))
    ):
        credited[row["invoice_line"]] = row["q"]
    for line in invoice_lines:
        need = wanted.get(line.order_line_id, 0)
        free = line.quantity - credited.get(line.pk, 0)
        take = min(need, free)
        if take > 0:
            out[line.invoice_id][line.pk] = take
            wanted[line.order_line_id] = need - take
    return out


@transaction.atomic
def credit_returned_units(
    *,
    order_id: int,
    units: dict[int, int],
    source: str,
    shipping: bool = False,
    reason_text: str = "",
    actor_label: str = "system",
    user: Any = None,
) -> list[CreditNote]:
    """For returns: credit ``units`` ({order line id: units} accepted back) on the invoices that
    billed them (oldest first), plus the outbound shipping when ``shipping`` (a full withdrawal,
    §357(2) BGB). One credit note per invoice; ``source`` (e.g. ``return:12``) makes it
    idempotent: calling again returns the credit notes it made."""
    order = locks.lock_order(order_id=order_id)
    made = list(CreditNote.objects.filter(source__startswith=f"{source}#").order_by("pk"))
    if made:
        return made
    spread = _spread(order.pk, units, newest_first=False)
    if sum(sum(v.values()) for v in spread.values()) < sum(units.values()):
        raise CreditNoteError(_("More units than were invoiced and not yet credited."), field="units")
    notes = []
    invoices = {inv.pk: inv for inv in Invoice.objects.filter(order=order, state__in=ISSUED_STATES)}
    shipping_invoices = [inv for inv in invoices.values() if inv.shipping_total > 0] if shipping else []
    targets = sorted(set(spread) | {inv.pk for inv in shipping_invoices})
    for n, invoice_id in enumerate(targets, start=1):
        invoice = billing_locks.invoice_for_update(invoice_id=invoice_id)
        ship_left = credit_left(invoice)["shipping"] if shipping else ZERO
        try:
            note = _issue_credit(
                order,
                invoice,
                reason=CreditNoteReason.RETURN,
                reason_text=reason_text,
                quantities=spread.get(invoice_id, {}),
                shipping=ship_left,
                amount=ZERO,
                source=f"{source}#{n}",
                today=timezone.localdate(),
                actor_label=actor_label,
                user=user,
            )
        except NothingToCreditError:
            continue  # units worth nothing on this invoice: there is no money to give back
        notes.append(note)
    return notes


@transaction.atomic
def credit_cancelled_units(*, order_id: int, actor_label: str = "system", user: Any = None) -> list[CreditNote]:
    """Units invoiced and cancelled afterwards (an order invoiced at confirmation) are credited,
    newest invoice first. Derived from the data, so calling it again credits nothing twice."""
    order = locks.lock_order(order_id=order_id)
    billed = billed_so_far(order)
    over = {
        line.pk: billed.units.get(line.pk, 0) - billable_units(line)
        for line in order.lines.all()
        if billed.units.get(line.pk, 0) > billable_units(line)
    }
    notes: list[CreditNote] = []
    for invoice_id, quantities in _spread(order.pk, over, newest_first=True).items():
        invoice = billing_locks.invoice_for_update(invoice_id=invoice_id)
        with translation.override(invoice.language):
            why = str(gettext_lazy("Cancelled after invoicing"))
        left = credit_left(invoice)
        everything_left = all(left["units"].get(pk, 0) == q for pk, q in quantities.items()) and all(
            units == 0 or pk in quantities for pk, units in left["units"].items()
        )
        notes.append(
            _issue_credit(
                order,
                invoice,
                reason=CreditNoteReason.CANCELLATION,
                reason_text=why,
                quantities=quantities,
                shipping=left["shipping"] if everything_left and order.state == "cancelled" else ZERO,
                amount=ZERO,
                source="",
                today=timezone.localdate(),
                actor_label=actor_label,
                user=user,
            )
        )
    notes += _credit_billed_beyond_target(order, actor_label=actor_label, user=user)
    return notes


def _credit_billed_beyond_target(order: Order, *, actor_label: str, user: Any) -> list[CreditNote]:
    """Once nothing of the order is left to invoice, what its invoices billed beyond what it now
    charges (its discount shared over units that were later cancelled) is credited per rate on
    its newest invoice."""
    lines = list(order.lines.all())
    billed = billed_so_far(order)
    decision = order_decision(order)
    if decision is None or any(billed.units.get(line.pk, 0) != billable_units(line) for line in lines):
        return []
    target = order_target(order, lines, decision)
    if billed.total <= target.total:
        return []
    # The invoice with the most left to credit (the last one may have nothing left).
    candidates = list(order.invoices.filter(state__in=ISSUED_STATES).order_by("-issued_at", "-pk"))
    invoice = max(candidates, key=lambda inv: inv.total - inv.amount_credited)
    invoice = billing_locks.invoice_for_update(invoice_id=invoice.pk)
    key = "gross" if order.price_mode == "gross" else "net"
    index = 2 if key == "gross" else 0
    with translation.override(invoice.language):
        why = str(gettext_lazy("Cancelled after invoicing"))
    drafts = []
    for rate, row in billed.rows.items():
        wanted = Decimal(target.vat_breakdown.get(str(rate), {}).get(key, "0"))
        extra = row[index] - wanted
        if extra > 0:
            drafts.append(_Draft(None, LineKind.CORRECTION, why, "", 1, extra, extra, rate))
    if not drafts:
        return []
    return [
        _issue_credit(
            order,
            invoice,
            reason=CreditNoteReason.CANCELLATION,
            reason_text=why,
            quantities={},
            shipping=ZERO,
            amount=ZERO,
            source="",
            today=timezone.localdate(),
            actor_label=actor_label,
            user=user,
            extra=drafts,
        )
    ]
