"""schemathesis against ``/api/schema/`` with every check it has, on every operation, in its
examples, coverage and fuzzing phases, with valid (positive) and invalid (negative) data:

- no 5xx; status code, content type, headers and body as the schema documents them;
- negative data (what the schema forbids) is refused with a 4xx, positive data (what it allows)
  is never refused with a 400: the schema and the API's validation are one;
- an undeclared method answers 405 with ``Allow``, a missing required header is refused, a
  request without credentials is refused (``ignored_auth``).

Positive data may still meet a business rule the schema cannot express (the SKU must exist,
the totals must add up): that is a 422, which the API documents as exactly that, so 422 is among
the answers positive data may get. Beside the fuzzing every operation is called once with a valid
request on real data (its success answer checked) and once without credentials (401). Bounded
(``max_examples`` and a fixed seed) so the run stays within about two minutes; the WSGI app is
called in-process, inside the test's database transaction.
"""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES

from oms.api_keys import create_api_key
from tests.reliability import ordering

pytestmark = pytest.mark.django_db

CHANNEL_CODE = "fuzz"


def authenticated(ctx, response, case):
    """The API key the fuzzer sends is valid: no request may be refused as unauthenticated."""
    assert response.status_code != 401, f"{case.method} {case.formatted_path} refused the API key"


CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261207,
        # Every phase pytest runs: the schema's examples, the coverage cases (boundaries and each
        # constraint broken on its own), then random fuzzing. All checks are on by default.
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True}},
        "checks": {
            # A business rule the schema cannot express answers 422 (see the module docstring).
            "positive_data_acceptance": {"expected-statuses": [*POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES, "422"]},
        },
    }
)


@pytest.fixture
def api_key_headers(db) -> dict[str, str]:
    ordering.make_channel(CHANNEL_CODE)
    ordering.make_product("FUZZ-1", units=20)
    for sku in DEMO_SKUS:  # the schema's examples name products of the demo catalogue
        ordering.make_product(sku, units=20)
    _, raw = create_api_key(channel_code=CHANNEL_CODE, name="schemathesis")
    return {"Authorization": f"Api-Key {raw}"}


@pytest.fixture(autouse=True)
def _keep_the_test_transaction_open():
    """Calling the WSGI app directly fires request_finished, whose close_old_connections would
    close the connection holding the test's transaction; Django's test client disconnects it too."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _load_schema():
    # Loaded at collection, not through schemathesis.pytest.from_fixture: its lazy loader reads
    # pytest's private Function._nodeid, which pytest 9 no longer has. The schema view touches no
    # database, so loading it here is safe.
    from oms.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)


schema = _load_schema()
OPERATIONS = [(method.upper(), path) for path, ops in schema.raw_schema["paths"].items() for method in ops]


DEMO_SKUS = ("HH-0101", "KU-0101")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_api_operation_answers_within_its_schema(case, api_key_headers):
    case.call_and_validate(headers=api_key_headers, additional_checks=[authenticated])


def test_every_check_and_phase_of_schemathesis_is_on():
    """Control: nothing is switched off to make the run pass (max_response_time is off unless a
    limit is given, and the run is in-process on a shared CI machine, so no limit is set)."""
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    config = schema.config.checks_config_for(operation=None, phase=None)
    names = set(CHECKS.get_all_names())
    assert {"negative_data_rejection", "positive_data_acceptance", "response_schema_conformance"} <= names
    assert [name for name in names if not config.get_by_name(name=name).enabled] in ([], ["max_response_time"])
    phases = schema.config.phases_for(operation=None)
    assert phases.examples.enabled and phases.coverage.enabled and phases.fuzzing.enabled


def test_the_schema_lists_every_api_operation():
    """Control: fuzzing an empty or partial schema would prove little."""
    assert set(OPERATIONS) >= {
        ("GET", "/api/v1/orders/"),
        ("POST", "/api/v1/orders/"),
        ("GET", "/api/v1/orders/{number}/"),
        ("POST", "/api/v1/orders/{number}/cancel/"),
        ("GET", "/api/v1/stock/"),
        ("GET", "/api/v1/stock/{sku}/"),
    }


def _valid_cases(number: str) -> dict[tuple[str, str], dict]:
    """A valid request for each operation (keyword arguments of ``APIOperation.Case``)."""
    return {
        ("POST", "/api/v1/orders/"): {
            "body": ordering.order_body(["FUZZ-1"]),
            "headers": {"Idempotency-Key": uuid.uuid4().hex},
            "media_type": "application/json",
        },
        ("GET", "/api/v1/orders/"): {"query": {"page_size": 5}},
        ("GET", "/api/v1/orders/{number}/"): {"path_parameters": {"number": number}},
        ("POST", "/api/v1/orders/{number}/cancel/"): {
            "path_parameters": {"number": number},
            "body": {"reason": "Kunde hat storniert"},
            "media_type": "application/json",
        },
        ("GET", "/api/v1/stock/"): {"query": {"sku": "FUZZ-1"}},
        ("GET", "/api/v1/stock/{sku}/"): {"path_parameters": {"sku": "FUZZ-1"}},
    }


def _place_order(api_key_headers) -> str:
    # Through the WSGI app like every call here (Django's test client would reconnect
    # close_old_connections, which the fixture above keeps away from the test's transaction).
    case = schema["/api/v1/orders/"]["POST"].Case(
        body=ordering.order_body(["FUZZ-1"]),
        headers={**api_key_headers, "Idempotency-Key": uuid.uuid4().hex},
        media_type="application/json",
    )
    response = case.call()
    assert response.status_code == 201, response.text
    return response.json()["number"]


def test_every_operation_succeeds_with_a_valid_request_and_answers_as_documented(api_key_headers):
    number = _place_order(api_key_headers)
    cases = _valid_cases(number)
    assert set(cases) == set(OPERATIONS), "a new API operation needs a valid request here"
    for (method, path), kwargs in cases.items():
        kwargs = dict(kwargs)
        headers = {**api_key_headers, **kwargs.pop("headers", {})}
        case = schema[path][method].Case(headers=headers, **kwargs)
        response = case.call_and_validate(additional_checks=[authenticated])
        assert 200 <= response.status_code < 300, (method, path, response.status_code, response.text)


def test_every_operation_refuses_a_request_without_credentials(api_key_headers):
    number = _place_order(api_key_headers)
    for (method, path), kwargs in _valid_cases(number).items():
        kwargs = {k: v for k, v in kwargs.items() if k != "headers"}
        case = schema[path][method].Case(**kwargs)
        response = case.call_and_validate()
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["code"] == "not_authenticated"


def test_an_unrouted_api_path_answers_json(client):
    response = client.get("/api/v1/stock/a%0Ab/", HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"

    response = client.get("/api/v2/nothing-here/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}
    response = client.get("/api/v2/nothing-here/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.json() == {"code": "not_found", "message": "Nicht gefunden."}


def test_an_unrouted_page_still_gets_the_html_404_page(client):
    response = client.get("/support/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"<html" in response.content.lower()
