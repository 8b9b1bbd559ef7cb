"""The receivables list (Offene Posten): every invoice with something still due, with its age
past the due date, filters (state, channel, due dates, ageing bucket), the open amount in total
and per bucket, and a CSV export for German Excel. Declared once with ``oms.lists``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from billing.models import Invoice
from billing.panels import PAYMENT_ROLES
from billing.receivables_forms import DunningPauseForm, ReceivablesFilterForm
from billing.receivables_selectors import (
    bucket_choices,
    bucket_label,
    days_past_due,
    dunning_choices,
    open_items,
    state_choices,
)
from billing.services.dunning import pause_dunning, resume_dunning
from billing.templatetags.billing import dunning_level_label
from oms.lists import BulkAction, Column, CsvColumn, DateRange, ListDefinition, MoneyTotal, render_list
from oms.roles import role_required
from oms.spreadsheets import decimal_comma
from orders.selectors.channels import channel_choices


def _date(value: object) -> str:
    return value.strftime("%d.%m.%Y") if value else ""  # type: ignore[attr-defined]


def _dunning_text(invoice: Invoice) -> str:
    label = dunning_level_label(invoice.dunning_level)
    if invoice.dunning_paused:
        return f"{label} ({_('paused')})" if label else str(_("paused"))
    return label


def _agent(user: Any) -> str:
    return f"support:{user.get_username()}"


def _pause(invoice: Invoice, *, user: Any, data: dict[str, Any]) -> None:
    pause_dunning(invoice=invoice, reason=data["reason"], user=user, actor_label=_agent(user))


def _resume(invoice: Invoice, *, user: Any, data: dict[str, Any]) -> None:
    resume_dunning(invoice=invoice, user=user, actor_label=_agent(user))


RECEIVABLES_LIST = ListDefinition(
    name="receivables",
    element_id="receivables-table",
    template="billing/receivables.html",
    url_name="billing:support-receivables",
    url_base="billing:support-receivables",
    roles=PAYMENT_ROLES,
    columns=[
        Column("number", _("Invoice"), sort="number"),
        Column("order", _("Order")),
        Column("customer", _("Customer")),
        Column("channel", _("Channel")),
        Column("invoice_date", _("Invoice date"), sort="invoice_date", numeric=True),
        Column("due", _("Due date"), sort="due_date", numeric=True),
        Column("age", _("Days past due")),
        Column("state", _("State")),
        Column("dunning", _("Dunning")),
        Column("total", _("Total"), sort="total", numeric=True),
        Column("open", _("Still due"), sort="amount_due", numeric=True),
    ],
    default_sort="due",
    filter_form=ReceivablesFilterForm,
    form_kwargs=lambda: {
        "states": state_choices(),
        "channels": channel_choices(),
        "buckets": bucket_choices(),
        "dunning": dunning_choices(),
    },
    source=open_items,
    date_ranges=[DateRange("due", "due_date", _("Due"))],
    totals=[
        MoneyTotal(_("Still due"), "amount_due"),
        *(MoneyTotal(label, f"open_{code}") for code, label in bucket_choices()),
    ],
    csv_columns=[
        CsvColumn(_("Invoice"), lambda i: i.number),
        CsvColumn(_("Invoice date"), lambda i: _date(i.invoice_date)),
        CsvColumn(_("Due date"), lambda i: _date(i.due_date)),
        CsvColumn(_("Days past due"), lambda i: max(days_past_due(i), 0)),
        CsvColumn(_("Age"), lambda i: str(bucket_label(i))),
        CsvColumn(_("Order"), lambda i: i.order.number),
        CsvColumn(_("Channel"), lambda i: i.order.channel.name),
        CsvColumn(_("Customer"), lambda i: i.buyer_company or i.buyer_name),
        CsvColumn(_("E-mail"), lambda i: i.buyer_email),
        CsvColumn(_("State"), lambda i: i.get_state_display()),
        CsvColumn(_("Dunning"), _dunning_text),
        CsvColumn(_("Total"), lambda i: decimal_comma(i.total)),
        CsvColumn(_("Paid"), lambda i: decimal_comma(i.amount_paid)),
        CsvColumn(_("Credited"), lambda i: decimal_comma(i.amount_credited)),
        CsvColumn(_("Still due"), lambda i: decimal_comma(i.amount_due)),
        CsvColumn(_("Currency"), lambda i: i.currency),
    ],
    csv_name="receivables",
    bulk_actions=[
        BulkAction(
            "pause_dunning",
            _("Pause dunning"),
            run=_pause,
            form=DunningPauseForm,
            done=_("Dunning of %(count)d invoices paused."),
        ),
        BulkAction(
            "resume_dunning", _("Resume dunning"), run=_resume, done=_("Dunning of %(count)d invoices resumed.")
        ),
    ],
    related=("order", "order__channel"),
    page_size=50,
    row_label=lambda invoice: invoice.number,
)


@role_required(*PAYMENT_ROLES)
@require_GET
def receivables_list(request: HttpRequest) -> HttpResponse:
    """Open items, oldest due date first; dunning paused or resumed for the chosen ones."""
    return render_list(request, RECEIVABLES_LIST)
