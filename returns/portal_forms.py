"""Input parsing of the portal's withdrawal function (``/track/<token>/withdraw/``) and return
request (``/track/<token>/return/``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oms.parsing import IDENTIFIER, LINE, MULTILINE
from oms.parsing_fields import TextField
from returns.models import ReturnReason


class WithdrawalForm(forms.Form):
    """Step one: who withdraws, from which order, and (optionally) from which items. The
    confirmation step posts the same fields again, hidden, with its button."""

    name = TextField(
        label=_("Your name"), kind=LINE, max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    order_number = TextField(
        label=_("Order number"),
        kind=IDENTIFIER,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    items = forms.TypedMultipleChoiceField(
        label=_("Items (optional)"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose nothing to withdraw from the whole order."),
        error_messages={"invalid_choice": _("One of the chosen items cannot be withdrawn from.")},
    )

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = choices


class PortalReturnForm(forms.Form):
    """The portal's return request: how many units of each item that can go back (a field
    ``units_<order line id>`` each), the reason (in own words for "other") and a comment."""

    reason = forms.ChoiceField(label=_("Why are you sending it back?"))
    reason_text = TextField(label=_("In your own words"), kind=LINE, max_length=500, required=False)
    comment = TextField(
        label=_("Anything else we should know? (optional)"),
        kind=MULTILINE,
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, lines: list[tuple[int, str, int]], **kwargs: Any) -> None:
        """``lines``: (order line id, the item's name, units that can go back)."""
        super().__init__(*args, **kwargs)
        self.unit_fields: list[str] = []
        for line_id, name, units in lines:
            key = f"units_{line_id}"
            self.fields[key] = forms.IntegerField(
                label=name,
                min_value=0,
                max_value=units,
                initial=0,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                help_text=_("up to %(units)s") % {"units": units},
            )
            self.unit_fields.append(key)
        self.fields["reason"].choices = [("", _("Choose a reason"))] + [
            (value, label) for value, label in ReturnReason.choices if value != ReturnReason.WITHDRAWAL
        ]
        # Fields in the order the page shows them: the items first.
        self.order_fields([*self.unit_fields, "reason", "reason_text", "comment"])

    def unit_bound_fields(self) -> list[Any]:
        return [self[key] for key in self.unit_fields]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not any(cleaned.get(key) for key in self.unit_fields):
            raise forms.ValidationError(_("Choose at least one item to return."))
        return cleaned

    def quantities(self) -> dict[int, int]:
        return {
            int(key.removeprefix("units_")): self.cleaned_data[key]
            for key in self.unit_fields
            if self.cleaned_data.get(key)
        }
