"""The one input-parsing module: what every entry point accepts, refuses and cleans."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.utils import translation
from rest_framework import serializers

from oms import parsing
from oms.parsing import ParseError
from oms.parsing_fields import (
    AmountField,
    AmountSerializerField,
    EmailField,
    EmailSerializerField,
    QuantityField,
    QuantitySerializerField,
    TextField,
    TextSerializerField,
)

NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)


def _code(call, *args, **kwargs) -> str:
    with pytest.raises(ParseError) as excinfo:
        call(*args, **kwargs)
    return excinfo.value.code


# --- text -------------------------------------------------------------------------------------------


def test_text_is_nfc_normalised_and_stripped():
    assert parsing.text("  Mu\u0308ller ") == "Müller"


@pytest.mark.parametrize("kind", list(parsing.Kind))
def test_text_refuses_nul_in_every_kind(kind):
    assert _code(parsing.text, "Anna\x00", kind=kind) == "null_character"


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069"])
@pytest.mark.parametrize("kind", list(parsing.Kind))
def test_text_refuses_bidi_overrides_and_isolates_in_every_kind(char, kind):
    assert _code(parsing.text, f"Anna {char}reklaw", kind=kind) == "bidi_control"


@pytest.mark.parametrize("char", ["\x01", "\x08", "\x1b", "\x7f", "\x9b"])
@pytest.mark.parametrize("kind", list(parsing.Kind))
def test_text_refuses_other_control_characters(char, kind):
    assert _code(parsing.text, f"Anna{char}Schmidt", kind=kind) == "control_character"


def test_one_line_text_turns_tabs_and_line_breaks_into_spaces():
    assert parsing.text("Hauptstr.\t1\r\nHinterhaus") == "Hauptstr. 1  Hinterhaus"


def test_multiline_text_keeps_line_breaks_as_lf_and_tabs():
    assert parsing.text("Bitte\r\nklingeln\u2028\tzweimal", kind=parsing.MULTILINE) == "Bitte\nklingeln\n\tzweimal"


def test_identifier_refuses_line_breaks():
    assert _code(parsing.text, "SKU\n1", kind=parsing.IDENTIFIER) == "control_character"


@pytest.mark.parametrize("char", ["\u200b", "\u2060", "\ufeff", "\u00ad", "\u200c", "\u200d", "\u200e", "\u200f"])
def test_one_line_text_removes_zero_width_characters_and_marks(char):
    assert parsing.text(f"An{char}na") == "Anna"
    assert parsing.text(f"SKU{char}-1", kind=parsing.IDENTIFIER) == "SKU-1"


def test_free_text_keeps_emoji_joiners_and_direction_marks_but_not_zero_width_spaces():
    family = "\U0001f469\u200d\U0001f4bb"
    shalom = "\u05e9\u05dc\u05d5\u05dd"
    cleaned = parsing.text(f"Danke {family}\u200b \u200f{shalom}", kind=parsing.MULTILINE)
    assert cleaned == f"Danke {family} \u200f{shalom}"


def test_lone_surrogates_become_the_replacement_character():
    assert parsing.text("Anna\ud800") == "Anna\ufffd"
    assert parsing.text("Anna\ud800").encode("utf-8")


def test_length_is_counted_after_normalisation_and_a_required_text_needs_content():
    assert parsing.text("e\u0301" * 5, max_length=5) == "é" * 5
    assert _code(parsing.text, "abcdef", max_length=5) == "max_length"
    assert _code(parsing.text, " \u200b ", required=True) == "required"


def test_clean_text_removes_what_text_refuses_and_says_so():
    cleaned = parsing.clean_text("Anna\u202e\x00 Schmidt\ud800\x1b", max_length=200)
    assert cleaned.text == "Anna Schmidt\ufffd"
    assert cleaned.changes == {"bidi", "nul", "surrogate", "control"}
    assert parsing.clean_text("Anna").changed is False
    assert parsing.clean_text("x" * 10, max_length=4) == parsing.CleanedText("xxxx", frozenset({"truncated"}))


def test_search_text_never_refuses():
    assert parsing.search_text("2026\x00-0001\u202e") == "2026-0001"


def test_a_parse_error_message_is_translated_when_shown():
    with pytest.raises(ParseError) as excinfo:
        parsing.text("a\x00")
    with translation.override("de"):
        assert str(excinfo.value) == "Nullzeichen sind nicht erlaubt."
    with translation.override("en"):
        assert str(excinfo.value) == "Null characters are not allowed."


# --- amounts and quantities ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("19.99", "19.99"), (19.99, "19.99"), (5, "5.00"), (Decimal("0.1"), "0.10"), (" 7.5 ", "7.50")],
)
def test_amount_takes_strings_numbers_and_decimals(value, expected):
    assert parsing.amount(value) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1e308", "amount_too_large"),
        (1e308, "amount_too_large"),
        ("NaN", "invalid_amount"),
        (float("nan"), "invalid_amount"),
        ("Infinity", "invalid_amount"),
        ("-Infinity", "invalid_amount"),
        ("1e999999999", "amount_too_large"),
        ("abc", "invalid_amount"),
        (True, "invalid_amount"),
        (None, "invalid_amount"),
        ("-0.01", "negative_amount"),
        ("1.001", "too_many_decimals"),
        ("10000000000", "amount_too_large"),
        ("1\x00", "null_character"),
    ],
)
def test_amount_refuses_impossible_values_with_a_message(value, code):
    assert _code(parsing.amount, value) == code


def test_localized_amount_reads_german_spreadsheets_and_refuses_ambiguous_ones():
    assert parsing.amount("1.299,00 €", localized=True) == Decimal("1299.00")
    assert parsing.amount("4,90", localized=True) == Decimal("4.90")
    assert _code(parsing.amount, "1.299", localized=True) == "ambiguous_amount"


def test_an_amount_may_be_negative_only_when_asked():
    assert parsing.amount("-5", minimum=None) == Decimal("-5.00")
    assert _code(parsing.amount, "-1e12", minimum=None) == "amount_too_large"


@pytest.mark.parametrize(("value", "expected"), [(3, 3), ("3", 3), (" 12 ", 12), (2.0, 2), (Decimal("4"), 4)])
def test_quantity_takes_whole_numbers(value, expected):
    assert parsing.quantity(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (0, "quantity_too_small"),
        ("-2", "quantity_too_small"),
        (2.5, "invalid_quantity"),
        ("2.5", "invalid_quantity"),
        ("1e3", "invalid_quantity"),
        ("2 Stück", "invalid_quantity"),
        (True, "invalid_quantity"),
        (float("nan"), "invalid_quantity"),
        (float("inf"), "invalid_quantity"),
        (100_001, "quantity_too_large"),
        ("99999999999999999999", "invalid_quantity"),
    ],
)
def test_quantity_refuses_what_is_not_a_positive_whole_number(value, code):
    assert _code(parsing.quantity, value) == code


def test_is_quantity_checks_a_value_that_is_already_a_number():
    assert parsing.is_quantity(3) and parsing.is_quantity(0, minimum=0)
    assert not parsing.is_quantity(True) and not parsing.is_quantity(0) and not parsing.is_quantity("3")
    assert not parsing.is_quantity(2.0) and not parsing.is_quantity(11, maximum=10)
    assert parsing.is_whole_number(-3) and not parsing.is_whole_number(False)


def test_quantity_zero_is_allowed_where_it_means_something():
    assert parsing.quantity("0", minimum=0) == 0


# --- e-mail ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["jörg.müller@example.de", "elias.müller.318@example.com", "用户@例子.中国", "a+tag@müller.de", "x@[127.0.0.1]"],
)
def test_internationalised_email_addresses_are_accepted(address):
    assert parsing.email(address) == address


def test_email_is_nfc_normalised():
    assert parsing.email("jo\u0308rg@example.de") == "jörg@example.de"


@pytest.mark.parametrize(
    "address",
    [
        "no-at-sign",
        "@example.de",
        "jörg@",
        "jörg müller@example.de",
        "a..b@example.de",
        ".a@example.de",
        '"quoted"@example.de',
        "ä" * 33 + "@example.de",
        "a@-example.de",
        "a@example",
        "jörg\u202e@example.de",
    ],
)
def test_invalid_email_addresses_are_refused(address):
    with pytest.raises(ParseError):
        parsing.email(address)


# --- placed_at -------------------------------------------------------------------------------------


def test_placed_at_accepts_a_recent_past_and_a_small_skew_and_answers_in_utc():
    berlin = datetime.timezone(datetime.timedelta(hours=2))
    assert parsing.placed_at(datetime.datetime(2026, 6, 15, 14, 0, tzinfo=berlin), now=NOW) == NOW
    assert parsing.placed_at(NOW + datetime.timedelta(minutes=10), now=NOW) == NOW + datetime.timedelta(minutes=10)
    assert parsing.placed_at(NOW - datetime.timedelta(days=300), now=NOW)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC), "placed_too_long_ago"),
        (datetime.datetime(1, 1, 1, tzinfo=datetime.UTC), "placed_too_long_ago"),
        (datetime.datetime(1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=1))), "datetime_out_of_range"),
        (datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC), "placed_in_future"),
        (NOW + datetime.timedelta(hours=1), "placed_in_future"),
        (NOW.replace(tzinfo=None), "invalid_datetime"),
        ("2026-06-15T12:00:00Z", "invalid_datetime"),
    ],
)
def test_placed_at_refuses_implausible_dates(value, code):
    assert _code(parsing.placed_at, value, now=NOW) == code


# --- form and serializer fields --------------------------------------------------------------------


class _Form(forms.Form):
    name = TextField(max_length=5)
    email = EmailField()
    quantity = QuantityField()
    amount = AmountField()


def test_form_fields_parse_through_the_module():
    form = _Form({"name": " An\u200bna ", "email": "jörg.müller@example.de", "quantity": "2", "amount": "4,90"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "name": "Anna",
        "email": "jörg.müller@example.de",
        "quantity": 2,
        "amount": Decimal("4.90"),
    }
    assert 'type="email"' not in str(form["email"])


def test_form_fields_show_the_module_s_errors():
    form = _Form({"name": "A\u202eB", "email": "nope", "quantity": "0", "amount": "NaN"})
    assert not form.is_valid()
    assert set(form.errors) == {"name", "email", "quantity", "amount"}
    assert "U+202E" in form.errors["name"][0]


class _Serializer(serializers.Serializer):
    name = TextSerializerField(max_length=5)
    email = EmailSerializerField()
    quantity = QuantitySerializerField()
    amount = AmountSerializerField()


def test_serializer_fields_parse_through_the_module():
    s = _Serializer(data={"name": "Anna\u200d", "email": "jörg@müller.de", "quantity": 3, "amount": "19.99"})
    assert s.is_valid(), s.errors
    assert s.validated_data == {"name": "Anna", "email": "jörg@müller.de", "quantity": 3, "amount": Decimal("19.99")}


def test_serializer_fields_answer_impossible_values_with_field_errors():
    s = _Serializer(data={"name": "A\u202eB", "email": "a@", "quantity": True, "amount": "1e308"})
    assert not s.is_valid()
    assert set(s.errors) == {"name", "email", "quantity", "amount"}
    assert s.errors["amount"][0].code == "amount_too_large"
