"""Every figure of the dashboard with its one-line definition, shown beside it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DEFINITIONS = {
    "orders": _("Orders placed in the range (by local day placed), cancelled ones left out."),
    "units": _("Units ordered in those orders, less the units cancelled."),
    "gross": _("Order totals including VAT and shipping, without gift cards sold; in euros."),
    "net": _("Gross revenue less the VAT on it."),
    "aov": _("Average order value: gross revenue divided by the orders."),
    "cancelled": _("Orders placed in the range and cancelled since."),
    "previous": _("The same number of days right before the range."),
    "channel_mix": _("Each channel's share of the orders placed in the range."),
    "top_products": _("Products by units ordered (not cancelled); revenue is the sum of their line totals."),
    "stages": _(
        "Time between the order's recorded steps: median (half the orders were faster) and 90th percentile "
        "(nine in ten were faster)."
    ),
    "lead_trend": _("Median time from placed to shipped, per period placed."),
    "on_time": _("Shipped orders with a promised ship day that left on or before that day."),
    "before_cutoff": _("Shipped orders that left before the warehouse's cut-off time on their promised day."),
    "at_risk": _("Open orders, not shipped yet, whose promised ship day is today or has passed (live)."),
    "states": _("Time orders spent in each state before moving on, from their timeline (entered in the range)."),
    "backlog": _("Open orders now, by state and by how long they have been in it."),
    "throughput": _("Orders whose last pick or whose shipping happened on each day."),
    "short": _("Units a picker could not find in the bin, in orders placed in the range."),
    "geography": _("Orders, revenue, median placed → shipped and return rate (units returned per unit shipped)."),
    "return_rate": _(
        "Units received back per unit shipped, of the orders placed in the range (rejected and cancelled "
        "requests bring nothing back)."
    ),
    "returns": _("Return requests of those orders, less the rejected and cancelled ones."),
    "refunded": _("Money paid back for those returns (refunds keyed to the return), in euros."),
    "refund_lead": _(
        "From the customer's declaration (the withdrawal, else the return request) to the first refund: "
        "median and 90th percentile."
    ),
    "return_products": _("Products by units returned, with the units shipped of them and the rate."),
    "return_categories": _("The same per product category."),
    "return_channels": _("The same per sales channel."),
    "return_reasons": _("Returns per reason given: requests, units asked back, their share, money paid back."),
    "rating": _("Average stars (1 to 5) customers gave the orders placed in the range, and how many rated."),
    "comments": _("The newest ratings with a comment."),
    "invoiced": _("Invoices issued with an invoice date in the range, gross, in euros."),
    "credited": _("Credit notes issued with a credit note date in the range, gross."),
    "paid": _("Money applied to invoices on the days of the range, refunds taken off."),
    "open_receivables": _("What issued invoices still ask for now, whatever the range; overdue: past the due date."),
    "ageing": _("The open amount now by days past the due date; each links to the receivables list."),
    "stock_outs": _("Products with nothing available now (on hand less reserved and blocked), per warehouse."),
    "low_stock": _(
        "Products with units available now, but no more than their reorder point (without a rule: 5), per warehouse."
    ),
    "cover": _(
        "Days the units available now last at the pace of the range: available units of the products ordered "
        "in it, divided by their units ordered per day."
    ),
    "slow_movers": _(
        "Products on hand now that were not ordered in the range, or whose units on hand last longer than "
        "%(days)s days at its pace."
    ),
    "turnover": _("Units shipped of the orders placed in the range, per unit on hand now."),
    "accuracy": _(
        "How close the stored demand forecasts came on the weeks they held back: 100 percent less the sum of the "
        "weekly absolute errors per unit demanded (WAPE)."
    ),
    "forecasts": _(
        "Each stored forecast's units per day beside the units ordered per day in the range, and its "
        "held-out weeks: demand, forecast and error."
    ),
    "open_pos": _("Purchase orders sent to suppliers and not fully received; overdue: expected before today."),
    "demand": _("Units ordered (not cancelled) in the orders placed in each period."),
}
