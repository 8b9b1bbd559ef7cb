"""Lists that work like the tools people know: one declaration per list screen gives it sortable
columns, filters with date ranges, the count of matches and totals, a CSV export of exactly what is
filtered (streamed, for German Excel), bulk actions and saved views per user, on keyset pages.

A list is a ``ListDefinition`` in the app's views (its selector stays in ``selectors``)::

    ORDER_LIST = ListDefinition(
        name="orders",                        # saved views are kept under this name
        element_id="order-table",             # the partial, its root element's id, the hx-target
        template="orders/order_list.html",
        url_name="orders:support-order-list",
        url_base="orders:support-order",      # -> support-order-export, -bulk, -view-save, -view-delete
        roles=(Role.SUPPORT,),
        columns=[
            Column("number", _("Order"), sort="number"),
            Column("date", _("Date"), sort="created_at", numeric=True),
            Column("customer", _("Customer")),            # shown, not sortable
            Column("total", _("Total"), sort="total", numeric=True),
        ],
        default_sort="-date",
        filter_form=OrderFilterForm,          # q, state, channel ... (a plain Django form)
        form_kwargs=lambda: {"channels": channel_choices()},
        source=orders_for_list,               # selector: keyword filters -> QuerySet
        date_ranges=[DateRange("placed", "created_at", _("Placed"))],  # -> placed_from, placed_to
        totals=[MoneyTotal(_("Total"), "total")],
        csv_columns=[CsvColumn(_("Order"), lambda o: o.number), ...],
        bulk_actions=[
            BulkAction("hold", _("Hold"), run=hold_one, form=ReasonForm, done=_("%(count)d orders held.")),
            BulkAction("print", _("Print"), page=print_orders),
        ],
        related=("customer", "channel"),
        row_label=lambda order: order.number,  # names a refused row in the result message
    )

    def order_list(request):                  # the page (role_required, require_GET)
        return render_list(request, ORDER_LIST)

    urlpatterns = [path("support/orders/", order_list, ...), *list_urls(ORDER_LIST, "support/orders/")]

The template renders ``list`` (a ``ListState``): the partial ``{{ list.element_id }}`` holds
``{% include "partials/list_toolbar.html" %}`` (saved views one click away, "save this view",
the export link) and a form posting to the bulk URL with ``partials/list_bulk.html`` (the action
bar), ``partials/list_summary.html`` (count, totals, problems with the parameters) and the table,
whose ``<thead>`` cells are ``partials/list_header.html`` (sort links with ``aria-sort``) and
whose rows carry ``<input type="checkbox" name="ids" value="{{ row.pk }}">``.

What it guarantees:
- Sorting is keyset paging over the sort column and the primary key (``oms.paging``): a deep page
  costs what the first costs, in every sort. A sort column is never NULL (``Coalesce`` it in the
  selector) and wants an index ``(column, id)`` on a large table.
- Parameters are validated: a filter that does not parse, an unknown sort, a range whose end lies
  before its start are named in a message and ignored; never an error page.
- The count stops at ``COUNT_LIMIT`` ("more than 10,000 matches"); totals are summed below it.
- The export streams every match in the list's sort through ``oms.spreadsheets.csv_lines``
  (semicolons, BOM, formulas defused); with a parameter it cannot read it exports nothing.
- A bulk action runs its service once per row, each call its own transaction; a refused row
  (``DomainError``) changes nothing and is named in the result message with the others' count.
- Saved views belong to one user and one list (``oms.models.SavedView``).
"""

from oms.lists.definition import (
    COUNT_LIMIT,
    BulkAction,
    Column,
    CsvColumn,
    DateRange,
    ListDefinition,
    ListState,
    MoneyTotal,
    QuantityTotal,
    Selection,
)
from oms.lists.views import list_urls, render_list

__all__ = [
    "COUNT_LIMIT",
    "BulkAction",
    "Column",
    "CsvColumn",
    "DateRange",
    "ListDefinition",
    "ListState",
    "MoneyTotal",
    "QuantityTotal",
    "Selection",
    "list_urls",
    "render_list",
]
