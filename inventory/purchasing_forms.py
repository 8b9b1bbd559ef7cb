"""Input parsing for the purchase order pages: the list's filters, a purchase order with its lines,
receiving on the detail page, and the choice of replenishment suggestions to order.

Forms check the shape (numbers, known SKUs, supplier and warehouse); the rules (what may change,
what may be sent, over-receipt) stay in ``inventory.services``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inventory.error_codes import InventoryErrorCode
from inventory.forms import WarehouseFormMixin, _bin_field, _resolve_bin, _warehouse_field
from inventory.models import Product, PurchaseOrderState, Supplier, Warehouse
from inventory.services.receiving import OrderLineInput
from oms import parsing
from oms.parsing_fields import AmountField, QuantityField, TextField

OPEN_FILTER = "open"
# How many empty line rows a purchase order form offers, and how many "More lines" adds.
BLANK_LINES = 3
MAX_LINES = 200


class SupplierChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Supplier) -> str:
        return obj.name


class PurchaseOrderFilterForm(WarehouseFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("PO number or supplier"), "autocomplete": "off"}),
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        initial=OPEN_FILTER,
        choices=[
            (OPEN_FILTER, _("Open (incl. partially received)")),
            ("", _("All states")),
            *[(value, label) for value, label in PurchaseOrderState.choices if value != PurchaseOrderState.OPEN],
        ],
    )
    supplier = SupplierChoiceField(
        label=_("Supplier"), required=False, queryset=Supplier.objects.order_by("name"), empty_label=_("All suppliers")
    )
    warehouse = _warehouse_field(_("Warehouse"), required=False)


class PurchaseOrderForm(WarehouseFormMixin, forms.Form):
    """The head of a purchase order: supplier, warehouse, expected date, note."""

    supplier = SupplierChoiceField(label=_("Supplier"), queryset=Supplier.objects.filter(active=True).order_by("name"))
    warehouse = _warehouse_field(_("Warehouse"))
    expected_date = forms.DateField(
        label=_("Expected delivery"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Shown to the warehouse as due on this day."),
    )
    note = TextField(kind=parsing.MULTILINE, label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args: Any, current_supplier: Supplier | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if current_supplier is not None and not current_supplier.active:
            # An order placed with a supplier since deactivated stays editable.
            self.fields["supplier"].queryset = Supplier.objects.filter(
                pk__in=[current_supplier.pk, *Supplier.objects.filter(active=True).values_list("pk", flat=True)]
            ).order_by("name")


class PurchaseOrderLineForm(forms.Form):
    """One line: a product by SKU (or GTIN), the quantity and the unit price. An empty row is left out."""

    sku = TextField(
        kind=parsing.IDENTIFIER,
        label=_("SKU"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "list": "po-products"}),
    )
    quantity = QuantityField(label=_("Quantity"), required=False, max_value=1_000_000)
    unit_cost = AmountField(label=_("Unit price"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        if data.get("sku") and not data.get("quantity"):
            self.add_error("quantity", _("Quantity: enter how many units to order."))
        elif not data.get("sku") and (data.get("quantity") or data.get("unit_cost") is not None):
            self.add_error("sku", _("SKU: enter the product of this line."))
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("sku") or data.get("quantity") or data.get("unit_cost") is not None)


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        rows = [form for form in self.forms if not form.is_blank]
        if not rows:
            raise ValidationError(
                _("Lines: enter at least one product and quantity."), code=InventoryErrorCode.EMPTY_PURCHASE_ORDER
            )
        skus = [form.cleaned_data["sku"] for form in rows]
        match = Q(gtin__in=[s for s in skus if s.isdigit()])
        for sku in skus:
            match |= Q(sku__iexact=sku)
        found = list(Product.objects.filter(match))
        products = {p.sku.lower(): p for p in found}
        gtins = {p.gtin: p for p in found if p.gtin}
        seen: dict[int, int] = {}
        for index, form in enumerate(rows):
            sku = form.cleaned_data["sku"]
            product = products.get(sku.lower()) or gtins.get(sku)
            if product is None:
                form.add_error("sku", _("SKU: no product has the code “%(code)s”.") % {"code": sku})
                continue
            if product.pk in seen:
                form.add_error("sku", _("SKU: %(sku)s is on the order twice; one line per product.") % {"sku": sku})
                continue
            seen[product.pk] = index
            form.cleaned_data["product"] = product

    def order_lines(self) -> list[OrderLineInput]:
        return [
            OrderLineInput(
                product_id=form.cleaned_data["product"].pk,
                quantity=form.cleaned_data["quantity"],
                unit_cost=form.cleaned_data.get("unit_cost"),
            )
            for form in self.forms
            if not form.is_blank
        ]


def line_formset(data: Any = None, *, initial: list[dict[str, Any]] | None = None, blank: int = BLANK_LINES) -> Any:
    """The line rows: the given lines and ``blank`` empty rows to add more."""
    formset_class = forms.formset_factory(
        PurchaseOrderLineForm,
        formset=BaseLineFormSet,
        extra=blank,
        max_num=MAX_LINES,
        validate_max=True,
        absolute_max=MAX_LINES,
    )
    return formset_class(data, initial=initial, prefix="lines")


class ReceiveLinesForm(forms.Form):
    """Receive on the purchase order page: per open line the units that arrived, one bin for all."""

    bin = _bin_field(_("Bin"))
    confirm_over_receipt = forms.BooleanField(
        label=_("Receive more than ordered"),
        required=False,
        help_text=_("Tick to accept units beyond the open quantity of a line."),
    )

    def __init__(self, *args: Any, lines: list[Any], warehouse: Warehouse, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warehouse = warehouse
        self.lines = lines
        for line in lines:
            self.fields[f"line_{line.pk}"] = QuantityField(
                label=_("Received of %(sku)s") % {"sku": line.product.sku},
                required=False,
                min_value=0,
                max_value=1_000_000,
            )

    def line_fields(self) -> list[tuple[Any, forms.BoundField]]:
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["warehouse"] = self.warehouse
        data["bin_location"] = _resolve_bin(self, warehouse_field="warehouse", bin_field="bin")
        if not self.errors and not any(data.get(f"line_{line.pk}") for line in self.lines):
            raise ValidationError(
                _("Enter the units that arrived on at least one line."), code=InventoryErrorCode.EMPTY_RECEIPT
            )
        return data

    def receipts(self) -> list[tuple[int, int]]:
        return [
            (line.pk, self.cleaned_data[f"line_{line.pk}"])
            for line in self.lines
            if self.cleaned_data.get(f"line_{line.pk}")
        ]


class SuggestionChoiceForm(forms.Form):
    """The replenishment suggestions ticked to order (their ids)."""

    ids = forms.Field(required=False)

    def clean_ids(self) -> list[int]:
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        ids = []
        for value in raw:
            if not (value.isascii() and value.isdigit() and len(value) <= 18):
                raise ValidationError(_("“%(value)s” is not a suggestion of this list.") % {"value": value[:40]})
            ids.append(int(value))
        if not ids:
            raise ValidationError(_("Tick at least one suggestion first."))
        if len(set(ids)) > 500:
            raise ValidationError(_("At most 500 suggestions at once."))
        return sorted(set(ids))
