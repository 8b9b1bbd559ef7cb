"""Input parsing for the support desk pages (search, order actions, cases, phone orders, imports)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from oms.money import CURRENCY_CHOICES
from oms.parsing import IDENTIFIER, MAX_QUANTITY, MULTILINE
from oms.parsing_fields import AmountField, EmailField, QuantityField, TextField
from orders.countries import country_choices
from orders.services.editing import CATALOGUE_CURRENCY
from orders.services.phone_entry import MAX_SHIPPING

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_EDIT_QUANTITY = MAX_QUANTITY  # the intake service's limit per line


class OrderSearchForm(forms.Form):
    """The one search box of the support desk, plus state and channel filters (the list adds the dates)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200, strip=True)
    state = forms.ChoiceField(label=_("State"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)

    def __init__(self, *args: Any, states: list[tuple[str, Any]], channels: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All states")), *states]
        self.fields["channel"].choices = [("", _("All channels")), *channels]


class ReasonForm(forms.Form):
    """Hold and cancel need a reason that the timeline keeps."""

    reason = TextField(label=_("Reason"), max_length=255)


class OptionalReasonForm(forms.Form):
    """Releasing a hold may say why (kept on the timeline)."""

    reason = TextField(label=_("Reason"), max_length=255, required=False)


class NoteForm(forms.Form):
    text = TextField(label=_("Note"), kind=MULTILINE, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class CancelLinesForm(forms.Form):
    """A quantity to cancel per line (0 keeps the line) and the reason."""

    reason = TextField(label=_("Reason"), max_length=255)

    def __init__(self, *args: Any, lines: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"line_{line.pk}"] = QuantityField(
                label=_("Cancel quantity of %(sku)s") % {"sku": line.sku},
                min_value=0,
                max_value=max(line.quantity_open, 0),
                initial=0,
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not self.quantities():
            raise forms.ValidationError(_("Enter a quantity to cancel for at least one line."))
        return data

    def quantities(self) -> dict[int, int]:
        result = {}
        for line in self.lines:
            qty = self.cleaned_data.get(f"line_{line.pk}") or 0
            if qty:
                result[line.pk] = qty
        return result

    def line_fields(self) -> list[tuple[Any, forms.BoundField]]:
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]

    def typed_quantity(self, line: Any) -> Any:
        """What was typed for ``line`` (kept when the cancellation is refused), else 0."""
        name = f"line_{line.pk}"
        value = self[name].value() if name in self.fields else None
        return 0 if value in (None, "") else value


class EditLinesForm(forms.Form):
    """Change quantities before release (0 removes a line) and add a product by SKU."""

    add_sku = TextField(label=_("Add product (SKU)"), kind=IDENTIFIER, max_length=64, required=False)
    add_quantity = QuantityField(label=_("Quantity to add"), max_value=MAX_EDIT_QUANTITY, required=False, initial=1)

    def __init__(self, *args: Any, lines: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"qty_{line.pk}"] = QuantityField(
                label=_("New quantity of %(sku)s") % {"sku": line.sku},
                min_value=0,
                max_value=MAX_EDIT_QUANTITY,
                initial=line.quantity,
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not self.quantities() and not data.get("add_sku"):
            raise forms.ValidationError(_("Change a quantity or enter a product to add."))
        return data

    def quantities(self) -> dict[int, int]:
        """{line id: new quantity} for the lines whose quantity changed (an empty field keeps it)."""
        changed = {}
        for line in self.lines:
            value = self.cleaned_data.get(f"qty_{line.pk}")
            if value is not None and value != line.quantity:
                changed[line.pk] = value
        return changed

    def additions(self) -> list[tuple[str, int]]:
        sku = self.cleaned_data.get("add_sku") or ""
        return [(sku, self.cleaned_data.get("add_quantity") or 1)] if sku else []

    def changes(self) -> tuple[dict[int, int], list[tuple[str, int]]]:
        """(new quantities per line id, products to add); a product already on the order raises
        that line's quantity instead of becoming a second line."""
        quantities = self.quantities()
        additions = []
        for sku, quantity in self.additions():
            line = next((ln for ln in self.lines if ln.sku.lower() == sku.lower()), None)
            if line is None:
                additions.append((sku, quantity))
            else:
                quantities[line.pk] = quantities.get(line.pk, line.quantity) + quantity
        return quantities, additions

    def line_fields(self) -> list[tuple[Any, forms.BoundField]]:
        return [(line, self[f"qty_{line.pk}"]) for line in self.lines]


class CountryField(forms.ChoiceField):
    """A country chosen by its name in the reader's language; the value is the ISO code (``DE``).
    A code typed or posted in lower case (``de``) is the same country."""

    def __init__(self, **kwargs: Any):
        super().__init__(choices=country_choices, **kwargs)

    def to_python(self, value: Any) -> str:
        return super().to_python(value).strip().upper()


class AddressForm(forms.Form):
    """A postal address as the order keeps it."""

    name = TextField(label=_("Name"), max_length=200)
    company = TextField(label=_("Company"), max_length=200, required=False)
    street = TextField(label=_("Street and number"), max_length=200)
    line2 = TextField(label=_("Address line 2"), max_length=200, required=False)
    postcode = TextField(label=_("Postcode"), max_length=20)
    city = TextField(label=_("City"), max_length=100)
    country = CountryField(label=_("Country"))
    phone = TextField(label=_("Phone"), max_length=50, required=False)


# --- support cases ---------------------------------------------------------------------------------


class CaseForm(forms.Form):
    subject = TextField(label=_("Subject"), max_length=200)
    message = TextField(label=_("Message"), kind=MULTILINE, max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))


class CaseMessageForm(forms.Form):
    body = TextField(label=_("Reply"), kind=MULTILINE, max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))


class CaseQueueForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    def __init__(self, *args: Any, states: list[tuple[str, Any]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Open and waiting")), *states, ("all", _("All"))]


# --- phone orders ----------------------------------------------------------------------------------


class PhoneCustomerForm(forms.Form):
    """The caller: found by search (fields filled in) or typed in as a new customer."""

    email = EmailField(label=_("Customer e-mail"))
    customer_name = TextField(label=_("Customer name"), max_length=200)
    customer_phone = TextField(label=_("Customer phone"), max_length=50, required=False)


class PhoneOrderForm(forms.Form):
    """Header of a phone order; the lines come as parallel ``sku``/``quantity`` lists."""

    # Phone orders take the catalogue's prices, which are in euros: no other currency to offer.
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=[(code, name) for code, name in CURRENCY_CHOICES if code == CATALOGUE_CURRENCY],
        initial=CATALOGUE_CURRENCY,
    )
    payment_method = forms.ChoiceField(label=_("Payment method"))
    # Localized: a German agent types 4,90 (a text input with a decimal keypad, not type=number).
    shipping_amount = AmountField(label=_("Shipping"), max_value=MAX_SHIPPING, initial=Decimal("0.00"))

    def __init__(self, *args: Any, payment_methods: list[tuple[str, Any]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["payment_method"].choices = payment_methods


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        validators=[FileExtensionValidator(["csv", "txt"])],
        help_text=_("One row per order line; rows with the same external_id form one order."),
    )
    channel = forms.ChoiceField(label=_("Channel"))

    def __init__(self, *args: Any, channels: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = channels

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it into smaller files."))
        return upload


class ErasureConfirmForm(forms.Form):
    """The confirmation step of a GDPR erasure (``orders.views.privacy.customer_erase``)."""

    confirm = forms.BooleanField(
        label=_("I have checked the request: erase this customer's personal data now. This cannot be undone."),
        required=True,
    )
