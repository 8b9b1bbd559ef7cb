"""A channel's legal texts in the customer portal: each kind in the visitor's language, else the
other one; the imprint from the seller data where the channel has none; the uploaded PDF; the links
in the footer of every portal page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from orders.models import LegalText, LegalTextKind
from tests.orders.factories import ChannelFactory
from tests.orders.portal_fixtures import page_of, place_for

pytestmark = pytest.mark.django_db

SELLER = {
    "company": "Muster Handel GmbH",
    "street": "Hauptstraße 1",
    "postcode": "10115",
    "city": "Berlin",
    "register": "Amtsgericht Berlin HRB 12345",
    "managing_directors": "Erika Mustermann",
    "vat_id": "DE123456789",
    "email": "service@muster.example",
}


def _get(path: str, *, language: str = "en", **params: str):
    return Client(HTTP_ACCEPT_LANGUAGE=language).get(path, params)


def _url(kind: str) -> str:
    return reverse("orders:portal-legal", args=[kind])


@pytest.mark.parametrize("kind", LegalTextKind.values)
def test_each_kind_is_shown_in_the_visitors_language_per_channel(kind):
    web, market = ChannelFactory(code="web", name="Web Shop"), ChannelFactory(code="market", name="Marketplace")
    for channel in (web, market):
        for language in ("de", "en"):
            LegalText.objects.create(
                channel=channel, kind=kind, language=language, title=f"{kind}-{channel.code}-{language}", body="§ 1"
            )

    for code in ("web", "market"):
        for language in ("de", "en"):
            response = _get(_url(kind), language=language, channel=code)
            assert response.status_code == 200
            text = response.content.decode()
            assert f"{kind}-{code}-{language}" in text
            other = "en" if language == "de" else "de"
            assert f"{kind}-{code}-{other}" not in text
            assert f"{kind}-{'market' if code == 'web' else 'web'}-{language}" not in text


@pytest.mark.parametrize(("only", "visitor"), [("de", "en"), ("en", "de")])
def test_a_text_in_one_language_only_is_shown_in_the_other_language(only, visitor):
    ChannelFactory(code="web")
    LegalText.objects.create(
        channel=ChannelFactory(code="shop"),
        kind="terms",
        language=only,
        title="Die AGB" if only == "de" else "The terms",
        body="Erster Absatz.\n\nZweiter Absatz.",
    )

    response = _get(_url("terms"), language=visitor, channel="shop")

    text = response.content.decode()
    assert response.status_code == 200
    assert ("Die AGB" if only == "de" else "The terms") in text
    assert "<p>Erster Absatz.</p>" in text and "<p>Zweiter Absatz.</p>" in text
    assert (
        "Dieser Text ist in Ihrer Sprache nicht verfügbar."
        if visitor == "de"
        else "This text is not available in your language."
    ) in text


def test_the_imprint_falls_back_to_the_seller_data_the_mails_carry(settings):
    settings.BILLING_SELLER = SELLER
    settings.MAIL_FOOTER = ""
    settings.MAIL_SENDERS = {}
    ChannelFactory(code="web", name="Web Shop")

    text = _get(_url("imprint"), language="de", channel="web").content.decode()

    assert "Impressum" in text
    assert "Muster Handel GmbH · Hauptstraße 1, 10115 Berlin" in text
    assert "Amtsgericht Berlin HRB 12345 · Geschäftsführung: Erika Mustermann · USt-IdNr.: DE123456789" in text
    assert "service@muster.example" in text


def test_a_channels_own_mail_footer_and_imprint_text_come_before_the_seller_data(settings):
    settings.BILLING_SELLER = SELLER
    settings.MAIL_SENDERS = {"market": {"footer": "Marktplatz-Handel UG|Am Markt 2, 20095 Hamburg"}}
    ChannelFactory(code="market")
    web = ChannelFactory(code="web")
    LegalText.objects.create(channel=web, kind="imprint", language="en", title="Legal notice", body="Web Shop Ltd")

    market_page = _get(_url("imprint"), channel="market").content.decode()
    web_page = _get(_url("imprint"), channel="web").content.decode()

    assert "Marktplatz-Handel UG" in market_page and "Am Markt 2, 20095 Hamburg" in market_page
    assert "Muster Handel GmbH" not in market_page
    assert "Legal notice" in web_page and "Web Shop Ltd" in web_page and "Muster Handel GmbH" not in web_page


def test_the_uploaded_pdf_is_offered_for_download(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    pdf = b"%PDF-1.4\n% the lawyer's file\n%%EOF\n"
    channel = ChannelFactory(code="web")
    LegalText.objects.create(
        channel=channel,
        kind="withdrawal",
        language="de",
        title="Widerrufsbelehrung",
        file=SimpleUploadedFile("w.pdf", pdf),
    )
    LegalText.objects.create(channel=channel, kind="terms", language="de", title="AGB", body="§ 1")

    page = _get(_url("withdrawal"), language="de", channel="web").content.decode()
    pdf_url = reverse("orders:portal-legal-pdf", args=["withdrawal"]) + "?channel=web"
    assert f'href="{pdf_url}"' in page and "Als PDF herunterladen" in page

    response = _get(reverse("orders:portal-legal-pdf", args=["withdrawal"]), channel="web")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf
    assert "Widerrufsbelehrung.pdf" in response["Content-Disposition"]

    assert "herunterladen" not in _get(_url("terms"), language="de", channel="web").content.decode()
    assert _get(reverse("orders:portal-legal-pdf", args=["terms"]), channel="web").status_code == 404


def test_unknown_kinds_channels_and_missing_texts_are_404():
    channel = ChannelFactory(code="web")
    LegalText.objects.create(channel=channel, kind="terms", language="de", title="AGB", body="§ 1")
    ChannelFactory(code="market")

    assert _get(_url("terms"), channel="web").status_code == 200
    assert _get(_url("cookies"), channel="web").status_code == 404
    assert _get(_url("terms"), channel="nope").status_code == 404
    for hostile in ("x" * 500, "web\x00", "<script>", "web'--"):
        assert _get(_url("terms"), channel=hostile).status_code == 404
    assert _get(_url("privacy"), channel="web").status_code == 404  # the channel has none
    assert _get(_url("terms"), channel="market").status_code == 404
    assert _get(_url("terms")).status_code == 404  # two channels: which one is not known


def test_without_a_channel_code_the_only_active_channel_is_meant():
    channel = ChannelFactory(code="web")
    ChannelFactory(code="old", active=False)
    LegalText.objects.create(channel=channel, kind="privacy", language="en", title="Privacy at Web", body="…")

    response = _get(_url("privacy"))

    assert response.status_code == 200 and "Privacy at Web" in response.content.decode()


def test_the_order_page_links_the_legal_texts_of_the_orders_channel():
    order = place_for()
    code = order.channel.code

    text = page_of(Client(HTTP_ACCEPT_LANGUAGE="en"), order)

    for kind, label in (
        ("imprint", "Imprint"),
        ("terms", "Terms and conditions"),
        ("withdrawal", "Withdrawal instructions"),
        ("privacy", "Privacy notice"),
    ):
        assert f'<a href="{_url(kind)}?channel={code}">{label}</a>' in text


def test_the_lookup_page_links_the_legal_texts_too():
    text = _get(reverse("orders:portal-lookup"), language="de").content.decode()

    for kind, label in (
        ("imprint", "Impressum"),
        ("terms", "Allgemeine Geschäftsbedingungen"),
        ("withdrawal", "Widerrufsbelehrung"),
        ("privacy", "Datenschutzerklärung"),
    ):
        assert f'<a href="{_url(kind)}">{label}</a>' in text
