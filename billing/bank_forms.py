"""Input of the bank screen: a statement upload, and support's answer for an unmatched credit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from billing.services.bank_statements import MAX_BYTES
from oms.parsing import IDENTIFIER
from oms.parsing_fields import TextField


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Bank statement"),
        validators=[FileExtensionValidator(["xml", "csv", "txt"])],
        help_text=_("CAMT.053 (XML) or your bank's CSV export, at most 5 MB."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class AssignLineForm(forms.Form):
    reference = TextField(label=_("Order or invoice number"), kind=IDENTIFIER, max_length=30)
    note = TextField(label=_("Note"), max_length=255, required=False)


class IgnoreLineForm(forms.Form):
    reason = TextField(label=_("Why it is not booked"), max_length=255)
