"""Bank statements: import a CAMT.053 or CSV file, match its credits to orders and invoices, and
let support resolve what did not match.

``import_bank_statement`` (one transaction): a statement imported before (same fingerprint)
changes nothing; a line already imported from another statement (same account and line key) is
skipped. Each new credit is matched:

1. by the invoice numbers (``RE-2026-000001``) in its remittance information, then by the order
   numbers (``2026-000123``); a line naming several orders is left for support;
2. else by amount: the one open invoice still due exactly that amount, or the one unpaid order
   without invoice of exactly that total;

and books a capture of the whole credit on that order through ``record_payment`` (provider
``bank``, reference ``bank:<line>``, so nothing is booked twice). A partial payment leaves the
rest open; an over-payment shows on the order as money owed back (a refund goes out by bank
transfer). Debits are kept and not matched. ``assign_bank_line`` and ``ignore_bank_line`` are
support's answers for the lines that stayed unmatched.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.bank_formats import ParsedStatement, StatementParseError, parse_statement
from billing.error_codes import BillingErrorCode
from billing.exceptions import PaymentInputError
from billing.models import (
    OPEN_STATES,
    BankLineState,
    BankStatement,
    BankStatementLine,
    Invoice,
)
from billing.services import payment_timeline
from billing.services.payments import require_reason
from billing.services.settlement import settle_locked_order
from oms.exceptions import DomainError
from oms.texts import Spec, render, text
from orders import locks
from orders.models import Order, OrderState, PaymentState, PaymentTransaction, TransactionKind
from orders.selectors.money import order_money_summary
from orders.services.payments import record_payment

PROVIDER = "bank"
MAX_BYTES = 5 * 1024 * 1024
INVOICE_NUMBER = re.compile(r"(?<![A-Z0-9])RE[\s\-/]?(\d{4})[\s\-/]?(\d{6})(?!\d)")
ORDER_NUMBER = re.compile(r"(?<![\d-])(20\d{2})[\s\-/](\d{6})(?!\d)")


@dataclass(frozen=True)
class StatementImport:
    statement: BankStatement
    created: bool
    matched: int = 0
    unmatched: int = 0
    debits: int = 0
    known: int = 0  # lines imported before from another statement


@dataclass(frozen=True)
class _Match:
    order: Order
    invoice: Invoice | None
    how: Any  # a lazily translated description


class BankStatementError(PaymentInputError):
    """The file cannot be imported (nothing was)."""


def _fingerprint(parsed: ParsedStatement, sha: str) -> str:
    if parsed.statement_id:
        return f"{parsed.format}:{parsed.account_iban}:{parsed.statement_id}"[:120]
    return f"sha256:{sha}"


@transaction.atomic
def import_bank_statement(*, data: bytes, filename: str = "", user: Any = None) -> StatementImport:
    """Import the statement in ``data`` and match its credits. Raises ``BankStatementError``
    for a file that is too large or cannot be read (nothing is stored then)."""
    if len(data) > MAX_BYTES:
        raise BankStatementError(_("The file is larger than 5 MB."), field="file")
    try:
        parsed = parse_statement(data)
    except StatementParseError as exc:
        raise BankStatementError(str(exc), field="file") from None
    sha = hashlib.sha256(data).hexdigest()
    fingerprint = _fingerprint(parsed, sha)
    existing = BankStatement.objects.filter(fingerprint=fingerprint).first()
    if existing is not None:
        return StatementImport(existing, created=False)
    try:
        with transaction.atomic():
            statement = BankStatement.objects.create(
                fingerprint=fingerprint,
                format=parsed.format,
                account_iban=parsed.account_iban,
                statement_id=parsed.statement_id,
                filename=filename[:255],
                sha256=sha,
                imported_by=user if getattr(user, "is_authenticated", False) else None,
            )
    except IntegrityError:  # the same file imported at the same moment on another connection
        return StatementImport(BankStatement.objects.get(fingerprint=fingerprint), created=False)
    counts = {"matched": 0, "unmatched": 0, "debits": 0, "known": 0}
    seen: dict[str, int] = {}
    for parsed_line in parsed.lines:
        identity = parsed_line.key(0)
        occurrence = seen.get(identity, 0)
        seen[identity] = occurrence + 1
        key = parsed_line.key(occurrence)
        if BankStatementLine.objects.filter(account_iban=parsed.account_iban, line_key=key).exists():
            counts["known"] += 1
            continue
        line = BankStatementLine.objects.create(
            statement=statement,
            account_iban=parsed.account_iban,
            line_key=key,
            booking_date=parsed_line.booking_date,
            value_date=parsed_line.value_date,
            amount=parsed_line.amount,
            currency=parsed_line.currency,
            counterparty_name=parsed_line.counterparty_name,
            counterparty_iban=parsed_line.counterparty_iban,
            remittance=parsed_line.remittance,
            end_to_end_id=parsed_line.end_to_end_id,
            state=BankLineState.UNMATCHED if parsed_line.amount > 0 else BankLineState.DEBIT,
        )
        if line.amount <= 0:
            counts["debits"] += 1
        elif _match_and_book(line, actor_label="bank-import", user=user):
            counts["matched"] += 1
        else:
            counts["unmatched"] += 1
    return StatementImport(statement, created=True, **counts)


def _numbers(pattern: re.Pattern[str], text: str) -> list[str]:
    return list(dict.fromkeys(f"{m.group(1)}-{m.group(2)}" for m in pattern.finditer(text)))


def find_match(line: BankStatementLine) -> tuple[_Match | None, Any]:
    """The order (and invoice) ``line`` pays, or None and why not."""
    text = (line.remittance or "").upper()
    invoice_numbers = [f"RE-{n}" for n in _numbers(INVOICE_NUMBER, text)]
    if invoice_numbers:
        invoices = list(
            Invoice.objects.filter(number__in=invoice_numbers).select_related("order").order_by("issued_at", "pk")
        )
        orders = {inv.order_id for inv in invoices}
        if len(orders) == 1:
            invoice = next((i for i in invoices if i.state in OPEN_STATES), invoices[0])
            return _Match(invoice.order, invoice, gettext_lazy("invoice number in the reference")), ""
        if len(orders) > 1:
            return None, gettext_lazy("the reference names invoices of several orders")
    order_numbers = _numbers(ORDER_NUMBER, INVOICE_NUMBER.sub(" ", text))
    if order_numbers:
        orders = list(Order.objects.filter(number__in=order_numbers))
        if len(orders) == 1:
            return _Match(orders[0], None, gettext_lazy("order number in the reference")), ""
        if len(orders) > 1:
            return None, gettext_lazy("the reference names several orders")
    open_invoices = list(
        Invoice.objects.filter(state__in=OPEN_STATES, amount_due=line.amount, currency=line.currency)
        .select_related("order")
        .order_by("pk")[:2]
    )
    if len(open_invoices) == 1:
        return _Match(open_invoices[0].order, open_invoices[0], gettext_lazy("amount of the open invoice")), ""
    if len(open_invoices) > 1:
        return None, gettext_lazy("several open invoices have this amount")
    unpaid = list(
        Order.objects.filter(
            total=line.amount, currency=line.currency, payment_state=PaymentState.UNPAID, state=OrderState.PENDING
        )
        .filter(~Exists(Invoice.objects.filter(order=OuterRef("pk"))))
        .order_by("pk")[:2]
    )
    if len(unpaid) == 1:
        return _Match(unpaid[0], None, gettext_lazy("amount of the unpaid order")), ""
    if unpaid:
        return None, gettext_lazy("several unpaid orders have this amount")
    return None, gettext_lazy("no invoice or order number in the reference, and no open amount like it")


def _match_and_book(line: BankStatementLine, *, actor_label: str, user: Any) -> bool:
    match, why = find_match(line)
    if match is None:
        line.match_detail = str(why)[:255]
        line.save(update_fields=["match_detail"])
        return False
    try:
        with transaction.atomic():
            _book(line, match, state=BankLineState.MATCHED, actor_label=actor_label, user=user)
    except DomainError as exc:
        line.match_detail = exc.message[:255]
        line.save(update_fields=["match_detail"])
        return False
    return True


def _book(line: BankStatementLine, match: _Match, *, state: str, actor_label: str, user: Any) -> PaymentTransaction:
    order = locks.lock_order(order_id=match.order.pk)
    if order.currency != line.currency:
        raise PaymentInputError(
            _("The credit is in %(currency)s, order %(number)s in %(order_currency)s.")
            % {"currency": line.currency, "number": order.number, "order_currency": order.currency},
            code=BillingErrorCode.CURRENCY_MISMATCH,
        )
    if order.state == OrderState.CANCELLED:
        raise PaymentInputError(
            _("Order %(number)s is cancelled: pay the money back or assign it elsewhere.") % {"number": order.number}
        )
    owed = order_money_summary(order).owed
    tx = record_payment(
        order=order,
        kind=TransactionKind.CAPTURE,
        amount=line.amount,
        provider=PROVIDER,
        provider_reference=f"{PROVIDER}:{line.pk}",
        data={
            "source": PROVIDER,
            "bank_line_id": line.pk,
            "booking_date": line.booking_date.isoformat(),
            "invoice": match.invoice.number if match.invoice else "",
        },
        actor_label=actor_label,
        user=user,
    )
    settle_locked_order(order_id=order.pk)
    rest = owed - line.amount
    outcome: Spec | str = ""
    if rest > 0:
        outcome = text(
            gettext_lazy("Partial payment: %(rest)s %(currency)s still open."), rest=rest, currency=order.currency
        )
    elif rest < 0:
        outcome = text(
            gettext_lazy("Over-payment: %(extra)s %(currency)s to pay back."), extra=-rest, currency=order.currency
        )
    line.state = state
    line.order = order
    line.invoice = match.invoice
    line.transaction = tx
    line.match_detail = " ".join([str(match.how), render(outcome) if outcome else ""]).strip()[:255]
    line.save(update_fields=["state", "order", "invoice", "transaction", "match_detail"])
    payment_timeline.bank_transfer_received(
        order,
        amount=line.amount,
        booking_date=line.booking_date,
        counterparty=line.counterparty_name,
        remittance=line.remittance[:140],
        outcome=outcome,
        line_id=line.pk,
        actor_label=actor_label,
        user=user,
    )
    return tx


def _unmatched_line(line_id: int) -> BankStatementLine:
    line = BankStatementLine.objects.select_for_update().filter(pk=line_id).first()
    if line is None or line.state != BankLineState.UNMATCHED:
        raise PaymentInputError(_("This bank line has been resolved already."), field="line")
    return line


@transaction.atomic
def assign_bank_line(
    *, line_id: int, reference: str, note: str = "", actor_label: str = "system", user: Any = None
) -> BankStatementLine:
    """Book the unmatched credit ``line_id`` on the order or invoice ``reference`` names (its
    number). Refuses an unknown number, a resolved line, another currency, a cancelled order."""
    line = _unmatched_line(line_id)
    reference = (reference or "").strip().upper()
    invoice = Invoice.objects.filter(number=reference).select_related("order").first() if reference else None
    order = invoice.order if invoice else Order.objects.filter(number=reference).first() if reference else None
    if order is None:
        raise PaymentInputError(
            _("No order or invoice has the number “%(number)s”.") % {"number": reference[:30]}, field="reference"
        )
    line.resolved_by = user if getattr(user, "is_authenticated", False) else None
    line.resolved_at = timezone.now()
    line.resolution_note = (note or "").strip()[:255]
    line.save(update_fields=["resolved_by", "resolved_at", "resolution_note"])
    _book(
        line,
        _Match(order, invoice, gettext_lazy("assigned by hand")),
        state=BankLineState.RESOLVED,
        actor_label=actor_label,
        user=user,
    )
    return line


@transaction.atomic
def ignore_bank_line(*, line_id: int, reason: str, user: Any = None) -> BankStatementLine:
    """Leave the unmatched credit ``line_id`` unbooked, with the reason (not a customer's payment,
    paid back already ...)."""
    reason = require_reason(reason)
    line = _unmatched_line(line_id)
    line.state = BankLineState.IGNORED
    line.resolution_note = reason
    line.resolved_by = user if getattr(user, "is_authenticated", False) else None
    line.resolved_at = timezone.now()
    line.save(update_fields=["state", "resolution_note", "resolved_by", "resolved_at"])
    return line
