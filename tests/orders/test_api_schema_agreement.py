"""The API's answers and its OpenAPI schema agree, through HTTP as an outside probe sent each case:
what the schema allows is accepted (or refused by a business rule with the documented 422), what
it forbids is a 400 naming the parameter, never silently ignored."""

# Fixtures come from tests/orders/api_fixtures.py by import; pytest injects them by parameter name.
# ruff: noqa: F811

from __future__ import annotations

import re

import pytest

from inventory.seed import CATALOGUE
from orders.models import Order
from tests.orders.api_fixtures import (  # noqa: F401  (fixtures)
    api,
    api_key,
    channel,
    products,
)
from tests.orders.test_api import URL, order_body, post
from tests.reliability import ordering

pytestmark = pytest.mark.django_db

STOCK_URL = "/api/v1/stock/"


@pytest.fixture
def openapi(client) -> dict:
    return client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en").json()


def _parameter(openapi: dict, path: str, method: str, name: str) -> dict:
    operation = openapi["paths"][path][method]
    return next(p for p in operation["parameters"] if p["name"] == name)


def _allows(schema: dict, value: str) -> bool:
    return re.fullmatch(schema["pattern"].strip("^$"), value) is not None


# --- cursors and page sizes ---------------------------------------------------------------------


def test_the_next_link_carries_a_cursor_the_schema_allows_and_every_allowed_cursor_works(api, products, openapi):
    for i in range(3):
        post(api, order_body(external_id=f"C-{i}"))
    cursor_schema = _parameter(openapi, "/api/v1/orders/", "get", "cursor")["schema"]

    first = api.get(URL, {"page_size": 2}).json()
    cursor = re.search(r"cursor=([^&]+)", first["next"]).group(1)
    second = api.get(first["next"]).json()
    back = api.get(second["previous"]).json()

    assert _allows(cursor_schema, cursor)
    assert len(second["results"]) == 1
    assert [o["number"] for o in back["results"]] == [o["number"] for o in first["results"]]
    for allowed in ("a0.0", "b0.1", "a9999999999999999.999999999999999999"):
        assert _allows(cursor_schema, allowed)
        assert api.get(URL, {"cursor": allowed}).status_code == 200, allowed


@pytest.mark.parametrize("cursor", ["not-a-cursor", "", "a1", "c1.1", "a1.1.1", "a-1.1", "a1.1\x00"])
def test_a_cursor_the_schema_forbids_is_400_naming_it(api, products, openapi, cursor):
    cursor_schema = _parameter(openapi, "/api/v1/orders/", "get", "cursor")["schema"]

    response = api.get(URL, {"cursor": cursor})

    assert not _allows(cursor_schema, cursor)
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


@pytest.mark.parametrize(
    ("url", "name", "value"),
    [
        (URL, "page_size", "null"),
        (URL, "page_size", "-3.8e-272"),
        (URL, "page_size", "0"),
        (URL, "page_size", "201"),
        (URL, "page_size", "2.0"),
        (URL, "page_size", ""),
        (STOCK_URL, "limit", "null"),
        (STOCK_URL, "limit", "501"),
        (STOCK_URL, "limit", "-1"),
    ],
)
def test_a_bad_page_size_is_400_naming_it_not_silently_the_default(api, products, url, name, value):
    response = api.get(url, {name: value})

    assert response.status_code == 400
    assert name in response.json()["errors"]


def test_page_sizes_in_range_are_obeyed(api, products, openapi):
    for i in range(3):
        post(api, order_body(external_id=f"P-{i}"))
    page_size = _parameter(openapi, "/api/v1/orders/", "get", "page_size")["schema"]

    assert (page_size["minimum"], page_size["maximum"]) == (1, 200)
    assert len(api.get(URL, {"page_size": "1"}).json()["results"]) == 1
    assert len(api.get(URL, {"page_size": "200"}).json()["results"]) == 3


# --- filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (URL, "channel"),
        (URL, "external_id"),
        (URL, "updated_since"),
        (URL, "state"),
        (STOCK_URL, "channel"),
        (STOCK_URL, "sku"),
        (STOCK_URL, "updated_since"),
    ],
)
def test_an_empty_filter_is_400_naming_it_not_ignored(api, products, url, name):
    response = api.get(url, {name: ""})

    assert response.status_code == 400
    assert name in response.json()["errors"]


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-23T08:00:00Z",
        "2026-11-23t08:00:00.123456789z",
        "2026-12-31T23:59:60Z",
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-23:59",
        "2026-11-23T08:00:00+01:00",
    ],
)
def test_every_rfc3339_date_time_is_accepted_as_updated_since(api, products, value):
    assert api.get(URL, {"updated_since": value}).status_code == 200
    assert api.get(STOCK_URL, {"updated_since": value, "sku": "MUG-WHT"}).status_code == 200


@pytest.mark.parametrize("value", ["yesterday", "2026-11-23", "2026-11-23T08:00:00", "2026-02-30T00:00:00Z"])
def test_an_updated_since_that_is_no_rfc3339_date_time_is_400(api, products, value):
    for url in (URL, STOCK_URL):
        response = api.get(url, {"updated_since": value})

        assert response.status_code == 400
        assert "updated_since" in response.json()["errors"]


def test_the_sku_list_takes_up_to_100_skus_and_refuses_empty_entries(api, products, openapi):
    sku_schema = _parameter(openapi, "/api/v1/stock/", "get", "sku")["schema"]
    hundred = ",".join(["MUG-WHT"] * 100)

    assert api.get(STOCK_URL, {"sku": "MUG-WHT, SHIRT-BLK-M"}).status_code == 200
    assert _allows(sku_schema, hundred) and api.get(STOCK_URL, {"sku": hundred}).status_code == 200
    for bad in (hundred + ",MUG-WHT", "MUG-WHT,,SHIRT-BLK-M", ",", " "):
        assert not _allows(sku_schema, bad)
        assert api.get(STOCK_URL, {"sku": bad}).status_code == 400, bad


# --- bodies -------------------------------------------------------------------------------------


def test_nul_in_a_cancel_reason_is_a_400_the_schema_documents(api, products, openapi):
    number = post(api, order_body()).json()["number"]
    reason = openapi["components"]["schemas"]["CancelInputRequest"]["properties"]["reason"]

    response = post(api, {"reason": "storniert\x00"}, url=f"{URL}{number}/cancel/")

    assert not _allows(reason, "storniert\x00") and _allows(reason, "storniert")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    assert Order.objects.get(number=number).state != "cancelled"


def test_business_rules_are_422_as_the_schema_documents(api, products, openapi):
    documented = openapi["paths"]["/api/v1/orders/"]["post"]["responses"]
    unknown_sku = order_body(lines=[{"sku": "GHOST-42", "quantity": 1, "unit_price": "9.99"}], total=None)

    response = post(api, unknown_sku)

    assert response.status_code == 422
    assert "business rule" in documented["422"]["description"]
    assert "does not match this schema" in documented["400"]["description"]


def test_the_schema_examples_name_products_of_the_demo_catalogue(openapi):
    # inventory/seed.py names the first variant of the first product of each category <prefix>-0101,
    # whatever the catalogue's scale.
    demo_skus = {f"{prefix}-0101" for _category, prefix, _vat, _bases, _variants in CATALOGUE}
    example = openapi["paths"]["/api/v1/orders/"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    skus = {line["sku"] for value in example.values() for line in value["value"]["lines"]}
    stock_example = _parameter(openapi, "/api/v1/stock/{sku}/", "get", "sku")["examples"]

    assert skus and skus <= demo_skus
    assert {e["value"] for e in stock_example.values()} <= demo_skus


def test_the_schemas_own_order_example_is_accepted(api, openapi):
    example = openapi["paths"]["/api/v1/orders/"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    body = next(iter(example.values()))["value"]
    for line in body["lines"]:
        ordering.make_product(line["sku"], units=5, price=line["unit_price"])

    response = post(api, body)

    assert response.status_code == 201, response.content


def test_addresses_in_answers_are_not_declared_as_ascii_email(openapi):
    """Real addresses are internationalised (elias.müller.318@…): the response schema says string."""
    email = openapi["components"]["schemas"]["CustomerOutput"]["properties"]["email"]

    assert email["type"] == "string" and email.get("format") in (None, "idn-email")


# --- answers against the response schema --------------------------------------------------------


def _strict(node):
    """The OpenAPI 3.0 schema as JSON Schema: ``nullable`` as a null alternative, and no property
    an object does not declare (an undeclared field in an answer fails)."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _strict(value) for key, value in node.items()}
    if node.get("type") == "object" and "properties" in node:
        node.setdefault("additionalProperties", False)
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def _check_against_schema(openapi: dict, component: str, answer: dict) -> None:
    import jsonschema

    root = _strict(openapi)
    validator = jsonschema.Draft202012Validator(
        {**root, "$ref": f"#/components/schemas/{component}"}, format_checker=jsonschema.FormatChecker()
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(answer)]
    assert not errors, errors


def test_the_detail_answer_with_its_shipments_is_what_the_schema_declares(client, openapi):
    from fulfillment.services.tracking import record_tracking_event_by_hand
    from oms.api_keys import create_api_key
    from tests.fulfillment.shipping import packed_shipment, shipped_shipment

    shipped = shipped_shipment()
    record_tracking_event_by_hand(
        shipment=shipped, state="exception", reason="address", occurred_at=shipped.shipped_at, location="Hub"
    )
    packed = packed_shipment()
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {create_api_key(channel_code='web', name='shop')[1]}"
    operation = openapi["paths"]["/api/v1/orders/{number}/"]["get"]
    component = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "shipments" in openapi["components"]["schemas"][component]["required"]

    for order in (shipped.order, packed.order):
        answer = client.get(f"/api/v1/orders/{order.number}/").json()
        assert answer["shipments"], answer
        _check_against_schema(openapi, component, answer)
    answer = client.get(f"/api/v1/orders/{shipped.order.number}/").json()
    assert answer["shipments"][0]["delay"]["code"] == "exception" and answer["shipments"][0]["events"]


def test_the_list_answer_is_what_the_schema_declares(api, products, openapi):
    post(api, order_body(external_id="S-1"))
    operation = openapi["paths"]["/api/v1/orders/"]["get"]
    component = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    _check_against_schema(openapi, component, api.get(URL).json())
