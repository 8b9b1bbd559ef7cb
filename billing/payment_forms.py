"""Input of the payment forms on the order page: a payment entered by hand, and a refund."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.services.payments import ManualMethod
from oms.parsing import IDENTIFIER
from oms.parsing_fields import AmountField, TextField

CENT = Decimal("0.01")


class _TokenForm(forms.Form):
    """A hidden token, new for every form shown: the same form sent twice books once."""

    token = TextField(kind=IDENTIFIER, max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)


class ManualPaymentForm(_TokenForm):
    amount = AmountField(label=_("Amount"), min_value=CENT)
    method = forms.ChoiceField(label=_("Paid by"), choices=ManualMethod.choices)
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = TextField(label=_("Reason"), max_length=255)


class RefundForm(_TokenForm):
    amount = AmountField(
        label=_("Amount"), min_value=CENT, required=False, help_text=_("Leave empty to refund everything refundable.")
    )
    reason = TextField(label=_("Reason"), max_length=255)
