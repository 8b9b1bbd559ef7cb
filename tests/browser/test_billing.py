"""The support agent's billing journey in a real browser: find a shipped order by its invoice
number, open the invoice PDF (a real PDF whose text says what is still due), import the bank
statement (CAMT.053) that carries the customer's transfer, and see the order and its invoice paid."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from billing.models import Invoice, InvoiceState
from orders.models import Order
from tests.billing.flows import place, ship
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMT053 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>BROWSER-1</MsgId><CreDtTm>2026-12-07T07:00:00+01:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>BROWSER-2026-12-07</Id>
      <Acct><Id><IBAN>DE02120300000000202051</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Ntry>
        <Amt Ccy="EUR">{amount}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>2026-12-07</Dt></BookgDt>
        <ValDt><Dt>2026-12-07</Dt></ValDt>
        <AcctSvcrRef>BROWSER-0001</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <RltdPties>
            <Dbtr><Nm>Erika Mustermann</Nm></Dbtr>
            <DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>
          </RltdPties>
          <RmtInf><Ustrd>Rechnung {invoice}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def _pdf_text(body: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=body, capture_output=True, check=True)
    return done.stdout.decode()


def _find(page, live_url: str, query: str, order: Order) -> None:
    """The support desk's search box, then the order's row in the results."""
    page.goto(f"{live_url}/support/")
    box = page.get_by_role("searchbox", name="Search orders")
    box.fill(query)
    box.press("Enter")
    page.locator("#order-table").get_by_role("link", name=order.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(order.number)


def test_support_finds_an_order_opens_its_invoice_imports_the_bank_payment_and_sees_it_paid(
    browser_page, live_url, support_user, tmp_path
):
    page = browser_page
    # Given: an order bought on invoice, shipped in full, so its invoice is issued and unpaid.
    order = place({"MUG-1": (2, "19.99")}, shipping="4.90", payment_method="invoice")
    ship(order, {"MUG-1": 2})
    invoice = Invoice.objects.get(order=order)
    assert invoice.state == InvoiceState.ISSUED and str(invoice.total) == "44.88"
    login(page, live_url, support_user.username, f"pw-{support_user.username}")

    # Support finds the order by the invoice number the customer quotes.
    _find(page, live_url, invoice.number, order)
    header = page.get_by_role("heading", level=1)
    expect(header.locator("[data-payment-state]")).to_have_attribute("data-payment-state", "unpaid")

    # The invoice's PDF: a real PDF naming the invoice and what is still due
    invoices = page.get_by_role("region", name="Invoices and credit notes")
    expect(invoices.locator('[data-state="issued"]')).to_have_text("Issued")
    href = invoices.get_by_role("link", name=f"PDF of {invoice.number}", exact=True).get_attribute("href")
    pdf = page.request.get(f"{live_url}{href}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
    text = _pdf_text(pdf.body())
    assert invoice.number in text and order.number in text
    # (in the customer's language, German here)
    assert re.search(r"Bereits bezahlt\s+0,00 €", text), text
    assert re.search(r"Noch offen\s+44,88 €", text), text
    assert re.search(r"Bitte zahlen Sie 44,88 € bis zum .* unter Angabe von " + re.escape(invoice.number), text), text

    # The customer's transfer arrives on the bank statement; support imports it.
    statement = tmp_path / "kontoauszug.xml"
    statement.write_text(CAMT053.format(amount="44.88", invoice=invoice.number), encoding="utf-8")
    page.get_by_role("navigation", name="Support").get_by_role("link", name="Bank").click()
    upload = page.get_by_role("form", name="Import a statement")
    upload.get_by_label("Bank statement").set_input_files(str(statement))
    upload.get_by_role("button", name="Import and match").click()
    expect(page.locator("#messages")).to_contain_text("Statement imported: 1 credits booked, 0 to resolve")
    expect(page.get_by_text("Every credit is matched.")).to_be_visible()

    # Back on the order: paid, and so is its invoice.
    _find(page, live_url, order.number, order)
    expect(page.get_by_role("heading", level=1).locator("[data-payment-state]")).to_have_attribute(
        "data-payment-state", "paid"
    )
    expect(page.get_by_role("heading", level=1).locator("[data-payment-state]")).to_have_text("Paid")
    invoices = page.get_by_role("region", name="Invoices and credit notes")
    expect(invoices.locator('[data-state="paid"]')).to_have_text("Paid")
    expect(invoices).to_contain_text("0.00 €")
    assert Order.objects.get(pk=order.pk).payment_state == "paid"
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID and invoice.amount_due == 0
