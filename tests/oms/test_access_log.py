"""The access log: each page that shows one customer's personal data, and each download of a
document holding it, records who saw whose data (one insert); admins read it, nobody edits it."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oms import documents
from oms.models import AccessAction, CustomerDataAccess
from orders.mails import LEGAL_TEXT
from orders.models import LegalText
from tests.logins import login_as
from tests.oms.mailfixtures import shop_with_legal_texts
from tests.security.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(support_user):
    return build_world(user=support_user, skus={"LOG-1": 10})


def _inserts_into_the_log(queries) -> int:
    table = CustomerDataAccess._meta.db_table
    return sum(1 for q in queries if q["sql"].startswith(f'INSERT INTO "{table}"'))


def test_the_support_order_page_records_who_saw_which_customers_order_with_one_insert(
    world, support_client, support_user
):
    order = world["order"]
    path = reverse("orders:support-order-detail", args=[order.number])

    with CaptureQueriesContext(connection) as queries:
        assert support_client.get(path).status_code == 200

    [entry] = CustomerDataAccess.objects.all()
    assert (entry.user, entry.username, entry.action) == (support_user, "agent", AccessAction.VIEWED)
    assert (entry.subject_type, entry.subject_id, entry.customer_id) == ("order", order.number, order.customer_id)
    assert entry.path == path
    assert _inserts_into_the_log(queries.captured_queries) == 1


@pytest.mark.parametrize(
    ("url_name", "kwargs", "subject_type"),
    [
        ("orders:support-case-detail", lambda w: {"pk": w["case"].pk}, "case"),
        ("orders:support-phone-customer-pick", lambda w: {"pk": w["order"].customer_id}, "customer"),
        ("support-mail-detail", lambda w: {"pk": w["mail"].pk}, "mail"),
        ("support-mail-html", lambda w: {"pk": w["mail"].pk}, "mail"),
    ],
)
def test_every_page_with_one_customers_data_records_the_customer(world, support_client, url_name, kwargs, subject_type):
    assert support_client.get(reverse(url_name, kwargs=kwargs(world))).status_code == 200

    [entry] = CustomerDataAccess.objects.all()
    assert entry.subject_type == subject_type
    assert entry.customer_id == world["order"].customer_id


def test_a_page_that_is_not_found_or_refused_records_nothing(world, support_client, warehouse_user):
    assert support_client.get(reverse("orders:support-order-detail", args=["2026-999999"])).status_code == 404
    assert (
        login_as(Client(), warehouse_user)
        .get(reverse("orders:support-order-detail", args=[world["order"].number]))
        .status_code
        == 403
    )

    assert not CustomerDataAccess.objects.exists()


def test_lists_and_searches_record_nothing(world, support_client):
    assert support_client.get(reverse("orders:support-order-list"), {"q": world["order"].number}).status_code == 200

    assert not CustomerDataAccess.objects.exists()


def test_downloading_a_document_with_a_customers_data_records_an_export(support_client, monkeypatch):
    shop_with_legal_texts()
    terms = LegalText.objects.get(kind="terms", language="de")
    document = documents.render_document_now(LEGAL_TEXT, subject=str(terms.pk), version=terms.version)
    url = reverse("document-file", args=[document.pk])
    assert support_client.get(url).status_code == 200
    assert not CustomerDataAccess.objects.exists()  # a legal text holds nobody's data
    kind = documents.get_kind(LEGAL_TEXT)
    monkeypatch.setitem(documents._kinds, LEGAL_TEXT, dataclasses.replace(kind, customer_of=lambda subject: 4711))

    assert support_client.get(url).status_code == 200

    [entry] = CustomerDataAccess.objects.all()
    assert (entry.action, entry.subject_type, entry.subject_id, entry.customer_id) == (
        AccessAction.EXPORTED,
        f"document:{LEGAL_TEXT}",
        str(terms.pk),
        4711,
    )


def test_admins_read_the_log_and_nobody_changes_it(world, admin_user, support_client):
    support_client.get(reverse("orders:support-order-detail", args=[world["order"].number]))
    entry = CustomerDataAccess.objects.get()
    client = login_as(Client(), admin_user)
    changelist = reverse("admin:oms_customerdataaccess_changelist")

    page = client.get(changelist, {"q": str(world["order"].customer_id)})

    assert page.status_code == 200 and world["order"].number in page.content.decode()
    assert client.get(reverse("admin:oms_customerdataaccess_add")).status_code == 403
    assert (
        client.post(reverse("admin:oms_customerdataaccess_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    )
    change = reverse("admin:oms_customerdataaccess_change", args=[entry.pk])
    assert client.get(change).status_code == 200  # shown, read-only
    client.post(change, {"username": "someone-else"})
    entry.refresh_from_db()
    assert entry.username == "agent"
    assert support_client.get(changelist).status_code == 403
