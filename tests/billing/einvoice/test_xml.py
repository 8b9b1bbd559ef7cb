"""E-invoice XML (EN 16931) of real invoices and credit notes: Factur-X CII and XRechnung in CII
and UBL, each valid against the official XSD and free of EN 16931 Schematron errors, with the
numbers, parties, VAT breakdown and totals of the document it describes."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from facturx import xml_check_xsd
from lxml import etree

from billing.einvoice.content import document_content
from billing.einvoice.formats import einvoicing_for
from billing.einvoice.xml import FACTUR_X, XRECHNUNG_CII, XRECHNUNG_ID, XRECHNUNG_UBL, EInvoiceError, einvoice_xml
from billing.models import ChannelEInvoicing, CreditNoteReason, CustomerEInvoicing, EInvoiceFormat, Invoice
from billing.services.crediting import issue_credit_note
from billing.services.issuing import issue_invoice_for_shipment
from orders.services.payments import record_payment
from tests.billing.einvoice.schematron import failed_rules
from tests.billing.flows import place, ship

pytestmark = pytest.mark.django_db

CII = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
UBL = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
# Factur-X's Schematron allows only Factur-X profiles as the specification identifier (BT-24);
# XRechnung's identifier is right for XRechnung, whose own rules (KoSIT) are not shipped here.
FACTURX_PROFILE_RULE = "FX-SCH-A-000556"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def _all_valid(doc) -> dict[str, etree._Element]:
    """Every syntax: XSD-valid (checked again here) and without a fatal Schematron finding."""
    out = {}
    for syntax in (FACTUR_X, XRECHNUNG_CII, XRECHNUNG_UBL):
        xml = einvoice_xml(doc, syntax=syntax)
        assert xml_check_xsd(xml, flavor="ubl-2.1" if syntax == XRECHNUNG_UBL else "factur-x", level="en16931")
        failed = failed_rules(xml, syntax="ubl" if syntax == XRECHNUNG_UBL else "cii")
        if syntax == XRECHNUNG_CII:
            failed = [f for f in failed if not f.startswith(FACTURX_PROFILE_RULE)]
        assert failed == [], (syntax, failed)
        out[syntax] = etree.fromstring(xml)
    return out


def _b2b_invoice(**kwargs) -> Invoice:
    order = place(
        {"MUG-1": (2, "19.99"), "BOOK-1": (1, "12.00")},
        vat_rates={"BOOK-1": "7.00"},
        discount="5.00",
        company="Acme GmbH",
        **kwargs,
    )
    return issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 2, "BOOK-1": 1}).pk)


def test_a_domestic_b2b_invoice_with_two_rates_shipping_and_discount_is_valid_in_every_syntax():
    invoice = _b2b_invoice()
    trees = _all_valid(invoice)

    cii = trees[FACTUR_X]
    assert cii.findtext(".//rsm:ExchangedDocument/ram:ID", namespaces=CII) == invoice.number
    summary = cii.find(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", CII)
    assert summary.findtext("ram:GrandTotalAmount", namespaces=CII) == str(invoice.total)
    assert summary.findtext("ram:TaxBasisTotalAmount", namespaces=CII) == str(invoice.net_total)
    assert summary.findtext("ram:DuePayableAmount", namespaces=CII) == str(invoice.total)
    rows = {
        t.findtext("ram:RateApplicablePercent", namespaces=CII): (
            t.findtext("ram:BasisAmount", namespaces=CII),
            t.findtext("ram:CalculatedAmount", namespaces=CII),
        )
        for t in cii.iterfind(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", CII)
    }
    assert rows == {f"{r.vat_rate}": (str(r.net), str(r.vat)) for r in invoice.vat_rows.all()}
    assert cii.findtext(".//ram:SellerTradeParty/ram:Name", namespaces=CII) == "Beispiel Handel GmbH"
    assert cii.findtext(".//ram:BuyerTradeParty/ram:Name", namespaces=CII) == "Acme GmbH"

    ubl = trees[XRECHNUNG_UBL]
    assert ubl.findtext("cbc:CustomizationID", namespaces=UBL) == XRECHNUNG_ID
    assert ubl.findtext("cbc:BuyerReference", namespaces=UBL) == invoice.order.number
    assert ubl.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=UBL) == str(invoice.total)
    assert [n.text for n in ubl.iterfind("cac:InvoiceLine/cac:Item/cbc:Name", UBL)] == [
        line.name for line in invoice.lines.order_by("position")
    ]


def test_line_charge_and_allowance_amounts_add_up_to_each_vat_row_to_the_cent():
    invoice = _b2b_invoice(shipping="4.99")
    data = document_content(invoice)
    for row in invoice.vat_rows.all():
        rate = str(row.vat_rate)
        lines = sum(Decimal(ln["BT-131"]) for ln in data["BG-25"] if ln["BT-152"] == rate)
        charges = sum(Decimal(c["amount"]) for c in data.get("BG-21", []) if c["vat_rate"] == rate)
        allowances = sum(Decimal(a["amount"]) for a in data.get("BG-20", []) if a["vat_rate"] == rate)
        assert lines + charges - allowances == row.net
    assert Decimal(data["BT-106"]) + Decimal(data["BT-108"]) - Decimal(data["BT-107"]) == invoice.net_total


def test_an_intra_eu_reverse_charge_invoice_states_both_vat_ids_and_the_exemption():
    invoice = _b2b_invoice(country="FR", vat_id="FR40303265045")
    assert invoice.tax_treatment == "reverse_charge"
    cii = _all_valid(invoice)[FACTUR_X]

    tax = cii.find(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", CII)
    assert tax.findtext("ram:CategoryCode", namespaces=CII) == "K"
    assert tax.findtext("ram:ExemptionReasonCode", namespaces=CII) == "VATEX-EU-IC"
    ids = [n.text for n in cii.iterfind(".//ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']", CII)]
    assert ids == ["DE123456789", "FR40303265045"]


def test_an_export_invoice_is_tax_free_with_the_export_exemption():
    invoice = _b2b_invoice(country="CH")
    assert invoice.tax_treatment == "export"
    ubl = _all_valid(invoice)[XRECHNUNG_UBL]
    category = ubl.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", UBL)
    assert category.findtext("cbc:ID", namespaces=UBL) == "G"
    assert category.findtext("cbc:TaxExemptionReasonCode", namespaces=UBL) == "VATEX-EU-G"


def test_a_net_price_invoice_is_valid_and_charges_vat_on_top():
    invoice = _b2b_invoice(price_mode="net")
    cii = _all_valid(invoice)[FACTUR_X]
    assert cii.findtext(".//ram:TaxTotalAmount", namespaces=CII) == str(invoice.vat_total)


def test_a_credit_note_references_its_invoice_and_is_a_ubl_credit_note():
    invoice = _b2b_invoice()
    mug = invoice.lines.get(sku="MUG-1")
    note = issue_credit_note(
        invoice=invoice, reason=CreditNoteReason.RETURN, quantities={mug.pk: 1}, shipping=Decimal("1.00")
    )
    trees = _all_valid(note)

    cii = trees[FACTUR_X]
    assert cii.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=CII) == "381"
    assert cii.findtext(".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=CII) == invoice.number
    ubl = trees[XRECHNUNG_UBL]
    assert etree.QName(ubl).localname == "CreditNote"
    assert ubl.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=UBL) == invoice.number
    assert ubl.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=UBL) == str(note.total)


def test_a_price_correction_credit_note_is_valid():
    invoice = _b2b_invoice()
    note = issue_credit_note(
        invoice=invoice, reason=CreditNoteReason.PRICE_CORRECTION, reason_text="Kratzer", amount=Decimal("3.00")
    )
    _all_valid(note)


def test_a_consumer_invoice_paid_by_card_states_it_is_paid_and_later_payments_change_nothing():
    order = place({"MUG-1": (1, "19.99")}, payment_method="card")
    invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 1}).pk)
    first = einvoice_xml(invoice, syntax=XRECHNUNG_UBL)
    ubl = etree.fromstring(first)
    assert ubl.findtext("cac:LegalMonetaryTotal/cbc:PrepaidAmount", namespaces=UBL) == str(invoice.total)
    assert ubl.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=UBL) == "0.00"
    assert ubl.findtext("cac:PaymentMeans/cbc:PaymentMeansCode", namespaces=UBL) == "48"
    assert failed_rules(first, syntax="ubl") == []


def test_an_invoice_on_terms_shows_a_later_payment_only_in_its_state_not_in_its_xml(
    django_capture_on_commit_callbacks,
):
    invoice = _b2b_invoice()
    before = einvoice_xml(invoice, syntax=FACTUR_X)
    with (
        time_machine.travel(datetime.datetime(2026, 12, 9, 10, 0, tzinfo=datetime.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        record_payment(order=invoice.order, kind="capture", amount=invoice.total, provider="bank")
    invoice.refresh_from_db()
    assert invoice.amount_paid == invoice.total
    assert einvoice_xml(invoice, syntax=FACTUR_X) == before


def test_an_unknown_syntax_is_refused_with_a_clear_error():
    invoice = _b2b_invoice()
    with pytest.raises(EInvoiceError):
        einvoice_xml(invoice, syntax="edifact")


def test_an_xrechnung_carries_what_xrechnung_adds_to_en16931():
    invoice = _b2b_invoice()
    CustomerEInvoicing.objects.create(customer=invoice.customer, buyer_reference="04011000-12345-67")
    xml = einvoice_xml(invoice, syntax=XRECHNUNG_UBL, buyer_reference=einvoicing_for(invoice).buyer_reference)
    ubl = etree.fromstring(xml)

    assert ubl.findtext("cbc:BuyerReference", namespaces=UBL) == "04011000-12345-67"  # BR-DE-15
    contact = ubl.find("cac:AccountingSupplierParty/cac:Party/cac:Contact", UBL)  # BR-DE-2, -5, -6, -7
    assert contact.findtext("cbc:Name", namespaces=UBL) and contact.findtext("cbc:Telephone", namespaces=UBL)
    assert contact.findtext("cbc:ElectronicMail", namespaces=UBL)
    for party in ("AccountingSupplierParty", "AccountingCustomerParty"):  # BT-34, BT-49
        endpoint = ubl.find(f"cac:{party}/cac:Party/cbc:EndpointID", UBL)
        assert endpoint.get("schemeID") == "EM" and "@" in endpoint.text
    assert ubl.findtext("cac:PaymentMeans/cbc:PaymentMeansCode", namespaces=UBL) == "58"  # BR-DE-13
    assert ubl.findtext("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", namespaces=UBL)  # BR-DE-19


def test_business_customers_get_the_channels_e_invoice_and_their_own_setting_wins():
    b2b = _b2b_invoice()
    consumer_order = place({"MUG-1": (1, "19.99")})
    consumer = issue_invoice_for_shipment(shipment_id=ship(consumer_order, {"MUG-1": 1}).pk)

    assert einvoicing_for(b2b).format == EInvoiceFormat.ZUGFERD
    assert einvoicing_for(consumer).format == EInvoiceFormat.PDF
    ChannelEInvoicing.objects.create(channel=b2b.order.channel, b2b_format=EInvoiceFormat.XRECHNUNG_CII)
    assert einvoicing_for(b2b).format == EInvoiceFormat.XRECHNUNG_CII
    assert einvoicing_for(b2b).xml_syntax == XRECHNUNG_CII
    assert einvoicing_for(consumer).format == EInvoiceFormat.PDF
    CustomerEInvoicing.objects.create(customer=consumer.customer, format=EInvoiceFormat.XRECHNUNG_UBL)
    assert einvoicing_for(consumer).xml_syntax == XRECHNUNG_UBL
