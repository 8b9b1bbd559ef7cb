"""Input parsing for the replenishment screens."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.models import Warehouse
from oms.parsing_fields import QuantityField


class SuggestionFilterForm(forms.Form):
    q = forms.CharField(
        label=_("SKU or name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Search SKU or name")}),
    )
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none(), required=False)

    def __init__(self, *args: Any, warehouses: list[Warehouse], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(pk__in=[w.pk for w in warehouses])
        self.fields["warehouse"].empty_label = _("All warehouses")


class ShareField(forms.DecimalField):
    """A share such as a service level, shown and typed in the page's language (``0,95`` in
    German, ``0.95`` in English), without the trailing zeros the database keeps (``0.950``). A
    text input with a decimal keypad: ``type=number`` refuses the German comma in some browsers."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(localize=True, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal) and value.is_finite():
            value = value.normalize()
        return super().prepare_value(value)


class ReplenishmentRuleForm(forms.Form):
    """Min/max by hand: target level >= reorder point >= 0, service level 0.5-0.999."""

    reorder_point = QuantityField(
        label=_("Reorder point"),
        min_value=0,
        max_value=10_000_000,
        help_text=_("Order when available + inbound falls to this."),
    )
    target_level = QuantityField(
        label=_("Target level"), min_value=0, max_value=10_000_000, help_text=_("Order up to this many units.")
    )
    service_level = ShareField(
        label=_("Service level"),
        min_value=Decimal("0.5"),
        max_value=Decimal("0.999"),
        max_digits=4,
        decimal_places=3,
        initial=Decimal("0.95"),
        help_text=_("Share of cycles without a stock-out (0.5-0.999); sets the suggested safety stock."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        reorder_point, target = data.get("reorder_point"), data.get("target_level")
        if reorder_point is not None and target is not None and target < reorder_point:
            self.add_error("target_level", _("The target level must be at least the reorder point."))
        return data
