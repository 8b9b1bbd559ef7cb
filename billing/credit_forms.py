"""Input of support's credit note screen: units per invoice line, shipping, a price correction or
goodwill amount, the reason and its words (printed on the credit note)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import CreditNoteReason, InvoiceLine
from oms.parsing import IDENTIFIER
from oms.parsing_fields import AmountField, QuantityField, TextField

# What support credits by hand; cancellations and returns are credited by their own flows.
SUPPORT_REASONS = [
    (CreditNoteReason.PRICE_CORRECTION.value, CreditNoteReason.PRICE_CORRECTION.label),
    (CreditNoteReason.GOODWILL.value, CreditNoteReason.GOODWILL.label),
    (CreditNoteReason.OTHER.value, CreditNoteReason.OTHER.label),
]


class CreditNoteForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=SUPPORT_REASONS)
    reason_text = TextField(
        label=_("Explanation"), max_length=255, help_text=_("Printed on the credit note, e.g. “Scratch on the lid”.")
    )
    amount = AmountField(
        label=_("Amount"),
        required=False,
        min_value=Decimal("0.01"),
        help_text=_("In the invoice's prices (gross or net), shared over its VAT rates."),
    )
    shipping = AmountField(label=_("Shipping to credit"), required=False, min_value=Decimal("0.01"))
    # A new token for every form shown: the same form sent twice credits once.
    token = TextField(kind=IDENTIFIER, max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, lines: list[InvoiceLine], units_left: dict[int, int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)
        self.lines = lines
        for line in lines:
            left = max(units_left.get(line.pk, 0), 0)
            line.units_left = left
            self.fields[f"line_{line.pk}"] = QuantityField(
                label=_("Units of %(name)s to credit") % {"name": line.name},
                min_value=0,
                max_value=left,
                required=False,
            )

    def line_fields(self) -> list[tuple[InvoiceLine, forms.BoundField]]:
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not (self.quantities() or data.get("amount") or data.get("shipping")):
            raise forms.ValidationError(_("Enter units, shipping or an amount to credit."))
        return data

    def quantities(self) -> dict[int, int]:
        return {line.pk: qty for line in self.lines if (qty := self.cleaned_data.get(f"line_{line.pk}") or 0)}
