"""Garbage in query strings, form fields and URLs of every inventory page: a 4xx or a normal page with
a message, never a 500 (PostgreSQL refuses NUL bytes, huge numbers overflow integer columns)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from oms.api_keys import create_api_key
from oms.roles import Role
from tests.conftest import client_for, make_user
from tests.inventory.screens import make_bin, make_po, make_product, make_warehouse, put_stock

pytestmark = pytest.mark.django_db

GARBAGE = ["", "abc", "-1", "99999999999999999999", "\x00", "2026-13-45", "ä" * 300]


@pytest.fixture
def staff_client(client, django_user_model):
    user = make_user(django_user_model, "alles", Role.WAREHOUSE)
    user.groups.add(Group.objects.get(name=Role.MANAGER))
    return client_for(client, user)


@pytest.fixture
def catalogue():
    ber = make_warehouse("BER")
    make_bin(ber, "A-01-01")
    mug = make_product("MUG-001", gtin="4006381333931")
    put_stock(mug, ber, 5)
    make_po("PO-1", ber, [(mug, 3)])


GET_PAGES = {
    "/warehouse/stock/": ["q", "warehouse", "low", "out", "after", "before"],
    "/warehouse/products/MUG-001/": ["kind", "warehouse", "date_from", "date_to", "after", "before"],
    "/warehouse/receiving/": ["po", "bin"],
    "/warehouse/purchase-orders/": ["state", "q", "after", "before"],
    "/reports/replenishment/": ["q", "warehouse", "page"],
}
POST_FORMS = {
    "/warehouse/stock/adjust/MUG-001/": ["adjust-warehouse", "adjust-quantity", "adjust-reason", "adjust-bin"],
    "/warehouse/stock/transfer/MUG-001/": ["transfer-from_warehouse", "transfer-to_warehouse", "transfer-quantity"],
    "/warehouse/stock/count/MUG-001/": ["count-warehouse", "count-counted_quantity", "count-bin"],
    "/warehouse/receiving/PO-1/receive/": ["receive-code", "receive-quantity", "receive-bin"],
}


@pytest.mark.parametrize("url", list(GET_PAGES))
def test_garbage_query_parameters_never_cause_a_server_error(staff_client, catalogue, url):
    failures = []
    for param in GET_PAGES[url]:
        for value in GARBAGE:
            for headers in ({}, {"HX-Request": "true"}):
                status = staff_client.get(url, {param: value}, headers=headers).status_code
                if status >= 500:
                    failures.append((param, value[:20], status))
    assert failures == []


@pytest.mark.parametrize("url", list(POST_FORMS))
def test_garbage_form_fields_never_cause_a_server_error(staff_client, catalogue, url):
    failures = []
    for field in POST_FORMS[url]:
        for value in GARBAGE:
            status = staff_client.post(url, {field: value}, headers={"HX-Request": "true"}).status_code
            if status >= 500 or status == 200:  # nothing valid was sent: it must be refused
                failures.append((field, value[:20], status))
    assert failures == []


@pytest.mark.parametrize(
    "path",
    [
        "/warehouse/products/%00/",
        "/warehouse/stock/adjust/%00/",
        "/warehouse/receiving/%00/receive/",
        "/warehouse/purchase-orders/%00/",
        "/reports/replenishment/99999999999999999999/",
    ],
)
def test_impossible_urls_are_not_found(staff_client, path):
    method = staff_client.post if "/adjust/" in path or path.endswith("/receive/") else staff_client.get
    assert method(path).status_code == 404


@pytest.mark.parametrize(
    ("path", "statuses"),
    [
        ("/api/v1/stock/%00/", {404}),
        ("/api/v1/stock/?sku=%00", {400}),
        ("/api/v1/stock/?updated_since=%00", {400}),
        ("/api/v1/stock/?cursor=%00", {400}),  # not a cursor the schema allows
    ],
)
def test_the_stock_api_answers_garbage_with_a_client_error(client, db, path, statuses):
    _key, raw = create_api_key(channel_code="shop", name="Shop")
    assert client.get(path, headers={"Authorization": f"Api-Key {raw}"}).status_code in statuses
