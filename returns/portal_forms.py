"""Input parsing of the portal's withdrawal function (``/track/<token>/withdraw/``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oms.parsing import IDENTIFIER, LINE
from oms.parsing_fields import TextField


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
