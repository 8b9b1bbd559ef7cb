"""Dunning: payment reminders for overdue invoices, at the levels and fees the settings give
(``BILLING_DUNNING_LEVELS``), each rendered as a PDF, mailed to the buyer and written on the
order's timeline; and pausing an invoice's dunning while a customer disputes it.

``send_due_reminders`` is what the daily beat task runs. It is safe to run twice or in two
workers at once: each invoice is decided under its order's lock, and a level is recorded once per
invoice (a unique constraint), so the second run finds the reminder sent and sends nothing.

When the next level is due: the invoice is open with something still due, its dunning is not
paused, it is at least the level's days past its due date, and the deadline the previous reminder
set (``pay_by``) has passed. One level per run: an invoice found long overdue gets the reminder
first, then the notices, each after the deadline of the one before.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing import locks as billing_locks
from billing.dunning_documents import request_reminder_pdf_and_mail
from billing.error_codes import BillingErrorCode
from billing.exceptions import DunningError
from billing.models import OPEN_STATES, DunningLevel, DunningNotice, DunningPause, Invoice
from billing.services.settlement import settle_locked_order
from oms.events import publish
from oms.money import ZERO, quantize
from oms.texts import text
from orders import locks
from orders.models import EventKind
from orders.services.timeline import record_event

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LevelRule:
    level: int
    days: int
    fee: Decimal

    @property
    def label(self) -> str:
        return str(DunningLevel(self.level).label)


def level_rules() -> list[LevelRule]:
    """The levels from the settings, in order (a level the model does not know is left out)."""
    rules = [
        LevelRule(int(r["level"]), int(r["days"]), quantize(Decimal(str(r["fee"]))))
        for r in settings.BILLING_DUNNING_LEVELS
        if int(r["level"]) in DunningLevel.values
    ]
    return sorted(rules, key=lambda r: r.level)


def _paused() -> Exists:
    return Exists(DunningPause.objects.filter(invoice=OuterRef("pk"), resumed_at__isnull=True))


def active_pause(invoice: Invoice) -> DunningPause | None:
    return DunningPause.objects.filter(invoice=invoice, resumed_at__isnull=True).first()


def next_level(invoice: Invoice, *, today: datetime.date, sent: list[DunningNotice]) -> LevelRule | None:
    """The level to send ``invoice`` on ``today``, given the reminders ``sent`` (None: nothing)."""
    if invoice.state not in OPEN_STATES or invoice.amount_due <= 0:
        return None
    last = max(sent, key=lambda n: n.level, default=None)
    rules = [r for r in level_rules() if last is None or r.level > last.level]
    if not rules:
        return None
    rule = rules[0]
    if (today - invoice.due_date).days < rule.days:
        return None
    if last is not None and today <= last.pay_by:
        return None
    return rule


def send_due_reminders(*, today: datetime.date | None = None) -> int:
    """Send every reminder due on ``today`` (each invoice in its own transaction). Returns how
    many were sent. An invoice that fails is logged and left for the next run."""
    today = today or timezone.localdate()
    rules = level_rules()
    if not rules:
        return 0
    latest_due = today - datetime.timedelta(days=rules[0].days)
    candidates = (
        Invoice.objects.filter(state__in=OPEN_STATES, amount_due__gt=0, due_date__lte=latest_due)
        .annotate(paused=_paused())
        .filter(paused=False)
        .order_by("due_date", "pk")
        .values_list("pk", flat=True)
    )
    sent = 0
    for invoice_id in list(candidates):
        try:
            sent += send_reminder_if_due(invoice_id=invoice_id, today=today) is not None
        except Exception:
            logger.exception("Payment reminder for invoice %s failed", invoice_id)
    return sent


@transaction.atomic
def send_reminder_if_due(*, invoice_id: int, today: datetime.date | None = None) -> DunningNotice | None:
    """Send the next reminder of one invoice if one is due (see the module docstring).

    Locks the order, then its invoices (and settles them, so a payment booked a moment ago counts);
    the reminder, its PDF and its mail are written in this transaction or not at all."""
    today = today or timezone.localdate()
    order_id = Invoice.objects.values_list("order_id", flat=True).get(pk=invoice_id)
    order = locks.lock_order(order_id=order_id)
    settle_locked_order(order_id=order_id, today=today)
    invoice = billing_locks.invoice_for_update(invoice_id=invoice_id)
    if active_pause(invoice) is not None:
        return None
    sent = list(invoice.dunning_notices.all())
    rule = next_level(invoice, today=today, sent=sent)
    if rule is None:
        return None
    fees_before = sum((n.fee for n in sent), ZERO)
    notice = DunningNotice.objects.create(
        invoice=invoice,
        level=rule.level,
        notice_date=today,
        pay_by=today + datetime.timedelta(days=settings.BILLING_DUNNING_PAY_WITHIN_DAYS),
        open_amount=invoice.amount_due,
        fee=rule.fee,
        fees_total=fees_before + rule.fee,
        currency=invoice.currency,
    )
    request_reminder_pdf_and_mail(notice, invoice=invoice, order=order)
    record_event(
        order,
        EventKind.INVOICE,
        text(
            gettext_lazy(
                "%(level)s for invoice %(number)s: %(open)s %(currency)s open, "
                "fee %(fee)s %(currency)s, pay by %(date)s"
            ),
            level=DunningLevel(rule.level).label,
            number=invoice.number,
            open=notice.open_amount,
            fee=notice.fee,
            currency=invoice.currency,
            date=notice.pay_by.isoformat(),
        ),
        data={"dunning_notice_id": notice.pk, "invoice_id": invoice.pk, "level": rule.level},
    )
    publish(
        "invoice.reminded",
        {"invoice_id": invoice.pk, "order_id": order.pk, "level": rule.level, "dunning_notice_id": notice.pk},
    )
    return notice


@transaction.atomic
def pause_dunning(*, invoice: Invoice, reason: str, user: Any = None, actor_label: str = "system") -> DunningPause:
    """Stop reminders for ``invoice`` until resumed (a dispute, a payment plan); on the timeline."""
    reason = (reason or "").strip()
    if not reason:
        raise DunningError(_("Say why dunning is paused."), field="reason", code=BillingErrorCode.REASON_REQUIRED)
    order = locks.lock_order(order_id=invoice.order_id)
    invoice = billing_locks.invoice_for_update(invoice_id=invoice.pk)
    if invoice.state not in OPEN_STATES:
        raise DunningError(
            _("Invoice %(number)s has nothing open to remind of.") % {"number": invoice.number}, field="invoice"
        )
    if active_pause(invoice) is not None:
        raise DunningError(_("Dunning of invoice %(number)s is paused already.") % {"number": invoice.number})
    pause = DunningPause.objects.create(invoice=invoice, reason=reason[:255], paused_by=_user(user))
    record_event(
        order,
        EventKind.INVOICE,
        text(gettext_lazy("Dunning of invoice %(number)s paused: %(reason)s"), number=invoice.number, reason=reason),
        data={"invoice_id": invoice.pk, "dunning_pause_id": pause.pk},
        actor_label=actor_label,
        user=user,
    )
    return pause


@transaction.atomic
def resume_dunning(*, invoice: Invoice, user: Any = None, actor_label: str = "system") -> DunningPause:
    """Let reminders for ``invoice`` go out again (from the next run on); on the timeline."""
    order = locks.lock_order(order_id=invoice.order_id)
    invoice = billing_locks.invoice_for_update(invoice_id=invoice.pk)
    pause = active_pause(invoice)
    if pause is None:
        raise DunningError(_("Dunning of invoice %(number)s is not paused.") % {"number": invoice.number})
    pause.resumed_at = timezone.now()
    pause.resumed_by = _user(user)
    pause.save(update_fields=["resumed_at", "resumed_by"])
    record_event(
        order,
        EventKind.INVOICE,
        text(gettext_lazy("Dunning of invoice %(number)s resumed."), number=invoice.number),
        data={"invoice_id": invoice.pk, "dunning_pause_id": pause.pk},
        actor_label=actor_label,
        user=user,
    )
    return pause


def _user(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) and user.pk else None
