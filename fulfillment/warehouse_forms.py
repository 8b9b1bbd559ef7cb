"""Input of the warehouse screens: building waves and pick lists, scanning while picking and
packing, short picks, packages, shipping. Forms check the shape of the input; the rules (what may
be picked, packed or shipped) stay in ``fulfillment.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from fulfillment.models import CarrierService, PackageType
from fulfillment.services.planning import MAX_WAVE_ORDERS
from inventory.models import Warehouse
from oms import parsing
from oms.parsing_fields import QuantityField, TextField
from oms.roles import Role

SCANNER_ATTRS = {
    "autocomplete": "off",
    "autocapitalize": "off",
    "spellcheck": "false",
    "autofocus": "",
    "data-autofocus": "",
    "data-scan-field": "",
    "class": "scanner-input",
}
# Barcodes are short: a GTIN has 14 digits, an SSCC 18, a bin or shipment reference a few dozen.
MAX_CODE_LENGTH = 64
# Scans kept on the pack screen between requests: never more than a parcel can hold.
MAX_SCANS = 2000
MAX_PACKAGES = 20
MAX_PACKAGE_GRAMS = 1_000_000


def pickers() -> QuerySet[Any]:
    """Who can be given a pick list: active users of the warehouse role (and admins)."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=[Role.WAREHOUSE, Role.ADMIN]) | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )


class PickerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.username


class CodeField(TextField):
    """What a keyboard-wedge scanner typed (a bin, GTIN, SKU, order or shipment number)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_CODE_LENGTH)
        kwargs.setdefault("widget", forms.TextInput(attrs=dict(SCANNER_ATTRS)))
        super().__init__(kind=parsing.IDENTIFIER, **kwargs)


class WaveForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.filter(active=True))
    carrier_service = forms.ModelChoiceField(
        label=_("Carrier service"),
        queryset=CarrierService.objects.filter(active=True, carrier__active=True).select_related("carrier"),
        required=False,
        empty_label=_("Any carrier"),
        help_text=_("Only orders this service can take (destination, weight)."),
    )
    cutoff = forms.DateTimeField(
        label=_("Allocated before"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: every allocated order."),
    )
    carrier_cutoff = forms.BooleanField(
        label=_("Before the carrier's pickup today"),
        required=False,
        help_text=_("Only orders allocated before the chosen service's carrier collects today."),
    )
    single_item = forms.BooleanField(label=_("Single-item orders only"), required=False)
    max_orders = QuantityField(label=_("Up to orders"), max_value=MAX_WAVE_ORDERS, initial=50)
    picker = PickerChoiceField(label=_("Picker"), queryset=pickers(), required=False, empty_label=_("Nobody yet"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["picker"].queryset = pickers()
        self.fields["max_orders"].widget.attrs.update({"min": 1, "max": MAX_WAVE_ORDERS})


class OrderPickListForm(forms.Form):
    order = CodeField(label=_("Order number"))
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.filter(active=True))
    picker = PickerChoiceField(label=_("Picker"), queryset=pickers(), required=False, empty_label=_("Nobody yet"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["picker"].queryset = pickers()
        # The order form is not the page's scanner input: the wave form comes first.
        for attr in ("autofocus", "data-autofocus", "data-scan-field"):
            self.fields["order"].widget.attrs.pop(attr, None)


class AssignPickerForm(forms.Form):
    picker = PickerChoiceField(label=_("Picker"), queryset=pickers())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["picker"].queryset = pickers()


class ScanForm(forms.Form):
    code = CodeField(label=_("Scan bin, GTIN or SKU"))


class ShortPickForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    quantity = QuantityField(label=_("Missing units"))


class FindShipmentForm(forms.Form):
    code = CodeField(label=_("Scan order, shipment or tote"))


class ShipForm(forms.Form):
    code = CodeField(label=_("Scan shipment or tracking number"))


def _clean_scans(values: list[str]) -> list[str]:
    if len(values) > MAX_SCANS:
        raise forms.ValidationError(_("Too many scans for one shipment."))
    scans = []
    for value in values:
        try:
            scans.append(parsing.text(value, kind=parsing.IDENTIFIER, max_length=MAX_CODE_LENGTH))
        except parsing.ParseError as exc:
            raise forms.ValidationError(exc.messages) from exc
    return [s for s in scans if s]


class PackScanForm(forms.Form):
    """One verification scan, with the codes scanned before it (kept in the page)."""

    code = CodeField(label=_("Scan every item"))

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.previous: list[str] = list(data.getlist("scan")) if data is not None else []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["scans"] = _clean_scans(self.previous)
        return cleaned


class PackageRow:
    """The fields of one package on the close form, named ``<name>-<n>``."""

    def __init__(self, form: PackForm, number: int) -> None:
        self.number = number
        self.package_type = form[f"package_type-{number}"]
        self.weight = form[f"weight-{number}"]
        self.items = [form[f"items-{number}-{line.pk}"] for line in form.lines] if form.several else []


class PackForm(forms.Form):
    """Close the shipment: the scans (kept in the page), and per package its box and weight; for
    several packages also how many units of each line went into it."""

    def __init__(self, data: Any = None, *, lines: list[Any], packages: int = 1, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.lines = lines
        self.scans_given: list[str] = list(data.getlist("scan")) if data is not None else []
        count = packages
        if data is not None:
            try:
                count = parsing.quantity(data.get("packages") or 1, maximum=MAX_PACKAGES)
            except parsing.ParseError:
                count = 1
        self.count = count
        self.several = count > 1
        types = PackageType.objects.filter(active=True)
        for n in range(1, count + 1):
            self.fields[f"package_type-{n}"] = forms.ModelChoiceField(
                label=_("Box"), queryset=types, empty_label=_("Choose a box")
            )
            self.fields[f"weight-{n}"] = QuantityField(
                label=_("Weight (g)"),
                max_value=MAX_PACKAGE_GRAMS,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": MAX_PACKAGE_GRAMS}),
            )
            if self.several:
                for line in lines:
                    self.fields[f"items-{n}-{line.pk}"] = QuantityField(
                        label=line.product.sku,
                        min_value=0,
                        max_value=line.quantity_picked,
                        required=False,
                        widget=forms.NumberInput(attrs={"min": 0, "max": line.quantity_picked}),
                    )

    @property
    def rows(self) -> list[PackageRow]:
        return [PackageRow(self, n) for n in range(1, self.count + 1)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["scans"] = _clean_scans(self.scans_given)
        return cleaned

    def packages(self) -> list[tuple[Any, int, dict[int, int]]]:
        """(box, grams, {shipment line id: units}) per package, from the cleaned data."""
        data = self.cleaned_data
        out = []
        for n in range(1, self.count + 1):
            items = {}
            if self.several:
                items = {line.pk: data.get(f"items-{n}-{line.pk}") or 0 for line in self.lines}
                items = {pk: units for pk, units in items.items() if units}
            out.append((data[f"package_type-{n}"], data[f"weight-{n}"], items))
        return out
