"""CSV order import: per-row errors and nothing imported for a broken file; a good file places
its orders through intake; the page uploads, polls and stops polling when done."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orders.models import Order, OrderImport, OrderImportStatus, OrderState
from orders.services.imports import parse_orders_csv
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)

HEADER = (
    "external_id,customer_email,customer_name,customer_phone,ship_name,ship_street,ship_postcode,ship_city,"
    "ship_country,currency,payment_method,shipping_amount,sku,quantity,unit_price\n"
)
ANNA = "anna@example.com,Anna Schmidt,030123,Anna Schmidt,Lindenstr. 5,10115,Berlin,DE,EUR,invoice,4.90"
GOOD = HEADER + (
    f"A-100,{ANNA},SHIRT-BLK-M,2,24.90\n"
    f"A-100,{ANNA},MUG-WHT,1,12.50\n"
    "A-101,bob@example.com,Bob Meier,,Bob Meier,Hauptstr. 1,80331,München,DE,EUR,invoice,0,MUG-WHT,3,12.50\n"
)
BROKEN = HEADER + (
    f"B-1,{ANNA},SHIRT-BLK-M,2,24.90\n"
    f"B-1,{ANNA},NOPE-404,1,9.90\n"
    "B-2,not-an-email,Bob,,Bob,Hauptstr. 1,80331,München,DEU,XYZ,invoice,0,MUG-WHT,0,-1\n"
    "B-3,carl@example.com,Carl,,Carl,Weg 2,20095,Hamburg,DE,EUR,invoice,0,MUG-WHT,1,\n"
)


def _upload(client, content: str, name: str = "orders.csv"):
    """Upload like the page does; the task is queued on commit (eager here), so run the callbacks."""
    upload = SimpleUploadedFile(name, content.encode(), content_type="text/csv")
    with _run_on_commit():
        return client.post(reverse("orders:support-order-import"), {"file": upload, "channel": "webshop"})


_run_on_commit = None


@pytest.fixture(autouse=True)
def _on_commit_runner(django_capture_on_commit_callbacks):
    global _run_on_commit
    _run_on_commit = lambda: django_capture_on_commit_callbacks(execute=True)  # noqa: E731


def test_parser_reports_every_broken_field_with_its_row(catalogue):
    parsed = parse_orders_csv(BROKEN.encode())

    found = {(e.row, e.field) for e in parsed.errors}
    assert (3, "sku") in found  # unknown SKU on the second line of B-1
    assert {(4, "customer_email"), (4, "ship_country"), (4, "currency"), (4, "quantity"), (4, "unit_price")} <= found
    assert (5, "unit_price") in found  # required and empty
    assert parsed.total_rows == 4


def test_parser_flags_rows_of_one_order_that_disagree_and_missing_columns(catalogue):
    conflicting = GOOD.replace(f"A-100,{ANNA},MUG", f"A-100,{ANNA.replace('10115', '10117')},MUG")
    parsed = parse_orders_csv(conflicting.encode())
    assert [(e.row, e.field) for e in parsed.errors] == [(3, "ship_postcode")]

    parsed = parse_orders_csv(b"external_id,sku\nX,Y\n")
    assert parsed.errors[0].field == "header"
    assert "quantity" in parsed.errors[0].message


def test_broken_file_imports_nothing_and_the_page_lists_row_errors(support_client, catalogue, webshop):
    response = _upload(support_client, BROKEN)

    order_import = OrderImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:support-order-import-detail", args=[order_import.pk])
    assert order_import.status == OrderImportStatus.FAILED
    assert Order.objects.count() == 0
    assert {(e["row"], e["field"]) for e in order_import.errors} >= {(3, "sku"), (4, "quantity"), (5, "unit_price")}
    page = support_client.get(response["Location"])
    body = page.content.decode()
    assert "Unknown SKU NOPE-404" in body or "NOPE-404" in body
    assert 'hx-trigger="every 1s"' not in body  # finished: no more polling


def test_good_file_places_orders_through_intake_and_a_second_upload_creates_nothing(support_client, catalogue, webshop):
    _upload(support_client, GOOD)

    order_import = OrderImport.objects.get()
    assert order_import.status == OrderImportStatus.DONE, order_import.errors
    assert (order_import.total, order_import.processed, order_import.created) == (3, 3, 2)
    a100 = Order.objects.get(channel=webshop, external_id="A-100")
    assert a100.lines.count() == 2
    assert a100.state == OrderState.ALLOCATED
    assert a100.shipping_postcode == "10115"

    _upload(support_client, GOOD, name="again.csv")
    again = OrderImport.objects.latest("pk")
    assert (again.status, again.created, again.existing) == (OrderImportStatus.DONE, 0, 2)
    assert Order.objects.count() == 2


def test_status_partial_polls_while_running_and_stops_with_286_when_done(support_client, webshop, support_user):
    running = OrderImport.objects.create(
        channel=webshop, status=OrderImportStatus.RUNNING, total=10, processed=4, original_name="x.csv"
    )
    url = reverse("orders:support-order-import-detail", args=[running.pk])

    partial = support_client.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    body = partial.content.decode()
    assert 'hx-trigger="every 1s"' in body and "4 of 10" in body
    assert "<html" not in body

    OrderImport.objects.filter(pk=running.pk).update(status=OrderImportStatus.DONE, processed=10)
    done = support_client.get(url, headers={"HX-Request": "true"})
    assert done.status_code == 286
    assert "10 of 10" in done.content.decode()


def test_upload_without_a_csv_file_answers_422_with_the_form(support_client, webshop):
    response = support_client.post(
        reverse("orders:support-order-import"),
        {"file": SimpleUploadedFile("x.exe", b"MZ"), "channel": "webshop"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert 'id="import-form"' in response.content.decode()
    assert OrderImport.objects.count() == 0


@pytest.mark.parametrize("content", [b"external_id;sku\n\x81\x8d", b"PK\x03\x04\x00\x00binary"])
def test_a_file_that_is_not_text_is_one_clear_error(catalogue, content):
    parsed = parse_orders_csv(content)
    assert [(e.row, e.field) for e in parsed.errors] == [(0, "file")]
    assert parsed.orders == []


def test_import_pages_are_for_support_only(client, warehouse_client):
    url = reverse("orders:support-order-import")
    assert warehouse_client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_too_long_values_are_row_errors_not_database_failures(catalogue):
    long_id = "X" * 101
    parsed = parse_orders_csv((HEADER + f"{long_id},{ANNA},MUG-WHT,1,12.50\n").encode())
    assert [(e.row, e.field) for e in parsed.errors] == [(2, "external_id")]


def test_an_unexpected_failure_marks_the_import_failed_so_polling_stops(
    support_client, catalogue, webshop, monkeypatch
):
    from orders.services import imports

    def explode(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(imports, "place_import_order", explode)
    _upload(support_client, GOOD)

    order_import = OrderImport.objects.get()
    assert order_import.status == OrderImportStatus.FAILED
    assert order_import.errors[0]["field"] == "file"
    assert Order.objects.count() == 0


def test_the_csv_template_downloads_for_german_excel_and_imports_as_it_is(support_client, catalogue, webshop):
    page = support_client.get(reverse("orders:support-order-import")).content.decode()
    assert reverse("orders:support-order-import-template") in page

    response = support_client.get(reverse("orders:support-order-import-template"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="order-import-template.csv"'
    content = b"".join(response.streaming_content)
    header, example, *rest = content.decode("utf-8").splitlines()
    assert rest == []
    assert header.startswith("\ufeffexternal_id;customer_email;")
    assert "19,90" in example.split(";")  # decimal comma, as German Excel writes it
    sku = example.split(";")[header.lstrip("\ufeff").split(";").index("sku")]
    assert sku in catalogue

    upload = SimpleUploadedFile("order-import-template.csv", content, content_type="text/csv")
    with _run_on_commit():
        support_client.post(reverse("orders:support-order-import"), {"file": upload, "channel": "webshop"})

    order_import = OrderImport.objects.get()
    assert order_import.status == OrderImportStatus.DONE, order_import.errors
    assert order_import.created == 1
    order = Order.objects.get(channel=webshop, external_id="EXAMPLE-1001")
    assert (order.lines.get().product.sku, order.shipping_city) == (sku, "Berlin")


def test_the_csv_template_is_for_support_only(client, warehouse_client):
    url = reverse("orders:support-order-import-template")
    assert warehouse_client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
