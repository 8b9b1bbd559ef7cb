"""Input of the support return screens: a new return request (units per shipped line, reason,
comment, an override of the return policy with its reason) and the decisions on one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oms.parsing import MULTILINE
from oms.parsing_fields import QuantityField, TextField
from returns.models import ReturnReason


class CreateReturnForm(forms.Form):
    """``line_<order line id>``: units to return, 0 to ``returnable`` of that line."""

    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *ReturnReason.choices])
    reason_text = TextField(
        label=_("Reason in the customer's words"),
        max_length=500,
        required=False,
        help_text=_("Required for “Other”."),
    )
    comment = TextField(
        label=_("Comment"), kind=MULTILINE, max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    override_reason = TextField(
        label=_("Accept outside the return policy because"),
        max_length=500,
        required=False,
        help_text=_("Only when the return window has ended or a product is excluded from withdrawal."),
    )

    def __init__(self, *args: Any, lines: list[tuple[Any, int]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line, returnable in lines:
            self.fields[f"line_{line.pk}"] = QuantityField(
                label=_("Units of %(sku)s to return") % {"sku": line.sku},
                min_value=0,
                max_value=max(returnable, 0),
                initial=0,
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("reason") == ReturnReason.OTHER and not data.get("reason_text"):
            self.add_error("reason_text", _("Describe the reason in your own words."))
        if not self.errors and not self.quantities():
            raise forms.ValidationError(_("Enter the units to return for at least one item."))
        return data

    def quantities(self) -> dict[int, int]:
        return {
            line.pk: self.cleaned_data[f"line_{line.pk}"]
            for line, _returnable in self.lines
            if self.cleaned_data.get(f"line_{line.pk}")
        }

    def line_fields(self) -> list[tuple[Any, int, forms.BoundField]]:
        return [(line, returnable, self[f"line_{line.pk}"]) for line, returnable in self.lines]


class ApproveForm(forms.Form):
    reason = TextField(label=_("Note (optional)"), max_length=500, required=False)


class ReasonForm(forms.Form):
    """Rejecting or cancelling a request: the reason goes on the order's timeline."""

    reason = TextField(label=_("Reason"), max_length=500)


class ReturnQueueForm(forms.Form):
    """The support returns queue's filters (the list adds the date range)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200, strip=True)
    state = forms.ChoiceField(label=_("State"), required=False)
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)

    def __init__(self, *args: Any, states: list[tuple[str, Any]], channels: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("Needs attention")), *states, ("all", _("All"))]
        self.fields["reason"].choices = [("", _("All reasons")), *ReturnReason.choices]
        self.fields["channel"].choices = [("", _("All channels")), *channels]
