from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group

from inventory.models import (
    DemandForecast,
    Product,
    PurchaseOrder,
    PurchaseOrderState,
    ReplenishmentRule,
    RuleSource,
)
from inventory.selectors import available_to_promise
from inventory.services.receiving import OrderLineInput, create_purchase_order, receive_purchase_order_line
from inventory.services.replenishment import recompute_forecasts
from inventory.services.stock import receive_stock
from tests.inventory.factories import BinLocationFactory, PurchaseOrderLineFactory, SupplierFactory
from tests.inventory.replenishment_data import AS_OF, add_history, seasonal_history
from tests.logins import login_as

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions read the English texts (the German catalogue is the lead's)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def superuser_client(client, django_user_model):
    login_as(client, django_user_model.objects.create_superuser("super", "super@example.com", "pw"))
    return client


MODELS = [
    "product",
    "category",
    "warehouse",
    "binlocation",
    "supplier",
    "stocklevel",
    "stockmovement",
    "channelstockbuffer",
    "purchaseorder",
    "dailydemand",
    "replenishmentrule",
    "demandforecast",
]


def test_admin_lists_every_inventory_model(superuser_client, product, warehouse):
    receive_stock(product=product, warehouse=warehouse, quantity=3, bin=BinLocationFactory(warehouse=warehouse))
    PurchaseOrderLineFactory(product=product)
    for model in MODELS:
        response = superuser_client.get(f"/admin/inventory/{model}/")
        assert response.status_code == 200, model
    level = product.stock_levels.get()
    assert superuser_client.get(f"/admin/inventory/stocklevel/{level.pk}/change/").status_code == 200
    assert superuser_client.get("/admin/inventory/stocklevel/add/").status_code == 403  # stock only via services


def test_admin_shows_demand_and_forecasts_read_only(superuser_client, product, warehouse):
    add_history(product, warehouse, seasonal_history(120))
    recompute_forecasts(as_of=AS_OF)
    forecast = DemandForecast.objects.get()

    listing = superuser_client.get("/admin/inventory/demandforecast/")
    assert product.sku in listing.content.decode()
    assert superuser_client.get(f"/admin/inventory/demandforecast/{forecast.pk}/change/").status_code == 200
    assert superuser_client.get("/admin/inventory/demandforecast/add/").status_code == 403
    assert superuser_client.get("/admin/inventory/dailydemand/").status_code == 200
    assert superuser_client.get("/admin/inventory/dailydemand/add/").status_code == 403  # recorded by orders


def test_admin_sets_a_rule_through_the_service_and_refuses_a_target_below_the_reorder_point(
    superuser_client, product, warehouse
):
    add_history(product, warehouse, seasonal_history(120))
    recompute_forecasts(as_of=AS_OF)
    form = {"product": product.pk, "warehouse": warehouse.pk, "service_level": "0.950"}

    bad = superuser_client.post(
        "/admin/inventory/replenishmentrule/add/",
        {**form, "reorder_point": "40", "target_level": "10"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 200
    assert "The target level must be at least the reorder point." in bad.content.decode()
    assert not ReplenishmentRule.objects.exists()

    ok = superuser_client.post(
        "/admin/inventory/replenishmentrule/add/", {**form, "reorder_point": "1000", "target_level": "1500"}
    )
    assert ok.status_code == 302, ok.content.decode()[:2000]
    rule = ReplenishmentRule.objects.get()
    assert (rule.reorder_point, rule.target_level, rule.source) == (1000, 1500, RuleSource.MANUAL)
    assert rule.updated_by.username == "super"
    # The stored suggestion follows the rule at once: available 0 + inbound 0 is below 1000, order up to 1500.
    assert DemandForecast.objects.get().suggested_order_qty == 1500


def test_admin_creates_a_product_with_a_vat_rate(superuser_client):
    response = superuser_client.post(
        "/admin/inventory/product/add/",
        {
            "sku": "KU-9901",
            "name": "Bratpfanne 28 cm",
            "gtin": "4006381333931",
            "net_price": "33.60",
            "gross_price": "39.99",
            "vat_rate": "7.00",
            "weight_grams": "1400",
            "length_mm": "0",
            "width_mm": "0",
            "height_mm": "0",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert str(Product.objects.get(sku="KU-9901").vat_rate) == "7.00"


def test_roles_get_their_inventory_permissions():
    def perms(role):
        return set(
            Group.objects.get(name=role)
            .permissions.filter(content_type__app_label="inventory")
            .values_list("codename", flat=True)
        )

    assert {"view_product", "view_stockmovement", "add_stockmovement"} <= perms("warehouse")
    assert "change_stocklevel" not in perms("warehouse")
    assert {"view_stocklevel", "view_purchaseorder", "view_product"} <= perms("manager")
    assert {"view_stocklevel", "view_product"} <= perms("support")
    assert {"add_product", "change_warehouse", "view_stockmovement"} <= perms("admin")
    assert "change_stocklevel" not in perms("admin")
    assert {"view_demandforecast", "view_dailydemand", "change_replenishmentrule"} <= perms("manager")
    assert "change_demandforecast" not in perms("manager") | perms("admin")
    assert "change_replenishmentrule" not in perms("warehouse")


# --- purchase orders in the admin ---------------------------------------------------------------


def _po_form(supplier, warehouse, lines, *, number="", existing=()):
    """The admin's add/change form data: the PO fields and its line formset."""
    data = {
        "number": number,
        "supplier": supplier.pk,
        "warehouse": warehouse.pk,
        "expected_date": "2026-12-15",
        "note": "",
        "lines-TOTAL_FORMS": str(len(existing) + len(lines)),
        "lines-INITIAL_FORMS": str(len(existing)),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, (line, product, quantity) in enumerate([*existing, *[(None, p, q) for p, q in lines]]):
        data[f"lines-{i}-id"] = line.pk if line else ""
        data[f"lines-{i}-purchase_order"] = line.purchase_order_id if line else ""
        data[f"lines-{i}-product"] = product.pk
        data[f"lines-{i}-quantity_ordered"] = str(quantity)
        data[f"lines-{i}-unit_cost"] = ""
    return data


def test_admin_creates_a_numbered_purchase_order_that_counts_as_inbound(
    superuser_client, product, warehouse, published, django_capture_on_commit_callbacks
):
    supplier = SupplierFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            "/admin/inventory/purchaseorder/add/", _po_form(supplier, warehouse, [(product, 24)])
        )

    assert response.status_code == 302, response.content.decode()[:3000]
    po = PurchaseOrder.objects.get()
    assert po.number == f"PO-{po.pk:06d}" and po.created_by.username == "super"
    (atp,) = available_to_promise(product_ids=[product.pk])
    assert (atp.inbound, atp.next_inbound_date) == (24, datetime.date(2026, 12, 15))
    assert (
        "stock.changed",
        {"items": [{"product_id": product.pk, "warehouse_id": warehouse.pk}], "product_ids": [product.pk]},
    ) in published


def test_admin_refuses_to_order_less_than_was_received(superuser_client, product, warehouse):
    po = create_purchase_order(supplier=SupplierFactory(), warehouse=warehouse, lines=[OrderLineInput(product.pk, 10)])
    line = po.lines.get()
    receive_purchase_order_line(line=line, quantity=6)
    po.refresh_from_db()

    response = superuser_client.post(
        f"/admin/inventory/purchaseorder/{po.pk}/change/",
        _po_form(po.supplier, warehouse, [], existing=[(line, product, 5)]),
    )

    assert response.status_code == 200
    assert "Quantity ordered: enter at least 6 (already received: 6)." in response.content.decode()
    line.refresh_from_db()
    assert (line.quantity_ordered, line.quantity_received) == (10, 6)


def test_admin_action_cancels_open_purchase_orders_through_the_service(superuser_client, product, warehouse):
    supplier = SupplierFactory()
    open_po = create_purchase_order(supplier=supplier, warehouse=warehouse, lines=[OrderLineInput(product.pk, 5)])
    done = create_purchase_order(supplier=supplier, warehouse=warehouse, lines=[OrderLineInput(product.pk, 2)])
    receive_purchase_order_line(line=done.lines.get(), quantity=2)

    response = superuser_client.post(
        "/admin/inventory/purchaseorder/",
        {"action": "cancel_selected", "_selected_action": [open_po.pk, done.pk]},
        follow=True,
    )

    html = response.content.decode()
    assert "1 purchase orders cancelled." in html
    assert f"{done.number}: " in html  # a received order cannot be cancelled, and says so
    open_po.refresh_from_db()
    done.refresh_from_db()
    assert (open_po.state, done.state) == (PurchaseOrderState.CANCELLED, PurchaseOrderState.RECEIVED)
    (atp,) = available_to_promise(product_ids=[product.pk])
    assert atp.inbound == 0
