"""Input parsing for the inventory screens: stock filters, adjustment/transfer/count, receiving, CSV upload.

Forms check the shape of the input (numbers, known warehouse and bin, reason given) and name the
field in every message; the business rules (enough stock, not over-received) stay in the services,
whose errors ``add_domain_error`` attaches to the field they are about.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from inventory.models import BinLocation, MovementKind, Warehouse
from oms import parsing
from oms.exceptions import DomainError
from oms.parsing_fields import QuantityField, TextField

SCANNER_ATTRS = {"autocomplete": "off", "data-autofocus": "", "autofocus": "", "class": "scanner-input"}


# --- errors from services -----------------------------------------------------------------------

# Which form field a domain error is about, when the error does not say it itself (data["field"]).
_ERROR_FIELDS = {
    "invalid_quantity": "quantity",
    "insufficient_stock": "quantity",
    "insufficient_bin_stock": "quantity",
    "insufficient_reservation": "quantity",
    "reason_required": "reason",
    "bin_not_in_warehouse": "bin",
    "unknown_product": "code",
    "over_receipt": "confirm_over_receipt",
    "count_below_reserved": "counted_quantity",
    "same_location": "to_bin",
}
# Service argument names that differ from the form field names.
_FIELD_ALIASES = {"counted": "counted_quantity", "product": "code"}


def add_domain_error(form: forms.Form, error: DomainError, *, aliases: dict[str, str] | None = None) -> None:
    """Attach ``error``'s message to the form field it concerns (or to the form as a whole)."""
    name = (error.data or {}).get("field") or _ERROR_FIELDS.get(error.code)
    name = {**_FIELD_ALIASES, **(aliases or {})}.get(name, name)
    form.add_error(name if name in form.fields else None, error.message)


# --- shared field helpers -----------------------------------------------------------------------


class WarehouseChoiceField(forms.ChoiceField):
    """A warehouse picked from a list the view read once (``WarehouseFormMixin``): a page with four
    forms costs one warehouse query, not four. Cleans to the ``Warehouse`` (or None when empty)."""

    def __init__(self, *, empty_label: Any, **kwargs: Any) -> None:
        self.empty_label = empty_label
        self.by_pk: dict[str, Warehouse] = {}
        super().__init__(**kwargs)

    def set_warehouses(self, warehouses: list[Warehouse]) -> None:
        self.by_pk = {str(w.pk): w for w in warehouses}
        self.choices = [("", self.empty_label)] + [(str(w.pk), f"{w.code} · {w.name}") for w in warehouses]

    def clean(self, value: Any) -> Warehouse | None:
        value = super().clean(value)
        return self.by_pk.get(str(value)) if value not in self.empty_values else None

    def prepare_value(self, value: Any) -> Any:
        return value.pk if isinstance(value, Warehouse) else value


def _warehouse_field(label: Any, *, required: bool = True) -> WarehouseChoiceField:
    return WarehouseChoiceField(
        label=label, required=required, empty_label=_("— choose —") if required else _("All warehouses")
    )


class WarehouseFormMixin:
    """Fills every ``WarehouseChoiceField`` from ``warehouses`` (active ones, read here when not given)."""

    def __init__(self, *args: Any, warehouses: list[Warehouse] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if warehouses is None:
            warehouses = list(Warehouse.objects.filter(active=True).order_by("priority", "code"))
        for field in self.fields.values():
            if isinstance(field, WarehouseChoiceField):
                field.set_warehouses(warehouses)


def _bin_field(label: Any) -> forms.CharField:
    return TextField(
        kind=parsing.IDENTIFIER,
        label=label,
        required=False,
        max_length=30,
        help_text=_("Bin code, e.g. A-01-03; leave empty for stock without a bin."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "A-01-03"}),
    )


def _resolve_bin(form: forms.Form, *, warehouse_field: str, bin_field: str) -> BinLocation | None:
    """Turn the typed bin code into a BinLocation of the chosen warehouse, or add an error to ``bin_field``."""
    code = (form.cleaned_data.get(bin_field) or "").strip().upper()
    warehouse = form.cleaned_data.get(warehouse_field)
    if not code or warehouse is None:
        return None
    bin_location = BinLocation.objects.filter(warehouse=warehouse, code=code, active=True).first()
    if bin_location is None:
        form.add_error(
            bin_field,
            _("There is no bin “%(bin)s” in warehouse %(warehouse)s.") % {"bin": code, "warehouse": warehouse.code},
        )
    return bin_location


# --- filters ------------------------------------------------------------------------------------


class StockFilterForm(WarehouseFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(
            attrs={"placeholder": _("SKU, name or GTIN"), "autocomplete": "off", "autofocus": True}
        ),
    )
    warehouse = _warehouse_field(_("Warehouse"), required=False)
    low = forms.BooleanField(label=_("Low stock"), required=False)
    out = forms.BooleanField(label=_("Out of stock"), required=False)


class LedgerFilterForm(WarehouseFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *MovementKind.choices])
    warehouse = _warehouse_field(_("Warehouse"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("“To” must not be before “From”."))
        return data


# --- stock changes ------------------------------------------------------------------------------


class AdjustmentForm(WarehouseFormMixin, forms.Form):
    """Change on hand by a signed quantity (found units +, damaged or lost units -), with a reason."""

    prefix = "adjust"

    warehouse = _warehouse_field(_("Warehouse"))
    bin = _bin_field(_("Bin"))
    quantity = QuantityField(
        label=_("Quantity change"),
        help_text=_("Positive adds units, negative removes them."),
        min_value=-1_000_000,
        max_value=1_000_000,
    )
    reason = TextField(label=_("Reason"), max_length=255)

    def clean_quantity(self) -> int:
        quantity = self.cleaned_data["quantity"]
        if quantity == 0:
            raise ValidationError(_("Quantity change: enter a number other than 0."), code="zero")
        return quantity

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Reason: please say why the stock changes."), code="required")
        return reason

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["bin_location"] = _resolve_bin(self, warehouse_field="warehouse", bin_field="bin")
        return data


class TransferForm(WarehouseFormMixin, forms.Form):
    """Move units between bins of one warehouse or between warehouses."""

    prefix = "transfer"

    from_warehouse = _warehouse_field(_("From warehouse"))
    from_bin = _bin_field(_("From bin"))
    to_warehouse = _warehouse_field(_("To warehouse"))
    to_bin = _bin_field(_("To bin"))
    quantity = QuantityField(label=_("Quantity"), max_value=1_000_000)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["from_bin_location"] = _resolve_bin(self, warehouse_field="from_warehouse", bin_field="from_bin")
        data["to_bin_location"] = _resolve_bin(self, warehouse_field="to_warehouse", bin_field="to_bin")
        if (
            not self.errors
            and data.get("from_warehouse") == data.get("to_warehouse")
            and data.get("from_bin_location") == data.get("to_bin_location")
        ):
            self.add_error(
                "to_bin",
                _("To bin: the destination is the same as the source; choose another bin or warehouse."),
            )
        return data


class CountForm(WarehouseFormMixin, forms.Form):
    """A cycle count: the counted quantity replaces on hand (the difference is booked as a count)."""

    prefix = "count"

    warehouse = _warehouse_field(_("Warehouse"))
    bin = _bin_field(_("Bin"))
    counted_quantity = QuantityField(label=_("Counted quantity"), min_value=0, max_value=10_000_000)
    reason = TextField(label=_("Note"), max_length=255, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["bin_location"] = _resolve_bin(self, warehouse_field="warehouse", bin_field="bin")
        return data


# --- receiving ----------------------------------------------------------------------------------


class PurchaseOrderPickForm(forms.Form):
    po = TextField(
        kind=parsing.IDENTIFIER,
        label=_("Purchase order"),
        max_length=30,
        help_text=_("Scan or type the PO number, or pick one from the list."),
        widget=forms.TextInput(attrs={**SCANNER_ATTRS, "list": "open-po-numbers"}),
    )


class ReceiveLineForm(forms.Form):
    """One scanned line of a delivery: product code, quantity, bin; over-receipt needs the checkbox."""

    prefix = "receive"

    code = TextField(
        kind=parsing.IDENTIFIER,
        label=_("SKU or GTIN"),
        max_length=64,
        widget=forms.TextInput(attrs={**SCANNER_ATTRS, "inputmode": "text"}),
    )
    quantity = QuantityField(
        label=_("Quantity"), max_value=1_000_000, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    bin = _bin_field(_("Bin"))
    confirm_over_receipt = forms.BooleanField(
        label=_("Receive more than ordered"),
        required=False,
        help_text=_("Tick to accept units beyond the open quantity of the line."),
    )

    def __init__(self, *args: Any, warehouse: Warehouse | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warehouse = warehouse

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.warehouse is not None:
            data["warehouse"] = self.warehouse
            data["bin_location"] = _resolve_bin(self, warehouse_field="warehouse", bin_field="bin")
        return data


class ReceiveAllForm(forms.Form):
    """Receive every open quantity of a PO at once (the delivery is complete), optionally into one bin."""

    prefix = "all"

    bin = _bin_field(_("Bin for all lines"))

    def __init__(self, *args: Any, warehouse: Warehouse, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warehouse = warehouse

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["warehouse"] = self.warehouse
        data["bin_location"] = _resolve_bin(self, warehouse_field="warehouse", bin_field="bin")
        return data


# --- CSV ----------------------------------------------------------------------------------------


class CsvImportForm(forms.Form):
    KIND_CHOICES = [("products", _("Products")), ("stock", _("Stock levels"))]
    MAX_BYTES = 20 * 1024 * 1024

    kind = forms.ChoiceField(label=_("What the file contains"), choices=KIND_CHOICES)
    file = forms.FileField(label=_("CSV file"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError(_("CSV file: the file is larger than 20 MB."), code="too_big")
        if upload.size == 0:
            raise ValidationError(_("CSV file: the file is empty."), code="empty")
        return upload
