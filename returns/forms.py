"""Input of the support return screens: a new return request (units per shipped line, reason,
comment, an override of the return policy with its reason) and the decisions on one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from oms.parsing import MULTILINE
from oms.parsing_fields import QuantityField, TextField
from returns.exceptions import ReturnError
from returns.models import ReturnReason
from returns.photos import ACCEPT_ATTRIBUTE, CheckedPhoto, check_photos, max_count


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.Field):
    """Optional photos (several files in one input), checked by their content
    (``returns.photos.check_photos``); cleans to a list of ``CheckedPhoto``."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photos (optional)"))
        super().__init__(**kwargs)
        self.already = 0
        self.widget.attrs.update({"accept": ACCEPT_ATTRIBUTE})

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "accept": ACCEPT_ATTRIBUTE}

    def to_python(self, data: Any) -> list[Any]:
        if data in (None, "", [], ()):
            return []
        files = list(data) if isinstance(data, (list, tuple)) else [data]
        if any(not hasattr(f, "read") or not hasattr(f, "name") for f in files):
            raise forms.ValidationError(_("Choose the photos as files."))
        return files

    def clean(self, data: Any, initial: Any = None) -> list[CheckedPhoto]:
        files = self.to_python(data)
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"])
        try:
            return check_photos(files, already=self.already)
        except ReturnError as exc:
            raise forms.ValidationError(exc.message) from exc

    def bound_data(self, data: Any, initial: Any) -> Any:
        return None  # a file input never shows what was posted

    def has_changed(self, initial: Any, data: Any) -> bool:
        return bool(data)


def photos_help() -> str:
    return _("JPEG, PNG or WebP, at most %(count)d, each up to %(mb)d MB.") % {
        "count": max_count(),
        "mb": max(int(settings.RETURNS_PHOTO_MAX_BYTES) // (1024 * 1024), 1),
    }


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
    photos = PhotosField()

    def __init__(self, *args: Any, lines: list[tuple[Any, int]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = photos_help()
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


class ExchangeForm(forms.Form):
    """Resolve a return by exchange: one replacement item per line, its SKU and (optionally, else
    one) the units, e.g. ``SHIRT-M 2``."""

    items = TextField(label=_("Replacement items (SKU and quantity, one per line)"), max_length=2000, kind=MULTILINE)

    def clean_items(self) -> dict[str, int]:
        wanted: dict[str, int] = {}
        for number, line in enumerate(self.cleaned_data["items"].splitlines(), start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) > 2 or (len(parts) == 2 and not parts[1].isdigit()):
                raise forms.ValidationError(
                    _("Line %(number)d: write the SKU and then the quantity, e.g. “SHIRT-M 2”."),
                    params={"number": number},
                )
            units = int(parts[1]) if len(parts) == 2 else 1
            if not 1 <= units <= 999:
                raise forms.ValidationError(
                    _("Line %(number)d: the quantity must be from 1 to 999."), params={"number": number}
                )
            wanted[parts[0]] = wanted.get(parts[0], 0) + units
        if not wanted:
            raise forms.ValidationError(_("Name at least one replacement item."))
        return wanted


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


class AddPhotosForm(forms.Form):
    """The portal: photos added to an open return request of the customer's order."""

    photos = PhotosField(required=True, label=_("Photos"), error_messages={"required": _("Choose at least one photo.")})

    def __init__(self, *args: Any, already: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"].already = already
        self.fields["photos"].help_text = photos_help()
