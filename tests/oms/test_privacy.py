"""GDPR export and erasure of one customer across every app (``oms.privacy`` and its contributors).

One customer with everything a customer leaves behind: an order placed through intake, shipped,
invoiced, delivered and rated; a support case with their message; a note; the order confirmation
mail sent; a webhook delivery about the order; a label and the invoice rendered to PDF; a return
(rejected) and an uploaded order import naming them; a declaration of withdrawal with its return
label; a claim about the parcel, refunded; shop sync logs naming them. The export must hold every
kind of record; after the erasure no text or JSON column of the database and no stored file
names them, except the retained invoice and credit note, which still render with their legally
required content. These tests run on PostgreSQL and on SQLite (the embedded default).
"""

from __future__ import annotations

import datetime
import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from oms import outbox, privacy
from oms.models import (
    AccessAction,
    CustomerDataAccess,
    CustomerMail,
    OutboxMessage,
    PrivacyAuditEntry,
    WebhookDelivery,
    WebhookSubscription,
)
from orders.models import Customer, Order, OrderImport
from tests.logins import login_as, verified_login

pytestmark = [pytest.mark.django_db]

EMAIL = "jolanda.quastenberg@example.org"
NAME = "Jolanda Quastenberg"
# Tables whose rows the law makes us keep with the buyer's data (§14b UStG, §147 AO).
RETAINED_TABLES = {"billing_invoice", "billing_creditnote"}


def _draft(skus: dict[str, int]):
    import uuid

    from orders.services.drafts import AddressDraft, CustomerDraft, LineDraft, OrderDraft

    address = AddressDraft(name=NAME, street="Quastenweg 17", postcode="10115", city="Berlin", country="DE")
    return OrderDraft(
        customer=CustomerDraft(email=EMAIL, name=NAME, phone="+49 30 9876543"),
        billing_address=address,
        shipping_address=address,
        lines=[LineDraft(sku=sku, quantity=q, unit_price=Decimal("19.99")) for sku, q in skus.items()],
        currency="EUR",
        price_mode="gross",
        shipping_total=Decimal("4.90"),
        discount_total=Decimal("0.00"),
        payment_method="card",
        payment_captured=True,
        external_id=f"gdpr-{uuid.uuid4().hex[:12]}",
        notes=f"Bitte bei {NAME} klingeln",
    )


@pytest.fixture
def customer_world(support_user):
    world = build_customer_world(support_user)
    add_newer_records(world, support_user)
    return world


def add_newer_records(world, support_user):
    """What the newer parts of the system hold about the customer: a declaration of withdrawal
    (its return withdrawn again, after its return label was booked), a claim refunded, and
    shop sync logs that quote them."""
    from fulfillment.models import ReturnParcel
    from orders.models import ShopConnection, ShopOrderFailure, ShopSyncRun
    from returns.services.claims import open_claim, resolve_by_refund
    from returns.services.requests import cancel_return
    from returns.services.withdrawals import declare_withdrawal

    order = world["order"]
    withdrawal = declare_withdrawal(order, name=NAME, order_number=order.number)
    for message in OutboxMessage.objects.filter(kind="return-label", status="pending").order_by("pk"):
        outbox.deliver(message.pk)
    world["return_parcels"] = list(ReturnParcel.objects.filter(order=order).values_list("pk", flat=True))
    cancel_return(withdrawal.return_request, by=support_user, reason="customer keeps it")
    shipment = order.shipments.get()
    claim = open_claim(
        shipment, "damaged", {order.lines.get().pk: 1}, by=support_user, description=f"Karton von {NAME} eingedrückt"
    )
    resolve_by_refund(claim, by=support_user)
    connection_ = ShopConnection.objects.create(
        channel=order.channel, base_url="https://shop.example.com", api_key="ck_x", api_secret="cs_x"
    )
    ShopSyncRun.objects.create(connection=connection_, kind="pull", outcome="failed", message=f"{EMAIL}: refused")
    ShopOrderFailure.objects.create(connection=connection_, external_id="4711", error=f"Kunde {NAME}: SKU unbekannt")
    order.refresh_from_db()
    world["withdrawal"] = withdrawal
    world["claim"] = claim
    return world


def build_customer_world(support_user):
    """The customer and everything they left behind; returns the customer's order and invoice."""
    from billing.services.issuing import issue_invoice_for_shipment
    from fulfillment.services.labels import LABEL_DOCUMENT, label_subject
    from fulfillment.services.tracking import record_tracking_event_by_hand
    from oms import documents
    from orders.services.cases import open_case
    from orders.services.intake import place_order
    from orders.services.lifecycle import add_note
    from orders.services.portal import add_customer_message, rate_order
    from returns.models import ReturnReason
    from returns.photos import check_photos
    from returns.services.requests import cancel_return, create_return
    from tests.billing.flows import ship
    from tests.reliability import ordering
    from tests.returns.test_photos import png

    WebhookSubscription.objects.create(
        name="ERP", url="https://erp.example.com/hook", events=["order.created"], secret="s" * 32
    )
    channel = ordering.make_channel("web")
    ordering.make_warehouse()
    ordering.make_product("GDPR-1", units=10)
    order = place_order(channel=channel, draft=_draft({"GDPR-1": 2})).order
    confirmation = CustomerMail.objects.get(subject_type="order", subject_id=str(order.pk))
    outbox.deliver(OutboxMessage.objects.get(kind="customer_mail", payload__mail_id=confirmation.pk).pk)
    shipment = ship(order, {"GDPR-1": 2}, user=support_user)
    invoice = issue_invoice_for_shipment(shipment_id=shipment.pk)
    record_tracking_event_by_hand(
        shipment=shipment, state="delivered", occurred_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    order.refresh_from_db()
    rate_order(order=order, stars=5, comment=f"Alles gut, {NAME}")
    case = open_case(order=order, subject=f"Rückfrage {NAME}", message="Wo ist die Rechnung?", user=support_user)
    add_customer_message(case=case, body=f"Viele Grüße, {NAME}, {EMAIL}")
    add_note(order=order, text=f"{NAME} rief an", user=support_user)
    ret = create_return(
        order,
        {order.lines.get().pk: 1},
        ReturnReason.DOES_NOT_FIT,
        by=support_user,
        comment=f"von {NAME}",
        photos=check_photos([png(f"{NAME}.png")]),
    )
    cancel_return(ret, by=support_user, reason="customer keeps it")
    documents.render_document_now(LABEL_DOCUMENT, subject=label_subject(shipment))
    documents.render_document_now("invoice", subject=str(invoice.pk))
    upload_name = default_storage.save(
        "imports/orders/gdpr.csv", ContentFile(f"email;name\n{EMAIL};{NAME}\nother@example.org;Max Muster\n".encode())
    )
    OrderImport.objects.create(channel=channel, file=upload_name, original_name="orders.csv", created_by=support_user)
    order.refresh_from_db()
    return {"order": order, "invoice": invoice, "customer": order.customer, "upload": upload_name}


def test_the_export_holds_every_kind_of_personal_record(customer_world):
    data = privacy.export_customer_data(customer_world["customer"].pk)

    sections = data["sections"]
    for section in (
        "customer",
        "orders",
        "timeline",
        "notes",
        "cases",
        "ratings",
        "payments",
        "shipments",
        "invoices",
        "returns",
        "mails",
        "webhook_deliveries",
        "return_photos",
        "withdrawals",
        "claims",
        "return_parcels",
    ):
        assert sections.get(section), f"the export has no {section}"
    assert sections["customer"][0]["email"] == EMAIL
    assert sections["orders"][0]["shipping_address"]["street"] == "Quastenweg 17"
    assert any(NAME in m["body"] for case in sections["cases"] for m in case["messages"])
    assert sections["ratings"][0]["comment"] == f"Alles gut, {NAME}"
    assert sections["invoices"][0]["number"] == customer_world["invoice"].number
    assert sections["mails"][0]["to"] == EMAIL and sections["mails"][0]["sent_at"]
    assert sections["returns"][0]["comment"] == f"von {NAME}"
    json.dumps(data)  # JSON as it is, nothing to convert


def test_erasure_is_refused_with_the_reason_while_an_order_is_open(support_user):
    from orders.services.intake import place_order
    from tests.reliability import ordering

    channel = ordering.make_channel("web")
    ordering.make_warehouse()
    ordering.make_product("GDPR-2", units=5)
    order = place_order(channel=channel, draft=_draft({"GDPR-2": 1})).order

    with pytest.raises(privacy.ErasureRefusedError) as refused:
        privacy.erase_customer(order.customer_id, by="agent")

    assert any(order.number in reason for reason in refused.value.reasons)
    assert Customer.objects.get(pk=order.customer_id).email == EMAIL
    assert Order.objects.get(pk=order.pk).shipping_name == NAME
    assert not PrivacyAuditEntry.objects.exists()


TEXT_TYPES = {"CharField", "TextField", "JSONField", "EmailField", "SlugField", "URLField", "GenericIPAddressField"}


def _text_columns() -> list[tuple[str, str]]:
    """Every text and JSON column of every table of the database, models or not (PostgreSQL and
    SQLite: read from the database's own catalogue)."""
    columns = []
    introspection = connection.introspection
    with connection.cursor() as cursor:
        for table in introspection.get_table_list(cursor):
            if table.type != "t":
                continue
            for column in introspection.get_table_description(cursor, table.name):
                kind = introspection.get_field_type(column.type_code, column)
                if kind in TEXT_TYPES or (connection.vendor == "sqlite" and "text" in str(column.type_code).lower()):
                    columns.append((table.name, column.name))
    return sorted(columns)


def _database_mentions(*needles: str) -> set[str]:
    found = set()
    # ASCII needles: SQLite's LIKE ignores their case as PostgreSQL's ILIKE does.
    match = '"{column}"::text ILIKE %s' if connection.vendor == "postgresql" else '"{column}" LIKE %s'
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            for needle in needles:
                cursor.execute(f'SELECT count(*) FROM "{table}" WHERE ' + match.format(column=column), [f"%{needle}%"])
                if cursor.fetchone()[0]:
                    found.add(f"{table}.{column}")
    return found


def _stored_file_mentions(*needles: str, skip: set[str]) -> set[str]:
    found = set()
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if not path.is_file() or str(path.relative_to(settings.MEDIA_ROOT)) in skip:
            continue
        if path.suffix == ".pdf":
            text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
        else:
            text = path.read_bytes().decode("utf-8", errors="replace")
        if any(needle.lower() in text.lower() for needle in needles):
            found.add(str(path.relative_to(settings.MEDIA_ROOT)))
    return found


def test_after_erasure_no_column_and_no_stored_file_names_the_customer_except_the_retained_invoice(
    customer_world, django_capture_on_commit_callbacks
):
    from billing.models import CreditNote, Invoice
    from oms.models import Document
    from returns.models import ReturnPhoto

    invoice = Invoice.objects.get(pk=customer_world["invoice"].pk)
    invoice_files = {d.file.name for d in Document.objects.filter(kind="invoice", subject=str(invoice.pk))}
    credit_notes = CreditNote.objects.filter(order_id=invoice.order_id).values_list("pk", flat=True)
    # Retained with the invoice (§14b UStG): the credit note of the claim's refund.
    retained_files = invoice_files | {
        d.file.name for d in Document.objects.filter(kind="credit_note", subject__in=[str(pk) for pk in credit_notes])
    }
    # Before: the customer is everywhere (the test finds what it looks for).
    before = _database_mentions(EMAIL, NAME)
    assert {"orders_customer.email", "orders_order.shipping_name", "orders_casemessage.body"} <= before
    assert _stored_file_mentions(NAME, skip=retained_files), "the label names the customer before the erasure"

    photos = list(ReturnPhoto.objects.values_list("image", "thumbnail"))
    assert photos and all(default_storage.exists(name) for pair in photos for name in pair)

    with django_capture_on_commit_callbacks(execute=True):  # stored files change once it commits
        erasure = privacy.erase_customer(customer_world["customer"].pk, by="agent")

    assert not ReturnPhoto.objects.exists()
    assert not any(default_storage.exists(name) for pair in photos for name in pair)
    leftovers = {m for m in _database_mentions(EMAIL, NAME) if m.split(".")[0] not in RETAINED_TABLES}
    assert leftovers == set()
    assert _stored_file_mentions(EMAIL, NAME, "Quastenweg", skip=retained_files) == set()
    # The retained invoice keeps its content and still renders with the buyer.
    invoice.refresh_from_db()
    assert (invoice.buyer_name, invoice.buyer_street) == (NAME, "Quastenweg 17")
    for name in invoice_files:
        pdf = subprocess.run(["pdftotext", default_storage.path(name), "-"], capture_output=True, check=True)
        assert NAME in pdf.stdout.decode() and invoice.number in pdf.stdout.decode()
    # The order still counts: its row, lines, total and country stay.
    order = Order.objects.get(pk=customer_world["order"].pk)
    assert (order.total, order.shipping_country, order.lines.count()) == (customer_world["order"].total, "DE", 1)
    assert order.number in order.search_text
    # The import file keeps the other customer's row.
    assert "other@example.org;Max Muster" in default_storage.open(customer_world["upload"]).read().decode()
    # The newer records were reached (not merely absent): the claim, the return label, the
    # declaration of withdrawal and the shop sync logs.
    assert {"claims", "return labels", "withdrawals", "shop sync logs"} <= set(erasure.counts)
    audit = PrivacyAuditEntry.objects.get()
    assert audit.action == "erasure" and audit.customer_id == customer_world["customer"].pk
    assert audit.removed == erasure.counts and audit.removed["customer"] == 1
    assert NAME not in json.dumps(audit.removed) and EMAIL not in json.dumps(audit.removed)


# --- the pages ------------------------------------------------------------------------------------


def test_support_downloads_the_export_after_the_second_factor_and_the_access_log_records_it(
    client, customer_world, support_user
):
    customer = customer_world["customer"]
    url = reverse("orders:support-customer-export-json", kwargs={"pk": customer.pk})

    login_as(client, support_user)  # password only
    assert client.get(url)["Location"].startswith(reverse("second-factor-setup"))
    verified_login(client, support_user)
    response = client.get(url)

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content)["sections"]["customer"][0]["email"] == EMAIL
    entry = CustomerDataAccess.objects.get(action=AccessAction.EXPORTED)
    assert (entry.username, entry.customer_id) == (support_user.username, customer.pk)
    page = client.get(reverse("orders:support-customer-export-html", kwargs={"pk": customer.pk}))
    assert page.status_code == 200 and "Quastenweg 17" in page.content.decode()


def test_support_downloads_the_export_as_a_pdf_that_renders_and_is_stored_nowhere(client, customer_world, support_user):
    from oms.models import Document

    customer = customer_world["customer"]
    verified_login(client, support_user)
    url = reverse("orders:support-customer-export-pdf", kwargs={"pk": customer.pk})
    assert url in client.get(reverse("orders:support-customer-privacy", kwargs={"pk": customer.pk})).content.decode()
    stored = set(Document.objects.values_list("pk", flat=True))

    response = client.get(url)

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="customer-{customer.pk}-data.pdf"' in response["Content-Disposition"]
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert EMAIL in text and "Quastenweg 17" in text
    assert customer_world["order"].number in text and customer_world["invoice"].number in text
    entry = CustomerDataAccess.objects.get(action=AccessAction.EXPORTED)
    assert (entry.username, entry.customer_id, entry.subject_type) == (
        support_user.username,
        customer.pk,
        "customer-export",
    )
    # A stored copy would be one more copy of everything about the person.
    assert set(Document.objects.values_list("pk", flat=True)) == stored


def test_the_order_page_links_to_the_customers_privacy_page(client, customer_world, support_user):
    login_as(client, support_user)
    page = client.get(reverse("orders:support-order-detail", kwargs={"number": customer_world["order"].number}))

    assert (
        reverse("orders:support-customer-privacy", kwargs={"pk": customer_world["customer"].pk})
        in page.content.decode()
    )


def test_the_erasure_page_shows_why_it_is_refused_and_changes_nothing(client, support_user):
    from orders.services.intake import place_order
    from tests.reliability import ordering

    channel = ordering.make_channel("web")
    ordering.make_warehouse()
    ordering.make_product("GDPR-3", units=5)
    order = place_order(channel=channel, draft=_draft({"GDPR-3": 1})).order
    verified_login(client, support_user)
    url = reverse("orders:support-customer-erase", kwargs={"pk": order.customer_id})

    page = client.get(url)
    posted = client.post(url, {"confirm": "on"})

    assert page.status_code == 200 and order.number in page.content.decode()
    assert posted.status_code == 409 and order.number in posted.content.decode()
    assert Customer.objects.get(pk=order.customer_id).email == EMAIL


def test_the_erasure_needs_the_confirmation_and_then_erases(
    client, customer_world, support_user, django_capture_on_commit_callbacks
):
    verified_login(client, support_user)
    customer = customer_world["customer"]
    url = reverse("orders:support-customer-erase", kwargs={"pk": customer.pk})

    unconfirmed = client.post(url, {})
    assert unconfirmed.status_code == 400
    assert Customer.objects.get(pk=customer.pk).email == EMAIL

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"confirm": "on"})
    assert done.status_code == 302
    erased = Customer.objects.get(pk=customer.pk)
    assert erased.email.endswith("@erased.invalid") and NAME not in erased.name
    assert not WebhookDelivery.objects.filter(body__icontains=EMAIL).exists()


def test_a_manager_may_not_export(client, customer_world, manager_user):
    login_as(client, manager_user)
    url = reverse("orders:support-customer-export-json", kwargs={"pk": customer_world["customer"].pk})

    assert client.get(url).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_erasure_pages_work_outside_a_test_transaction(client, support_user):
    """As in production (autocommit): the refusal is read without locks, the erasure locks."""
    from orders.services.cancellation import cancel_order
    from orders.services.intake import place_order
    from tests.reliability import ordering

    channel = ordering.make_channel("web")
    ordering.make_warehouse()
    ordering.make_product("GDPR-4", units=5)
    order = place_order(channel=channel, draft=_draft({"GDPR-4": 1})).order
    verified_login(client, support_user)
    url = reverse("orders:support-customer-erase", kwargs={"pk": order.customer_id})

    refused = client.get(url)
    cancel_order(order=order, reason="Kundenwunsch")
    shown = client.get(url)
    done = client.post(url, {"confirm": "on"})

    assert refused.status_code == 200 and order.number in refused.content.decode()
    assert shown.status_code == 200 and 'name="confirm"' in shown.content.decode()
    assert done.status_code == 302
    assert Customer.objects.get(pk=order.customer_id).email.endswith("@erased.invalid")
    assert Order.objects.get(pk=order.pk).email.endswith("@erased.invalid")
