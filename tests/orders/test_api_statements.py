"""What one API order costs the database, counted as PostgreSQL receives it: every statement the
request sends from its first byte to the response, the transaction's BEGIN and COMMIT included."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from psycopg.pq import TransactionStatus

from inventory.models import Product, StockLevel, Warehouse
from oms import outbox
from oms.api_keys import create_api_key
from orders.models import Channel, Order, OrderState
from orders.services.numbering import clear_number_block

# What an API order sends, counted below: BEGIN; the Idempotency-Key's lock and row (one statement);
# the products; the customer (upsert); the stock levels (locked, one read); the order with its
# lines and their allocations (one statement); the reservation with the day's demand (one); the
# timeline (one insert); the confirmation mail with its outbox message (one); the key's row; COMMIT.
# The API key and the channel come from the process's lookup cache, the order number from the
# process's block of numbers; with a key, the external id is left to its unique constraint.
STATEMENTS_PER_ORDER = 11

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@contextmanager
def every_statement() -> Iterator[list[str]]:
    """The statements this thread's connection sends while the block runs, in order.

    psycopg opens a transaction by sending BEGIN before the first statement after autocommit
    was switched off, and Django ends it with the connection's commit or rollback; neither goes
    through the cursor, so they are counted here where they happen.
    """
    sent: list[str] = []

    def before_each(execute, sql, params, many, context):
        raw = connection.connection
        if not raw.autocommit and raw.info.transaction_status == TransactionStatus.IDLE:
            sent.append("BEGIN")
        sent.append(sql)
        return execute(sql, params, many, context)

    def ending(name: str, original):
        def end() -> None:
            if connection.connection.info.transaction_status != TransactionStatus.IDLE:
                sent.append(name)
            original()

        return end

    commit, rollback = connection._commit, connection._rollback
    connection._commit, connection._rollback = ending("COMMIT", commit), ending("ROLLBACK", rollback)
    try:
        with connection.execute_wrapper(before_each):
            yield sent
    finally:
        del connection._commit, connection._rollback


def _order(n: int, skus: list[str]) -> str:
    return json.dumps(
        {
            "external_id": f"stmt-{n}",
            "customer": {"email": f"kunde.{n}@example.com", "name": "Anna Schmidt"},
            "billing_address": {
                "name": "Anna Schmidt",
                "street": "Hauptstraße 4",
                "postcode": "10115",
                "city": "Berlin",
                "country": "DE",
            },
            "lines": [{"sku": sku, "quantity": 1, "unit_price": "19.99"} for sku in skus],
            "shipping_total": "4.90",
            "payment": {"method": "invoice"},
        }
    )


@pytest.fixture
def shop() -> tuple[Client, list[str]]:
    Channel.objects.create(code="webshop", name="Webshop")
    warehouse = Warehouse.objects.create(code="LEJ", name="Leipzig")
    skus = []
    for i in range(3):
        product = Product.objects.create(
            sku=f"S-{i}", name=f"Produkt {i}", gross_price=Decimal("19.99"), net_price=Decimal("16.80")
        )
        StockLevel.objects.create(product=product, warehouse=warehouse, on_hand=100)
        skus.append(product.sku)
    raw_key = create_api_key(channel_code="webshop", name="shop backend")[1]
    clear_number_block()  # the first order draws the process's block of numbers, the next use it
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client, skus


def _post(client: Client, body: str):
    return client.post("/api/v1/orders/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)


def test_an_api_order_of_three_lines_costs_a_fixed_number_of_statements(shop, monkeypatch):
    client, skus = shop
    # The broker is the edge here: the worker, not the request, delivers the confirmation mail.
    handed_over: list[int] = []
    monkeypatch.setattr(outbox, "send_delivery_task_rollback_unsafe", lambda pk, kind="": handed_over.append(pk))
    assert _post(client, _order(0, skus)).status_code == 201  # the key and channel have been used once

    with every_statement() as sent:
        response = _post(client, _order(1, skus))

    assert response.status_code == 201, response.json()
    order = Order.objects.get(number=response.json()["number"])
    assert order.state == OrderState.ALLOCATED
    assert order.lines.filter(quantity_allocated=1).count() == 3
    assert len(handed_over) == 2  # each order's confirmation mail went to the broker after commit
    assert sent[0] == "BEGIN" and sent[-1] == "COMMIT"
    assert not [sql for sql in sent if "SAVEPOINT" in sql]
    assert len(sent) == STATEMENTS_PER_ORDER, "\n".join(sql[:120] for sql in sent)


def test_the_first_order_of_a_key_reads_the_key_and_the_channel_once(shop, monkeypatch):
    client, skus = shop
    monkeypatch.setattr(outbox, "send_delivery_task_rollback_unsafe", lambda pk, kind="": None)

    with every_statement() as sent:
        assert _post(client, _order(0, skus)).status_code == 201

    # The key, its last use (at most once a minute), the channel, the block of order numbers,
    # then the order as above with the active webhook subscriptions read once (kept for the next
    # orders), and after it the shop connections that take our stock (read once, kept as well) and
    # billing's setting of the channel (when to invoice).
    assert len(sent) == STATEMENTS_PER_ORDER + 7, "\n".join(sql[:120] for sql in sent)
