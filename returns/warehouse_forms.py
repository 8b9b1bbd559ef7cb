"""Input of the warehouse's return screens: finding the parcel, scanning its units, scrapping
damaged ones. Forms check the shape of the input; the rules stay in ``returns.services.receiving``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fulfillment.warehouse_forms import CodeField
from oms import parsing
from oms.parsing_fields import QuantityField, TextField
from returns.models import Condition

CONDITIONS = [(Condition.RESELLABLE, _("Resellable")), (Condition.DAMAGED, _("Damaged"))]


class FindReturnForm(forms.Form):
    code = CodeField(label=_("Scan the RMA number or the return label"))


class ReceiveScanForm(forms.Form):
    """One unit of the parcel: its condition and (resellable) the bin it goes into, then the scan.
    Condition and bin stay chosen for the next scan."""

    condition = forms.ChoiceField(
        label=_("Condition"), choices=CONDITIONS, initial=Condition.RESELLABLE, widget=forms.RadioSelect
    )
    bin = TextField(
        label=_("Bin for resellable items"),
        kind=parsing.IDENTIFIER,
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}),
    )
    code = CodeField(label=_("Scan every item (GTIN or SKU)"))


class ScrapForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    quantity = QuantityField(label=_("Units"), initial=1)
    reason = TextField(label=_("Why"), max_length=200)
