"""The receivables list (Offene Posten): every invoice with something still due, with its age
past the due date, filters (state, channel, due dates, ageing bucket), the open amount in total
and per bucket, and a CSV export for German Excel. Declared once with ``oms.lists``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from billing.panels import PAYMENT_ROLES
from billing.receivables_forms import ReceivablesFilterForm
from billing.receivables_selectors import (
    bucket_choices,
    bucket_label,
    days_past_due,
    open_items,
    state_choices,
)
from oms.lists import Column, CsvColumn, DateRange, ListDefinition, MoneyTotal, render_list
from oms.roles import role_required
from oms.spreadsheets import decimal_comma
from orders.selectors.channels import channel_choices


def _date(value: object) -> str:
    return value.strftime("%d.%m.%Y") if value else ""  # type: ignore[attr-defined]


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
        Column("total", _("Total"), sort="total", numeric=True),
        Column("open", _("Still due"), sort="amount_due", numeric=True),
    ],
    default_sort="due",
    filter_form=ReceivablesFilterForm,
    form_kwargs=lambda: {"states": state_choices(), "channels": channel_choices(), "buckets": bucket_choices()},
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
        CsvColumn(_("Total"), lambda i: decimal_comma(i.total)),
        CsvColumn(_("Paid"), lambda i: decimal_comma(i.amount_paid)),
        CsvColumn(_("Credited"), lambda i: decimal_comma(i.amount_credited)),
        CsvColumn(_("Still due"), lambda i: decimal_comma(i.amount_due)),
        CsvColumn(_("Currency"), lambda i: i.currency),
    ],
    csv_name="receivables",
    related=("order", "order__channel"),
    page_size=50,
    row_label=lambda invoice: invoice.number,
)


@role_required(*PAYMENT_ROLES)
@require_GET
def receivables_list(request: HttpRequest) -> HttpResponse:
    """Open items, oldest due date first."""
    return render_list(request, RECEIVABLES_LIST)
