"""PostgreSQL connections dropped under a running server: the request that loses its connection
gets a clean 503 (an error page, or JSON for the API), and the next request succeeds.

The server is pytest-django's live server; the fault is ``pg_terminate_backend`` on the server
thread's own backend, fired from inside the request after it has used the connection, so the
next query of that request meets a dead connection.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import connection
from django.test import Client

import oms.api_keys
import oms.lookups
import oms.roles
from oms.api_keys import create_api_key
from tests.reliability import ordering

pytestmark = [pytest.mark.reliability, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _terminate_current_backend() -> None:
    """Kill this thread's database connection from outside, as a failover or an admin would."""
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as killer:
        killer.execute("SELECT pg_terminate_backend(%s)", [pid])


def _one_shot(original, fired: list):
    def wrapper(*args, **kwargs):
        if not fired:
            fired.append(True)
            _terminate_current_backend()
        return original(*args, **kwargs)

    return wrapper


def _get(live_server, path: str, headers: dict[str, str]) -> tuple[int, str, str]:
    return _request(live_server, "GET", path, headers)


def _request(live_server, method: str, path: str, headers: dict[str, str], body: bytes | None = None):
    url = urlsplit(live_server.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read().decode(errors="replace")
    finally:
        conn.close()


def test_a_page_request_that_loses_its_connection_gets_a_clean_503_and_the_next_succeeds(
    live_server, support_user, monkeypatch
):
    client = Client()
    client.force_login(support_user)
    cookie = {"Cookie": f"sessionid={client.cookies['sessionid'].value}", "Accept-Language": "en"}
    assert _get(live_server, "/support/", cookie)[0] == 200

    fired: list = []
    # user_roles runs a query after the session and user were loaded: the connection is in use.
    monkeypatch.setattr(oms.roles, "user_roles", _one_shot(oms.roles.user_roles, fired))
    status, content_type, body = _get(live_server, "/support/", cookie)

    assert fired, "the fault was not injected"
    assert status == 503
    assert content_type.startswith("text/html")
    assert "Traceback" not in body and "OperationalError" not in body
    assert _get(live_server, "/support/", cookie)[0] == 200


def test_an_api_request_that_loses_its_connection_gets_a_json_503_and_the_next_succeeds(live_server, monkeypatch):
    ordering.make_channel("web")
    _, raw = create_api_key(channel_code="web", name="reliability")
    headers = {"Authorization": f"Api-Key {raw}", "Accept": "application/json"}
    path = "/api/v1/orders/"
    assert _get(live_server, path, headers)[0] == 200

    fired: list = []
    # touch() runs after the key lookup query: the fault hits the request's next statement.
    monkeypatch.setattr(oms.api_keys, "touch", _one_shot(oms.api_keys.touch, fired))
    oms.api_keys.ApiKey.objects.update(last_used_at=None)  # make touch() write
    oms.lookups.clear_all()  # and read the key again, as after the lookup cache's expiry
    status, content_type, body = _get(live_server, path, headers)

    assert fired, "the fault was not injected"
    assert status == 503
    assert content_type.startswith("application/json")
    assert json.loads(body)["code"] == "service_unavailable"
    status, _, body = _get(live_server, path, headers)
    assert status == 200
    assert "results" in json.loads(body)


def test_an_order_whose_connection_dies_mid_intake_leaves_nothing_and_its_retry_succeeds(live_server, monkeypatch):
    """The connection dies inside the intake transaction (order and lines written, stock about to
    be reserved): 503, no trace of the order, and the client's retry with the same Idempotency-Key
    is taken at once (the key is not left claimed by the failed request)."""
    import orders.services.intake
    from inventory.models import StockLevel
    from orders.models import IdempotencyKey, Order, OrderLine

    ordering.make_channel("web")
    ordering.make_product("REL-DB", units=5)
    _, raw = create_api_key(channel_code="web", name="reliability")
    headers = {
        "Authorization": f"Api-Key {raw}",
        "Content-Type": "application/json",
        "Idempotency-Key": "retry-after-connection-loss",
    }
    body = json.dumps(ordering.order_body(["REL-DB"], external_id="db-loss-1")).encode()

    fired: list = []
    monkeypatch.setattr(orders.services.intake, "carry_out", _one_shot(orders.services.intake.carry_out, fired))
    status, content_type, answer = _request(live_server, "POST", "/api/v1/orders/", headers, body)

    assert fired, "the fault was not injected"
    assert status == 503, answer
    assert content_type.startswith("application/json")
    assert json.loads(answer)["code"] == "service_unavailable"
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0
    assert list(StockLevel.objects.values_list("on_hand", "reserved")) == [(5, 0)]
    assert IdempotencyKey.objects.filter(state="completed").count() == 0

    status, _, answer = _request(live_server, "POST", "/api/v1/orders/", headers, body)
    assert status == 201, answer
    assert Order.objects.filter(external_id="db-loss-1").count() == 1
    assert list(StockLevel.objects.values_list("on_hand", "reserved")) == [(5, 1)]
