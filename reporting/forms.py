"""The dashboard's filters and the drill-down list's filters. Choices come from the data (the
channels, warehouses and countries that exist); a value not among them is named and ignored."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.datev import DatevExportError, check_period
from orders.models import OrderState
from returns.models import ReturnReason

GRAINS = [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))]

# What a drill-down shows: the orders behind one number of the dashboard.
MEASURES = [
    ("", _("All orders placed")),
    ("orders", _("Orders (not cancelled)")),
    ("cancelled", _("Cancelled orders")),
    ("shipped", _("Shipped orders")),
    ("late", _("Shipped after the promised day")),
    ("after_cutoff", _("Shipped after the cut-off")),
    ("at_risk", _("Open, due to ship today or overdue")),
    ("overdue", _("Open, promised ship day passed")),
    ("short", _("With units picked short")),
    ("backlog", _("Open now, in the chosen state")),
    ("returned", _("With a return")),
    ("rated", _("Rated by the customer")),
    ("low_rated", _("Rated 1 or 2 stars")),
]
AGES = [
    ("", _("Any age")),
    ("lt4h", _("under 4 hours")),
    ("4h1d", _("4 to 24 hours")),
    ("1d3d", _("1 to 3 days")),
    ("gt3d", _("over 3 days")),
]
AGE_BOUNDS: dict[str, tuple[datetime.timedelta | None, datetime.timedelta | None]] = {
    "lt4h": (None, datetime.timedelta(hours=4)),
    "4h1d": (datetime.timedelta(hours=4), datetime.timedelta(days=1)),
    "1d3d": (datetime.timedelta(days=1), datetime.timedelta(days=3)),
    "gt3d": (datetime.timedelta(days=3), None),
}


def _with_all(choices: Sequence[tuple[str, str]], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class ReportFilterForm(forms.Form):
    """The dashboard's filters: a range of days placed, channel, warehouse, country, grain."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    warehouse = forms.ChoiceField(label=_("Warehouse"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    grain = forms.ChoiceField(label=_("Per"), choices=GRAINS, required=False)

    def __init__(
        self,
        *args: Any,
        channels: Sequence[tuple[str, str]] = (),
        warehouses: Sequence[tuple[str, str]] = (),
        countries: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = _with_all(channels, _("All channels"))
        self.fields["warehouse"].choices = _with_all(warehouses, _("All warehouses"))
        self.fields["country"].choices = _with_all(countries, _("All countries"))


class ReportOrderFilterForm(forms.Form):
    """The drill-down list's filters (the placed range is added by the list)."""

    measure = forms.ChoiceField(label=_("Orders"), choices=MEASURES, required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    warehouse = forms.ChoiceField(label=_("Warehouse"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    age = forms.ChoiceField(label=_("In the state for"), choices=AGES, required=False)
    sku = forms.CharField(label=_("SKU"), required=False, max_length=64)
    reason = forms.ChoiceField(label=_("Return reason"), required=False)

    def __init__(
        self,
        *args: Any,
        channels: Sequence[tuple[str, str]] = (),
        warehouses: Sequence[tuple[str, str]] = (),
        countries: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = _with_all(channels, _("All channels"))
        self.fields["warehouse"].choices = _with_all(warehouses, _("All warehouses"))
        self.fields["country"].choices = _with_all(countries, _("All countries"))
        self.fields["state"].choices = _with_all(list(OrderState.choices), _("Any state"))
        self.fields["reason"].choices = _with_all(list(ReturnReason.choices), _("Any reason"))


class AccountingPeriodForm(forms.Form):
    """The period of an accounting export (``?from=2026-12-01&to=2026-12-31``, both days included):
    one DATEV batch covers days of one fiscal year."""

    to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start is not None and end is not None:
            try:
                check_period(start, end)
            except DatevExportError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return data


# "from" is a Python keyword: the field is added by name, first.
AccountingPeriodForm.base_fields = {
    "from": forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")),
    **AccountingPeriodForm.base_fields,
}
