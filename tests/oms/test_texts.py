"""Texts written in one language and read in another (``oms.texts``)."""

from __future__ import annotations

import json
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext_lazy

from oms.texts import render, text


def test_a_spec_written_in_english_reads_in_german_and_back():
    with translation.override("en"):
        spec = text(gettext_lazy("On hold: %(reason)s"), reason="Adresse prüfen")
    stored = json.loads(json.dumps(spec))  # what a JSONField gives back
    with translation.override("de"):
        assert render(stored) == "Zurückgehalten: Adresse prüfen"
    with translation.override("en"):
        assert render(stored) == "On hold: Adresse prüfen"


def test_written_in_german_the_source_is_still_english():
    with translation.override("de"):
        spec = text(gettext_lazy("Hold released."))
    assert spec["source"] == "Hold released."


def test_choice_labels_are_translated_and_amounts_formatted_for_the_reader():
    from orders.models import TransactionKind

    spec = text(
        gettext_lazy("%(kind)s of %(amount)s %(currency)s recorded."),
        kind=TransactionKind.CAPTURE.label,
        amount=Decimal("1234.50"),
        currency="EUR",
    )
    with translation.override("de"):
        assert render(spec) == "Zahlungseinzug über 1234,50 EUR erfasst."
    with translation.override("en"):
        assert render(spec) == "Capture of 1234.50 EUR recorded."


def test_parts_join_and_typed_text_stays_as_typed():
    spec = [text(gettext_lazy("Hold released.")), "Kunde hat angerufen", ""]
    with translation.override("de"):
        assert render(spec) == "Sperre aufgehoben. Kunde hat angerufen"


def test_an_unknown_source_renders_as_written_and_nothing_renders_empty():
    assert render(text("Something only a later version knows: %(n)s", n=3)) == (
        "Something only a later version knows: 3"
    )
    assert render(None) == "" and render({}) == ""
