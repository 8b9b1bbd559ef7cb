"""Input of the tracking pages: a CSV upload, and one event entered by hand."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from fulfillment.models import TRACKED_STATES, ExceptionReason, ShipmentState
from fulfillment.services.tracking_imports import MAX_BYTES
from oms import parsing
from oms.parsing import ParseError


class TrackingUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        validators=[FileExtensionValidator(["csv", "txt"])],
        help_text=_("One row per event: tracking_number, status, occurred_at, and reason for exceptions."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it into smaller files."))
        return upload


class TrackingEntryForm(forms.Form):
    state = forms.ChoiceField(
        label=_("What happened"), choices=[(s.value, s.label) for s in ShipmentState if s in TRACKED_STATES]
    )
    occurred_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    reason = forms.ChoiceField(
        label=_("Reason (exceptions)"), choices=[("", "—"), *ExceptionReason.choices], required=False
    )
    location = forms.CharField(label=_("Where"), max_length=100, required=False)
    description = forms.CharField(label=_("Note"), max_length=255, required=False)

    def _text(self, name: str, limit: int) -> str:
        try:
            return parsing.text(self.cleaned_data.get(name, ""), max_length=limit)
        except ParseError as exc:
            raise forms.ValidationError(exc.messages) from exc

    def clean_location(self) -> str:
        return self._text("location", 100)

    def clean_description(self) -> str:
        return self._text("description", 255)
