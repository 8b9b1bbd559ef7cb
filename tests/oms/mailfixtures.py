"""Orders and legal texts for the mail and document tests, made through the real services."""

from __future__ import annotations

from typing import Any

from orders.models import Channel, LegalText, LegalTextKind
from tests.orders.factories import ChannelFactory, draft, stocked_product, warehouse

TERMS_DE = "§ 1 Geltungsbereich\n\nDiese Bedingungen gelten für alle Bestellungen bei Kaffeehaus Jörg."
WITHDRAWAL_DE = (
    "Widerrufsbelehrung\n\nSie haben das Recht, binnen vierzehn Tagen ohne Angabe von Gründen "
    "diesen Vertrag zu widerrufen."
)
TERMS_EN = "§ 1 Scope\n\nThese terms apply to every order at Kaffeehaus Jörg."


def shop_with_legal_texts(*, english: bool = True) -> Channel:
    channel = ChannelFactory(code="kaffeehaus", name="Kaffeehaus Jörg")
    LegalText.objects.create(channel=channel, kind=LegalTextKind.TERMS, language="de", title="AGB", body=TERMS_DE)
    LegalText.objects.create(
        channel=channel, kind=LegalTextKind.WITHDRAWAL, language="de", title="Widerrufsbelehrung", body=WITHDRAWAL_DE
    )
    if english:
        LegalText.objects.create(
            channel=channel, kind=LegalTextKind.TERMS, language="en", title="Terms and conditions", body=TERMS_EN
        )
    LegalText.objects.create(
        channel=channel, kind=LegalTextKind.PRIVACY, language="de", title="Datenschutz", body="Wir speichern wenig."
    )
    return channel


def order_draft(*, language: str = "de", email: str = "joerg@example.de", **overrides: Any):
    from orders.services.intake import CustomerDraft

    wh = warehouse("BER")
    stocked_product("KAFFEE-1", {wh: 20}, name="Espressobohnen 1 kg")
    return draft(
        {"KAFFEE-1": 2},
        price="24.90",
        customer=CustomerDraft(email=email, name="Jörg Müller", language=language),
        payment_method="invoice",
        **overrides,
    )
