"""Input of support's claim screens: a claim against a shipment, its resolution, and the claim
against the carrier. Forms check the shape; the rules stay in ``returns.services.claims``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oms.parsing import MULTILINE
from oms.parsing_fields import QuantityField, TextField
from returns.models import CarrierClaimState, ClaimKind, ClaimResolution


class OpenClaimForm(forms.Form):
    """``line_<order line id>``: units of that line in the parcel the claim is about."""

    kind = forms.ChoiceField(label=_("What happened"), choices=[("", "—"), *ClaimKind.choices])
    description = TextField(
        label=_("Description"),
        kind=MULTILINE,
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, lines: list[tuple[Any, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line, claimable in lines:
            self.fields[f"line_{line.pk}"] = QuantityField(
                label=_("Units of %(sku)s") % {"sku": line.sku},
                min_value=0,
                max_value=max(claimable, 0),
                initial=0,
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not self.quantities():
            raise forms.ValidationError(_("Enter the units the claim is about."))
        return data

    def quantities(self) -> dict[int, int]:
        return {
            line.pk: self.cleaned_data[f"line_{line.pk}"]
            for line, _claimable in self.lines
            if self.cleaned_data.get(f"line_{line.pk}")
        }

    def line_fields(self) -> list[tuple[Any, int, forms.BoundField]]:
        return [(line, claimable, self[f"line_{line.pk}"]) for line, claimable in self.lines]


class ResolveClaimForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("Resolve with"), choices=[c for c in ClaimResolution.choices if c[0]], widget=forms.RadioSelect
    )


CARRIER_ACTIONS = [
    ("file", _("Filed with the carrier")),
    ("paid", _("The carrier paid")),
    ("reject", _("The carrier rejected it")),
]


class CarrierClaimForm(forms.Form):
    action = forms.ChoiceField(label=_("Claim against the carrier"), choices=CARRIER_ACTIONS)
    reference = TextField(label=_("Carrier's claim reference"), max_length=100, required=False)
    amount = forms.DecimalField(
        label=_("Amount paid"), required=False, min_value=0, max_value=10**9, max_digits=12, decimal_places=2
    )
    note = TextField(label=_("Carrier's answer"), max_length=500, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        action = data.get("action")
        if action == "file" and not data.get("reference"):
            self.add_error("reference", _("Enter the carrier's claim reference."))
        if action == "paid" and data.get("amount") is None:
            self.add_error("amount", _("Enter the amount the carrier paid."))
        if action == "reject" and not data.get("note"):
            self.add_error("note", _("Enter the carrier's answer."))
        return data


class ClaimListForm(forms.Form):
    carrier_state = forms.ChoiceField(
        label=_("Claim against the carrier"), required=False, choices=[("", _("All")), *CarrierClaimState.choices]
    )
    kind = forms.ChoiceField(label=_("What happened"), required=False, choices=[("", _("All")), *ClaimKind.choices])
    resolution = forms.ChoiceField(
        label=_("Resolution"),
        required=False,
        choices=[("", _("All")), ("open", _("Not resolved yet")), *[c for c in ClaimResolution.choices if c[0]]],
    )
