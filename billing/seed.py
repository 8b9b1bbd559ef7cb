"""Demo data for billing (seeder ``billing``, order 60, after fulfillment): invoices in every
state, credit notes, reminders at every dunning level and a bank statement, each reached through
the real services.

Web shop orders on account are picked, packed and shipped through fulfillment's services (its
``Demo``); an order meant to show an older invoice is placed, shipped and invoiced on a day in the
past (the shipment's hand-over is dated that day, the invoice issued with ``today=`` that day), so
due dates and reminders fall where they would have. Then:

- issued (not yet due), partially paid (a transfer entered by hand), paid (matched from the bank
  statement), overdue (due date passed, no reminder yet), credited in full, and one with a
  goodwill credit note that is still open;
- the payment reminder, the first and the second dunning notice, each sent on its day by
  ``send_reminder_if_due``; one overdue invoice with its dunning paused (the customer disputes);
- a bank statement (German CSV) with a credit matched by invoice number, one that matched
  nothing (waiting on the bank screen) and one support ignored.

Idempotent: does nothing when a dunning notice exists. Every date is relative to ``today``.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.models import BankLineState, CreditNoteReason, DunningNotice, Invoice
from billing.services.bank_statements import ignore_bank_line, import_bank_statement
from billing.services.crediting import credit_invoice_in_full, issue_credit_note
from billing.services.dunning import level_rules, pause_dunning, send_reminder_if_due
from billing.services.issuing import issue_invoice_for_shipment
from billing.services.payments import ManualMethod, record_manual_payment
from billing.services.settlement import mark_overdue_invoices
from fulfillment.models import Shipment
from fulfillment.seed import Demo
from inventory.models import BinLocation, Product, Warehouse
from inventory.services.stock import receive_stock
from orders.models import Channel, Order, PaymentMethod
from orders.services.drafts import AddressDraft, CustomerDraft, LineDraft, OrderDraft
from orders.services.intake import place_order

ACTOR = "system:seed"
BERLIN = ZoneInfo(settings.TIME_ZONE)
CUSTOMERS = [
    ("Sophie Becker", "Schillerstraße 8", "04109", "Leipzig"),
    ("Paul Hoffmann", "Rosenweg 3", "70173", "Stuttgart"),
    ("Emma Schulz", "Kirchplatz 1", "60311", "Frankfurt am Main"),
    ("Felix Koch", "Uferstraße 12", "28195", "Bremen"),
]


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


class BillingDemo(Demo):
    """Fulfillment's demo orders, placed on the day ``self.day`` by customers of their own
    (``prefix`` keeps their external ids apart from fulfillment's demo orders)."""

    prefix = "billing-demo"
    day: datetime.date

    def _order(self, lines: dict[Product, int], *, channel: str = "web") -> Order:
        self.count += 1
        name, street, postcode, city = CUSTOMERS[self.count % len(CUSTOMERS)]
        address = AddressDraft(name=name, street=street, postcode=postcode, city=city, country="DE")
        marketplace = channel == "marketplace"
        draft = OrderDraft(
            customer=CustomerDraft(email=f"{self.prefix}{self.count}@example.de", name=name),
            billing_address=address,
            shipping_address=address,
            lines=[
                LineDraft(sku=p.sku, quantity=q, unit_price=p.gross_price or Decimal("9.90")) for p, q in lines.items()
            ],
            shipping_total=Decimal("4.90"),
            payment_method=PaymentMethod.MARKETPLACE if marketplace else PaymentMethod.INVOICE,
            payment_captured=marketplace,
            external_id=f"{channel}-{self.prefix}-{self.count}",
            placed_at=_at(self.day, hour=9),
        )
        return place_order(channel=self.channels[channel], draft=draft, actor_label=ACTOR).order

    def invoice(self, *, days_ago: int, today: datetime.date) -> Invoice:
        """An order shipped and invoiced ``days_ago`` days before ``today``."""
        self.day = today - datetime.timedelta(days=days_ago)
        with transaction.atomic():
            shipment = self._shipped()
            # The parcel left on that day: the invoice's delivery date and the ledger say so.
            Shipment.objects.filter(pk=shipment.pk).update(shipped_at=_at(self.day, hour=15))
            invoice = issue_invoice_for_shipment(shipment_id=shipment.pk, today=self.day)
        assert invoice is not None
        return invoice


def _at(day: datetime.date, *, hour: int) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=BERLIN)
    return min(moment, timezone.now())


def _dun(invoice: Invoice, *, levels: int, today: datetime.date) -> None:
    """Send the first ``levels`` reminders of ``invoice``, each on the first day it is due."""
    last_pay_by: datetime.date | None = None
    for rule in level_rules()[:levels]:
        day = invoice.due_date + datetime.timedelta(days=rule.days)
        if last_pay_by is not None:
            day = max(day, last_pay_by + datetime.timedelta(days=1))
        if day > today:
            return
        notice = send_reminder_if_due(invoice_id=invoice.pk, today=day)
        if notice is None:
            return
        last_pay_by = notice.pay_by


def _statement(rows: list[tuple[datetime.date, Decimal, str, str]]) -> bytes:
    head = "Buchungstag;Valutadatum;Name Zahlungsbeteiligter;Betrag;Verwendungszweck\n"
    body = "".join(
        f"{day:%d.%m.%Y};{day:%d.%m.%Y};{name};{str(amount).replace('.', ',')};{purpose}\n"
        for day, amount, name, purpose in rows
    )
    return (head + body).encode("utf-8")


def seed_billing(*, stdout: Any = None, scale: float = 1.0, today: datetime.date | None = None, **_: Any) -> None:
    if DunningNotice.objects.exists():
        _say(stdout, "billing: reminders exist, skipped")
        return
    today = today or timezone.localdate()
    warehouse = Warehouse.objects.filter(active=True).order_by("priority", "code").first()
    channels = {c.code: c for c in Channel.objects.filter(code__in=["web", "marketplace"])}
    product = Product.objects.filter(active=True, is_preorder=False, weight_grams__gt=0).order_by("sku").first()
    if warehouse is None or "web" not in channels or product is None:
        _say(stdout, "billing: no warehouse, web shop or products (run the earlier seeders first), skipped")
        return
    shelf, _created = BinLocation.objects.get_or_create(
        warehouse=warehouse, code="Z-92-01", defaults={"pick_sequence": 9201}
    )
    receive_stock(product=product, warehouse=warehouse, quantity=30, bin=shelf, reason="Demo", reference="seed:billing")
    demo = BillingDemo(warehouse=warehouse, channels=channels, products=[product] * 3, rng=random.Random(6060))

    issued = demo.invoice(days_ago=0, today=today)  # not yet due
    terms = (issued.due_date - issued.invoice_date).days
    partial = demo.invoice(days_ago=3, today=today)
    paid = demo.invoice(days_ago=5, today=today)
    credited = demo.invoice(days_ago=4, today=today)
    goodwill = demo.invoice(days_ago=6, today=today)
    demo.invoice(days_ago=terms + 4, today=today)  # overdue, no reminder yet
    disputed = demo.invoice(days_ago=terms + 12, today=today)
    reminded = demo.invoice(days_ago=terms + 10, today=today)
    first_notice = demo.invoice(days_ago=terms + 25, today=today)
    second_notice = demo.invoice(days_ago=terms + 40, today=today)

    record_manual_payment(
        order=partial.order,
        amount=(partial.total / 2).quantize(Decimal("0.01")),
        method=ManualMethod.BANK_TRANSFER,
        paid_on=today,
        reason="Teilzahlung laut Kontoauszug",
        actor_label=ACTOR,
    )
    credit_invoice_in_full(
        invoice=credited, reason=CreditNoteReason.CANCELLATION, reason_text="Kunde hat storniert", actor_label=ACTOR
    )
    issue_credit_note(
        invoice=goodwill,
        reason=CreditNoteReason.GOODWILL,
        reason_text="Verpackung beschädigt",
        amount=Decimal("5.00"),
        actor_label=ACTOR,
    )
    mark_overdue_invoices(today=today)
    _dun(reminded, levels=1, today=today)
    _dun(first_notice, levels=2, today=today)
    _dun(second_notice, levels=3, today=today)
    pause_dunning(invoice=disputed, reason="Kunde bestreitet die Lieferung, Rückfrage beim Versand", actor_label=ACTOR)

    booked = today - datetime.timedelta(days=1)
    result = import_bank_statement(
        data=_statement(
            [
                (booked, paid.total, paid.buyer_name, f"Rechnung {paid.number} Danke"),
                (booked, Decimal("17.50"), "Max Unbekannt", "Zahlung ohne Angabe"),
                (booked, Decimal("2.00"), "Beispielbank Berlin", "Zinsgutschrift"),
            ]
        ),
        filename=f"umsaetze-{booked:%Y-%m-%d}.csv",
    )
    interest = result.statement.lines.filter(state=BankLineState.UNMATCHED, amount=Decimal("2.00")).first()
    if interest is not None:
        ignore_bank_line(line_id=interest.pk, reason="Zinsen der Bank, keine Kundenzahlung")
    _say(stdout, f"billing: {Invoice.objects.count()} invoices, {DunningNotice.objects.count()} reminders")
