"""A fake WooCommerce shop: a real HTTP server on 127.0.0.1 that answers the REST API v3 and the
Shipment Tracking extension as their documentation describes, checks each request the way the
shop would (Basic auth with the consumer key and secret, parameter values, body fields, batch
limits), records every request, and can be told to fail, to be slow or to rate-limit.

Only what the connector uses is served:
``GET /wp-json/wc/v3/orders`` (``modified_after``, ``dates_are_gmt``, ``orderby``, ``order``,
``per_page`` ≤ 100, ``page``; ``X-WP-Total``/``X-WP-TotalPages``), ``GET``/``PUT
/wp-json/wc/v3/orders/<id>``, ``GET``/``POST /wp-json/wc-shipment-tracking/v3/orders/<id>/shipment-trackings``,
``GET /wp-json/wc/v3/products`` (``sku`` comma-separated, ``per_page``, ``page``) and
``POST /wp-json/wc/v3/products/batch`` (at most 100 updates).
"""

from __future__ import annotations

import base64
import copy
import datetime
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.orders.fake_shop_server import serving

CONSUMER_KEY = "ck_4f1c0e9b2d7a6e5f3c1b0a9d8e7f6a5b4c3d2e1f"
CONSUMER_SECRET = "cs_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"
GMT = "%Y-%m-%dT%H:%M:%S"
ORDER_STATUSES = {"pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash"}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeShop:
    url: str
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    trackings: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (status, headers), used up in turn
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- arranging the shop ------------------------------------------------------------------------

    def add_order(self, order: dict[str, Any], *, modified: datetime.datetime) -> dict[str, Any]:
        row = copy.deepcopy(order)
        row["date_modified_gmt"] = modified.astimezone(datetime.UTC).strftime(GMT)
        with self.lock:
            self.orders[int(row["id"])] = row
        return row

    def change_order(self, order_id: int, *, modified: datetime.datetime, **fields: Any) -> None:
        with self.lock:
            self.orders[order_id].update(fields)
            self.orders[order_id]["date_modified_gmt"] = modified.astimezone(datetime.UTC).strftime(GMT)

    def add_product(self, product_id: int, sku: str, quantity: int | None, *, parent_id: int = 0) -> None:
        self.products[product_id] = {
            "id": product_id,
            "sku": sku,
            "parent_id": parent_id,
            "manage_stock": quantity is not None,
            "stock_quantity": quantity,
        }

    def fail_next(self, status: int = 500, times: int = 1, **headers: str) -> None:
        self.failures.extend([(status, headers)] * times)

    def calls(self, method: str, pattern: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    # -- serving -------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: Any):
        with self.lock:
            self.requests.append(Request(method, path, query, headers, body))
            failure = self.failures.pop(0) if self.failures else None
        if self.delay:
            time.sleep(self.delay)
        if failure is not None:
            status, extra = failure
            return status, {"code": "internal_server_error", "message": "Fake shop failure"}, extra
        if (
            headers.get("authorization")
            != "Basic " + base64.b64encode(f"{CONSUMER_KEY}:{CONSUMER_SECRET}".encode()).decode()
        ):
            return 401, {"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources."}, {}
        if method in ("POST", "PUT") and not isinstance(body, dict):
            return 400, {"code": "rest_invalid_json", "message": "Invalid JSON body passed."}, {}
        routes = [
            ("GET", r"/wp-json/wc/v3/orders", self._list_orders),
            ("GET", r"/wp-json/wc/v3/orders/(\d+)", self._get_order),
            ("PUT", r"/wp-json/wc/v3/orders/(\d+)", self._update_order),
            ("GET", r"/wp-json/wc-shipment-tracking/v3/orders/(\d+)/shipment-trackings", self._list_trackings),
            ("POST", r"/wp-json/wc-shipment-tracking/v3/orders/(\d+)/shipment-trackings", self._add_tracking),
            ("GET", r"/wp-json/wc/v3/products", self._list_products),
            ("POST", r"/wp-json/wc/v3/products/batch", self._batch_products),
        ]
        for route_method, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                with self.lock:
                    return handler(query, body, *match.groups())
        return 404, {"code": "rest_no_route", "message": "No route was found matching the URL and request method."}, {}

    @staticmethod
    def _invalid(param: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        return 400, {"code": "rest_invalid_param", "message": f"Invalid parameter(s): {param}"}, {}

    def _list_orders(self, query, body):
        one = {k: v[-1] for k, v in query.items()}
        per_page, page = int(one.get("per_page", "10")), int(one.get("page", "1"))
        if not 1 <= per_page <= 100:
            return self._invalid("per_page")
        if one.get("orderby", "date") not in {"date", "id", "include", "title", "slug", "modified"}:
            return self._invalid("orderby")
        if one.get("order", "desc") not in {"asc", "desc"}:
            return self._invalid("order")
        rows = list(self.orders.values())
        if "modified_after" in one:
            try:
                after = datetime.datetime.strptime(one["modified_after"], GMT).replace(tzinfo=datetime.UTC)
            except ValueError:
                return self._invalid("modified_after")
            if one.get("dates_are_gmt") != "true":
                return self._invalid("dates_are_gmt (this shop's local time is not GMT)")
            rows = [r for r in rows if _gmt(r["date_modified_gmt"]) > after]
        key = "date_modified_gmt" if one.get("orderby") == "modified" else "date_created_gmt"
        rows.sort(key=lambda r: (r.get(key) or "", r["id"]), reverse=one.get("order", "desc") == "desc")
        total = len(rows)
        chunk = rows[(page - 1) * per_page : page * per_page]
        pages = max((total + per_page - 1) // per_page, 1)
        return 200, copy.deepcopy(chunk), {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}

    def _get_order(self, query, body, order_id):
        row = self.orders.get(int(order_id))
        if row is None:
            return 404, {"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID."}, {}
        return 200, copy.deepcopy(row), {}

    def _update_order(self, query, body, order_id):
        row = self.orders.get(int(order_id))
        if row is None:
            return 404, {"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID."}, {}
        if "status" in body and body["status"] not in ORDER_STATUSES:
            return self._invalid("status")
        row.update(body)
        return 200, copy.deepcopy(row), {}

    def _list_trackings(self, query, body, order_id):
        if int(order_id) not in self.orders:
            return 404, {"code": "woocommerce_rest_order_invalid_id", "message": "Invalid order ID."}, {}
        return 200, copy.deepcopy(self.trackings.get(int(order_id), [])), {}

    def _add_tracking(self, query, body, order_id):
        if int(order_id) not in self.orders:
            return 404, {"code": "woocommerce_rest_order_invalid_id", "message": "Invalid order ID."}, {}
        if not body.get("tracking_number"):
            return 400, {"code": "rest_missing_callback_param", "message": "Missing parameter(s): tracking_number"}, {}
        if not (body.get("tracking_provider") or body.get("custom_tracking_provider")):
            return self._invalid("tracking_provider")
        items = self.trackings.setdefault(int(order_id), [])
        entry = {"tracking_id": f"t{len(items) + 1}", **body}
        items.append(entry)
        return 201, entry, {}

    def _list_products(self, query, body):
        one = {k: v[-1] for k, v in query.items()}
        per_page, page = int(one.get("per_page", "10")), int(one.get("page", "1"))
        if not 1 <= per_page <= 100:
            return self._invalid("per_page")
        rows = sorted(self.products.values(), key=lambda p: p["id"])
        if "sku" in one:
            wanted = set(one["sku"].split(","))
            rows = [p for p in rows if p["sku"] in wanted]
        total = len(rows)
        chunk = rows[(page - 1) * per_page : page * per_page]
        pages = max((total + per_page - 1) // per_page, 1)
        return 200, copy.deepcopy(chunk), {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}

    def _batch_products(self, query, body):
        updates = body.get("update") or []
        if len(updates) > 100:
            return 413, {"code": "woocommerce_rest_request_entity_too_large", "message": "Max 100 objects"}, {}
        answered = []
        for update in updates:
            product = self.products.get(update.get("id"))
            if product is None:
                answered.append({"id": update.get("id"), "error": {"code": "woocommerce_rest_product_invalid_id"}})
                continue
            product.update({k: v for k, v in update.items() if k in ("manage_stock", "stock_quantity")})
            answered.append(copy.deepcopy(product))
        return 200, {"update": answered}, {}


def _gmt(value: str) -> datetime.datetime:
    return datetime.datetime.strptime(value, GMT).replace(tzinfo=datetime.UTC)


@pytest.fixture
def fake_shop(settings) -> Iterator[FakeShop]:
    """A fake WooCommerce shop on 127.0.0.1 (plain http, allowed for the test only)."""
    settings.SHOP_REQUIRE_HTTPS = False
    state: dict[str, FakeShop] = {}
    with serving(lambda: state["shop"].handle) as url:
        state["shop"] = FakeShop(url=url)
        yield state["shop"]
