"""Open items (Offene Posten): the issued invoices with something still due, their age past the
due date in buckets, and the sums a receivables list shows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import OPEN_STATES, DunningLevel, DunningNotice, DunningPause, Invoice, InvoiceState
from oms.money import ZERO


@dataclass(frozen=True)
class AgeingBucket:
    """Days past the due date, both ends inclusive (``last`` None: open-ended)."""

    code: str
    label: Any
    first: int
    last: int | None

    def due_dates(self, today: datetime.date) -> Q:
        """The due dates whose age on ``today`` falls into the bucket (index-friendly bounds)."""
        q = Q(due_date__lte=today - datetime.timedelta(days=self.first))
        if self.last is not None:
            q &= Q(due_date__gte=today - datetime.timedelta(days=self.last))
        return q

    def holds(self, days_past_due: int) -> bool:
        return days_past_due >= self.first and (self.last is None or days_past_due <= self.last)


NOT_DUE = "not_due"
# Not due yet (a negative age) is a bucket of its own; from the due date on the usual four.
BUCKETS = (
    AgeingBucket("0_30", _("0-30 days"), 0, 30),
    AgeingBucket("31_60", _("31-60 days"), 31, 60),
    AgeingBucket("61_90", _("61-90 days"), 61, 90),
    AgeingBucket("over_90", _("over 90 days"), 91, None),
)
BUCKET_BY_CODE = {b.code: b for b in BUCKETS}


def bucket_choices() -> list[tuple[str, Any]]:
    return [(NOT_DUE, _("not yet due")), *((b.code, b.label) for b in BUCKETS)]


def state_choices() -> list[tuple[str, Any]]:
    return [(state.value, state.label) for state in InvoiceState if state in OPEN_STATES]


def days_past_due(invoice: Invoice, today: datetime.date | None = None) -> int:
    """Days since the due date (negative: not due yet)."""
    return ((today or timezone.localdate()) - invoice.due_date).days


def bucket_label(invoice: Invoice, today: datetime.date | None = None) -> Any:
    days = days_past_due(invoice, today)
    if days < 0:
        return dict(bucket_choices())[NOT_DUE]
    return next(b.label for b in BUCKETS if b.holds(days))


def _bucket_q(code: str, today: datetime.date) -> Q:
    if code == NOT_DUE:
        return Q(due_date__gt=today)
    return BUCKET_BY_CODE[code].due_dates(today)


NO_REMINDER = "none"
PAUSED = "paused"


def dunning_choices() -> list[tuple[str, Any]]:
    return [
        (NO_REMINDER, _("no reminder yet")),
        *((str(level.value), level.label) for level in DunningLevel),
        (PAUSED, _("dunning paused")),
    ]


def with_dunning(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Annotated with the last reminder level sent (0: none) and whether dunning is paused."""
    last = DunningNotice.objects.filter(invoice=OuterRef("pk")).order_by("-level").values("level")[:1]
    return qs.annotate(
        dunning_level=Coalesce(Subquery(last), Value(0)),
        dunning_paused=Exists(DunningPause.objects.filter(invoice=OuterRef("pk"), resumed_at__isnull=True)),
    )


def open_items(
    *,
    q: str = "",
    state: str = "",
    channel: str = "",
    bucket: str = "",
    dunning: str = "",
    today: datetime.date | None = None,
    **_: Any,
) -> QuerySet[Invoice]:
    """Issued invoices with something due, filtered; annotated with the open amount per ageing
    bucket (``open_<code>``), so a list sums each bucket in one query per bucket, and with their
    dunning (``with_dunning``)."""
    today = today or timezone.localdate()
    qs = with_dunning(Invoice.objects.filter(state__in=OPEN_STATES, amount_due__gt=0))
    if dunning == PAUSED:
        qs = qs.filter(dunning_paused=True)
    elif dunning == NO_REMINDER:
        qs = qs.filter(dunning_level=0)
    elif dunning in {str(v) for v in DunningLevel.values}:
        qs = qs.filter(dunning_level=int(dunning))
    if state and state in OPEN_STATES:
        qs = qs.filter(state=state)
    if channel:
        qs = qs.filter(order__channel__code=channel)
    if bucket and (bucket == NOT_DUE or bucket in BUCKET_BY_CODE):
        qs = qs.filter(_bucket_q(bucket, today))
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(number__iexact=q)
            | Q(order__number__iexact=q)
            | Q(buyer_name__icontains=q)
            | Q(buyer_company__icontains=q)
            | Q(buyer_email__iexact=q)
        )
    money = DecimalField(max_digits=12, decimal_places=2)
    buckets = {
        f"open_{code}": Case(
            When(_bucket_q(code, today), then=F("amount_due")), default=Value(ZERO), output_field=money
        )
        for code, _label in bucket_choices()
    }
    return qs.annotate(**buckets)


def invoice_dunning(invoice: Invoice) -> dict[str, Any]:
    """The reminders sent for ``invoice`` (with PDF and mail) and its pauses, newest pause first."""
    notices = list(invoice.dunning_notices.select_related("document", "mail").order_by("level"))
    pauses = list(invoice.dunning_pauses.select_related("paused_by", "resumed_by").order_by("-paused_at", "-pk"))
    return {
        "notices": notices,
        "pauses": pauses,
        "paused": next((p for p in pauses if p.resumed_at is None), None),
    }
