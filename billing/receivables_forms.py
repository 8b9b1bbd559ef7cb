"""Filters of the receivables list (the list adds the date ranges)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oms.parsing_fields import TextField


class ReceivablesFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200, strip=True)
    state = forms.ChoiceField(label=_("State"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    bucket = forms.ChoiceField(label=_("Days past due"), required=False)
    dunning = forms.ChoiceField(label=_("Dunning"), required=False)

    def __init__(
        self,
        *args: Any,
        states: list[tuple[str, Any]],
        channels: list[tuple[str, str]],
        buckets: list[tuple[str, Any]],
        dunning: list[tuple[str, Any]],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All open states")), *states]
        self.fields["channel"].choices = [("", _("All channels")), *channels]
        self.fields["bucket"].choices = [("", _("Any age")), *buckets]
        self.fields["dunning"].choices = [("", _("Any dunning")), *dunning]


class DunningPauseForm(forms.Form):
    """Why reminders stop for an invoice (a dispute, a payment plan): kept on the timeline."""

    reason = TextField(label=_("Reason"), max_length=255)
