"""Support's returns queue (/support/returns/): what waits for a decision and what must be
refunded soon, on the shared list machinery (``oms.lists``): filters by state, reason, channel
and creation date, sortable, counted, exported as CSV."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from oms.lists import Column, CsvColumn, DateRange, ListDefinition, MoneyTotal, render_list
from oms.roles import role_required
from oms.spreadsheets import decimal_comma
from orders.selectors.channels import channel_choices
from returns.forms import ReturnQueueForm
from returns.models import ReturnState
from returns.panels import SUPPORT_ROLES
from returns.selectors import refund_due_on, return_queue


def _due(rma: object) -> str:
    due = refund_due_on(rma)  # type: ignore[arg-type]
    return due.strftime("%d.%m.%Y") if due else ""


RETURN_LIST = ListDefinition(
    name="returns",
    element_id="return-table",
    template="returns/return_list.html",
    url_name="returns:support-return-list",
    url_base="returns:support-return",
    roles=SUPPORT_ROLES,
    columns=[
        Column("number", gettext_lazy("RMA number"), sort="number"),
        Column("order", gettext_lazy("Order")),
        Column("customer", gettext_lazy("Customer")),
        Column("channel", gettext_lazy("Channel")),
        Column("state", gettext_lazy("State")),
        Column("reason", gettext_lazy("Reason")),
        Column("value", gettext_lazy("Value"), sort="value", numeric=True),
        Column("created", gettext_lazy("Requested"), sort="created_at", numeric=True),
        Column("due", gettext_lazy("Refund")),
    ],
    # Oldest first: the request waiting longest, and the refund due soonest, on top.
    default_sort="created",
    filter_form=ReturnQueueForm,
    form_kwargs=lambda: {"states": list(ReturnState.choices), "channels": channel_choices()},
    source=return_queue,
    date_ranges=[DateRange("created", "created_at", gettext_lazy("Requested"))],
    totals=[MoneyTotal(gettext_lazy("Value"), "value")],
    csv_columns=[
        CsvColumn(gettext_lazy("RMA number"), lambda r: r.number),
        CsvColumn(gettext_lazy("Order"), lambda r: r.order.number),
        CsvColumn(gettext_lazy("Customer"), lambda r: r.order.email),
        CsvColumn(gettext_lazy("Channel"), lambda r: r.order.channel.name),
        CsvColumn(gettext_lazy("State"), lambda r: r.get_state_display()),
        CsvColumn(gettext_lazy("Reason"), lambda r: r.get_reason_display()),
        CsvColumn(gettext_lazy("Value"), lambda r: decimal_comma(r.value)),
        CsvColumn(gettext_lazy("Currency"), lambda r: r.currency),
        CsvColumn(gettext_lazy("Requested"), lambda r: timezone.localtime(r.created_at).strftime("%d.%m.%Y %H:%M")),
        CsvColumn(gettext_lazy("Refund due by"), _due),
    ],
    csv_name="returns",
    related=("order", "order__channel"),
    page_size=25,
    row_label=lambda r: r.number,
)


@role_required(*SUPPORT_ROLES)
@require_GET
def return_list(request: HttpRequest) -> HttpResponse:
    """The queue: requests waiting for approval and open ones whose refund is due soon, oldest first."""
    return render_list(request, RETURN_LIST)
