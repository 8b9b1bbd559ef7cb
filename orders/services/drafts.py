"""What a channel sends in: an order draft and its parts, and the checks on those parts that
intake (``orders.services.intake.validate_draft``) and editing share.

Drafts are plain frozen dataclasses; every entry point (REST API, webhooks, CSV import, phone
orders) builds one and hands it to ``place_order``. The checks parse with ``oms.parsing`` and
collect every problem in ``Errors`` under its field path.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from oms import parsing
from oms.parsing import MAX_AMOUNT, ParseError
from orders.countries import is_country_code

MAX_LINES = 500
LANGUAGES = {"de", "en"}


@dataclass(frozen=True)
class AddressDraft:
    name: str
    street: str
    postcode: str
    city: str
    country: str
    company: str = ""
    line2: str = ""
    phone: str = ""


@dataclass(frozen=True)
class CustomerDraft:
    email: str
    name: str
    phone: str = ""
    language: str = "de"
    company: str = ""
    vat_id: str = ""


@dataclass(frozen=True)
class LineDraft:
    sku: str
    quantity: int
    unit_price: Decimal
    discount: Decimal = Decimal(0)


@dataclass(frozen=True)
class OrderDraft:
    """An order as a channel sends it. ``shipping_address=None`` ships to the billing address.
    Amounts are in ``price_mode`` (gross: VAT included). ``stated_total``, when given, must equal
    the computed total to the cent. ``doubts`` are what the channel's mapping could not take as
    sent (text it had to clean): the order is taken in and held with them as the reason.

    ``tip_total`` and ``gift_card_total`` (gift cards sold) are gross amounts outside the lines
    (``orders.services.totals``). ``shop_vat`` is the VAT the shop charged by rate (its tax lines):
    it decides the VAT when its rates are the lines' rates. ``accepted_by_channel``: the shop has
    already taken the order from its customer (a webhook), so a stated total that differs from ours
    holds the order instead of refusing it."""

    customer: CustomerDraft
    billing_address: AddressDraft
    shipping_address: AddressDraft | None
    lines: Sequence[LineDraft]
    currency: str = "EUR"
    price_mode: str = "gross"
    shipping_total: Decimal = Decimal(0)
    discount_total: Decimal = Decimal(0)
    stated_total: Decimal | None = None
    payment_method: str = "invoice"
    payment_captured: bool = False
    external_id: str = ""
    placed_at: datetime.datetime | None = None
    notes: str = ""
    doubts: Sequence[str] = ()
    tip_total: Decimal = Decimal(0)
    gift_card_total: Decimal = Decimal(0)
    shop_vat: Mapping[Decimal, Decimal] | None = None
    accepted_by_channel: bool = False


class Errors(dict):
    """Problems by field path (``lines[0].sku``), each a list of messages."""

    def add(self, key: str, message: str) -> None:
        self.setdefault(key, []).append(str(message))


def check_amount(errors: Errors, key: str, value: Any, *, allow_none: bool = False) -> Decimal | None:
    """A money amount >= 0 with at most two decimals, or an error under ``key``."""
    if value is None and allow_none:
        return None
    try:
        return parsing.amount(value, maximum=MAX_AMOUNT)
    except ParseError as exc:
        errors.add(key, str(exc))
        return None


def check_text(
    errors: Errors, key: str, value: Any, *, required: bool, max_length: int, kind: parsing.Kind = parsing.LINE
) -> str:
    """``value`` as ``oms.parsing.text`` cleans it, or an error under ``key`` (and "")."""
    try:
        return parsing.text(value, kind=kind, required=required, max_length=max_length)
    except ParseError as exc:
        errors.add(key, str(exc))
        return ""


def check_address(errors: Errors, prefix: str, address: Any) -> AddressDraft | None:
    """The address with every part cleaned (``oms.parsing``), or None with the errors added."""
    if not isinstance(address, AddressDraft):
        errors.add(prefix, _("This field is required."))
        return None
    before = len(errors)
    cleaned = AddressDraft(
        name=check_text(errors, f"{prefix}.name", address.name, required=True, max_length=200),
        street=check_text(errors, f"{prefix}.street", address.street, required=True, max_length=200),
        postcode=check_text(errors, f"{prefix}.postcode", address.postcode, required=True, max_length=20),
        city=check_text(errors, f"{prefix}.city", address.city, required=True, max_length=100),
        company=check_text(errors, f"{prefix}.company", address.company, required=False, max_length=200),
        line2=check_text(errors, f"{prefix}.line2", address.line2, required=False, max_length=200),
        phone=check_text(errors, f"{prefix}.phone", address.phone, required=False, max_length=50),
        country=check_text(errors, f"{prefix}.country", address.country, required=True, max_length=20).upper(),
    )
    if cleaned.country and not is_country_code(cleaned.country):
        errors.add(
            f"{prefix}.country",
            _("“%(value)s” is not an ISO 3166 two-letter country code (e.g. DE, AT, FR).")
            % {"value": cleaned.country[:20]},
        )
    return cleaned if len(errors) == before else None
