"""Input parsing of the customer portal (``/track/``): the lookup, a message, a rating."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from oms.parsing import IDENTIFIER, MULTILINE
from oms.parsing_fields import TextField
from orders.models import RATING_COMMENT_MAX_LENGTH
from orders.selectors.portal import MAX_NUMBER_LENGTH

MAX_SECRET_LENGTH = 254  # the longest e-mail address


class LookupForm(forms.Form):
    number = TextField(
        label=_("Order number"),
        kind=IDENTIFIER,
        max_length=MAX_NUMBER_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "2026-000123"}),
    )
    secret = TextField(
        label=_("E-mail address or postcode"),
        kind=IDENTIFIER,
        max_length=MAX_SECRET_LENGTH,
        help_text=_("The e-mail address you ordered with, or the postcode of the delivery or billing address."),
        widget=forms.TextInput(attrs={"autocomplete": "email", "spellcheck": "false", "inputmode": "email"}),
    )


TOPICS = {
    "where": _("Where is my parcel?"),
    "change": _("Change or cancel my order"),
    "item": _("A problem with an item"),
    "other": _("Something else"),
}


def _message_field(label: Any) -> TextField:
    limit = settings.PORTAL_MESSAGE_MAX_LENGTH
    return TextField(
        label=label,
        kind=MULTILINE,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "max_length": _(
                "Your message is too long: please keep it to %(limit_value)d characters (it has %(show_value)d)."
            )
        },
    )


class CaseForm(forms.Form):
    topic = forms.ChoiceField(label=_("What is it about?"), choices=list(TOPICS.items()))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["message"] = _message_field(_("Your message"))


class CaseMessageForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"] = _message_field(_("Your answer"))


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("How happy are you with your order?"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = TextField(
        label=_("Comment (optional)"),
        kind=MULTILINE,
        required=False,
        max_length=RATING_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": _(
                "Your comment is too long: please keep it to %(limit_value)d characters (it has %(show_value)d)."
            )
        },
    )
