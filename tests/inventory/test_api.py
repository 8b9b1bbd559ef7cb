from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import ChannelStockBuffer, StockLevel
from inventory.services.receiving import OrderLineInput, create_purchase_order
from inventory.services.reservations import StockRequest, reserve_stock
from inventory.services.stock import receive_stock
from oms.api_keys import create_api_key
from tests.inventory.factories import ChannelStockBufferFactory, ProductFactory, SupplierFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/stock/"


@pytest.fixture
def channel_client(client):
    _key, raw = create_api_key(channel_code="marketplace", name="Marktplatz")
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {raw}"
    return client


@pytest.fixture
def stocked(product, warehouse):
    vienna = WarehouseFactory(code="VIE", priority=20)
    receive_stock(product=product, warehouse=warehouse, quantity=10)
    receive_stock(product=product, warehouse=vienna, quantity=3)
    reserve_stock(requests=[StockRequest(product.pk, warehouse.pk, 4)], reference="order:1")
    create_purchase_order(
        supplier=SupplierFactory(),
        warehouse=warehouse,
        expected_date=datetime.date(2026, 12, 10),
        lines=[OrderLineInput(product.pk, 20)],
    )
    return product


def test_url_names_resolve():
    assert reverse("inventory-api:stock-list") == URL
    assert reverse("inventory-api:stock-detail", kwargs={"sku": "A/B"}) == URL + "A/B/"


def test_channel_reads_available_to_promise_with_its_buffer(channel_client, stocked):
    ChannelStockBufferFactory(channel_code="marketplace", product=None, buffer=2)
    ChannelStockBufferFactory(channel_code="other-shop", product=stocked, buffer=9)

    response = channel_client.get(URL, {"sku": stocked.sku})

    assert response.status_code == 200
    (item,) = response.json()["results"]
    assert (item["on_hand"], item["reserved"], item["available"]) == (13, 4, 9)
    assert (item["buffer"], item["available_to_promise"]) == (2, 7)
    assert (item["inbound"], item["next_inbound_date"]) == (20, "2026-12-10")
    assert [(w["warehouse"], w["available"]) for w in item["warehouses"]] == [("LEJ", 6), ("VIE", 3)]
    assert [(ln["warehouse"], ln["quantity"], ln["expected_date"]) for ln in item["inbound_lines"]] == [
        ("LEJ", 20, "2026-12-10")
    ]


def test_a_product_not_yet_in_stock_shows_its_inbound_per_warehouse(channel_client, warehouse):
    coming = ProductFactory(sku="NEU-1")
    create_purchase_order(
        supplier=SupplierFactory(),
        warehouse=warehouse,
        expected_date=datetime.date(2026, 12, 14),
        lines=[OrderLineInput(coming.pk, 30)],
    )

    item = channel_client.get(URL + "NEU-1/").json()

    assert (item["available_to_promise"], item["inbound"], item["next_inbound_date"]) == (0, 30, "2026-12-14")
    assert [(w["warehouse"], w["on_hand"], w["inbound"]) for w in item["warehouses"]] == [("LEJ", 0, 30)]


def test_product_buffer_beats_channel_wide_buffer_and_atp_never_negative(channel_client, stocked):
    ChannelStockBufferFactory(channel_code="marketplace", product=None, buffer=2)
    ChannelStockBufferFactory(channel_code="marketplace", product=stocked, buffer=50)
    item = channel_client.get(URL + f"{stocked.sku}/").json()
    assert (item["buffer"], item["available_to_promise"]) == (50, 0)


def test_unknown_sku_is_404_with_a_code(channel_client, db):
    response = channel_client.get(URL, {"sku": "NOPE"})
    assert response.status_code == 404 and response.json()["code"] == "unknown_product"
    assert channel_client.get(URL + "NOPE/").status_code == 404


def test_updated_since_lists_only_changed_products_with_cursor_pages(channel_client, warehouse):
    old, new = ProductFactory(), ProductFactory()
    receive_stock(product=old, warehouse=warehouse, quantity=1)
    StockLevel.objects.filter(product=old).update(updated_at=timezone.now() - datetime.timedelta(days=2))
    receive_stock(product=new, warehouse=warehouse, quantity=1)
    extra = [ProductFactory() for _ in range(3)]
    for p in extra:
        receive_stock(product=p, warehouse=warehouse, quantity=2)

    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    first = channel_client.get(URL, {"updated_since": since, "limit": 2}).json()
    second = channel_client.get(first["next"]).json()

    skus = [i["sku"] for page in (first, second) for i in page["results"]]
    assert skus == [p.sku for p in [new, *extra]]
    assert second["next"] is None


def test_updated_since_also_lists_products_whose_inbound_changed(channel_client, warehouse):
    since = timezone.now()
    ordered, untouched = ProductFactory(sku="PO-ONLY"), ProductFactory(sku="QUIET")
    receive_stock(product=untouched, warehouse=warehouse, quantity=1)
    StockLevel.objects.filter(product=untouched).update(updated_at=since - datetime.timedelta(hours=1))
    create_purchase_order(supplier=SupplierFactory(), warehouse=warehouse, lines=[OrderLineInput(ordered.pk, 12)])

    response = channel_client.get(URL, {"updated_since": since.isoformat()})

    assert [(i["sku"], i["inbound"]) for i in response.json()["results"]] == [("PO-ONLY", 12)]


@pytest.mark.parametrize(
    "params", [{"updated_since": "yesterday"}, {"sku": ","}, {"sku": ",".join(f"S{i}" for i in range(101))}]
)
def test_bad_query_parameters_are_400(channel_client, params):
    response = channel_client.get(URL, params)
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_without_credentials_401_and_customers_403(client, django_user_model, db):
    assert client.get(URL).status_code == 401
    client.force_login(django_user_model.objects.create_user("kunde"))
    assert client.get(URL).status_code == 403


def test_staff_session_may_read_and_preview_a_channel(support_client, stocked):
    ChannelStockBufferFactory(channel_code="marketplace", buffer=5)
    item = support_client.get(URL, {"sku": stocked.sku, "channel": "marketplace"}).json()["results"][0]
    assert item["available_to_promise"] == 4


def test_list_query_count_does_not_grow_with_products(channel_client, warehouse, django_assert_max_num_queries):
    for _ in range(30):
        receive_stock(product=ProductFactory(), warehouse=warehouse, quantity=1)
    with django_assert_max_num_queries(10):
        assert len(channel_client.get(URL).json()["results"]) == 30


def test_schema_documents_the_stock_endpoints(admin_client_):
    response = admin_client_.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/stock/" in text and "available_to_promise" in text


def test_updated_since_lists_products_whose_buffer_for_this_channel_changed(channel_client, warehouse):
    buffered, other_channel, quiet = (ProductFactory(sku=s) for s in ("BUF-1", "OTHER-1", "QUIET-1"))
    for product in (buffered, other_channel, quiet):
        receive_stock(product=product, warehouse=warehouse, quantity=5)
    StockLevel.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    since = timezone.now()
    ChannelStockBufferFactory(channel_code="marketplace", product=buffered, buffer=3)
    ChannelStockBufferFactory(channel_code="other-shop", product=other_channel, buffer=3)

    changed = channel_client.get(URL, {"updated_since": since.isoformat()}).json()["results"]
    assert [(i["sku"], i["available_to_promise"]) for i in changed] == [("BUF-1", 2)]

    ChannelStockBufferFactory(channel_code="marketplace", product=None, buffer=1)  # every product changes
    changed = channel_client.get(URL, {"updated_since": since.isoformat()}).json()["results"]
    assert sorted(i["sku"] for i in changed) == ["BUF-1", "OTHER-1", "QUIET-1"]


def test_updated_since_lists_products_whose_buffer_was_deleted_in_the_admin(channel_client, admin_client_, warehouse):
    """Deleting a buffer raises what the channel may sell: an incremental sync must see it."""
    buffered, quiet = ProductFactory(sku="BUF-1"), ProductFactory(sku="QUIET-1")
    for product in (buffered, quiet):
        receive_stock(product=product, warehouse=warehouse, quantity=5)
    buffer = ChannelStockBufferFactory(channel_code="marketplace", product=buffered, buffer=3)
    StockLevel.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    ChannelStockBuffer.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    since = timezone.now()

    response = admin_client_.post(
        reverse("admin:inventory_channelstockbuffer_delete", args=[buffer.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    changed = channel_client.get(URL, {"updated_since": since.isoformat()}).json()["results"]
    assert [(i["sku"], i["available_to_promise"]) for i in changed] == [("BUF-1", 5)]


def test_deleting_a_channel_wide_buffer_changes_every_product(channel_client, admin_client_, warehouse):
    for sku in ("A-1", "B-1"):
        receive_stock(product=ProductFactory(sku=sku), warehouse=warehouse, quantity=2)
    ChannelStockBufferFactory(channel_code="marketplace", product=None, buffer=1)
    StockLevel.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    ChannelStockBuffer.objects.update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    since = timezone.now()

    response = admin_client_.post(
        reverse("admin:inventory_channelstockbuffer_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": list(ChannelStockBuffer.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not ChannelStockBuffer.objects.exists()
    changed = channel_client.get(URL, {"updated_since": since.isoformat()}).json()["results"]
    assert sorted((i["sku"], i["available_to_promise"]) for i in changed) == [("A-1", 2), ("B-1", 2)]
