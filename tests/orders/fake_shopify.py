"""A fake Shopify shop: a real HTTP server on 127.0.0.1 that answers the REST Admin API (2024-10)
as its documentation describes, checks each request the way the shop would, records every
request, and can be told to fail or to rate-limit.

What it checks: the ``X-Shopify-Access-Token`` header (401 otherwise), the version prefix
``/admin/api/2024-10/``, ``limit`` ≤ 250, cursor pagination (a ``Link`` header with
``rel="next"``/``rel="previous"`` URLs whose ``page_info`` carries the filters; with ``page_info``
only ``limit`` and ``fields`` may be sent), ``status`` (``open`` unless told: cancelled and closed
orders are left out), ``updated_at_min``/``updated_at_max`` (inclusive, ISO 8601 with an offset),
fulfillments only of open fulfillment orders, of their own line items, within their fulfillable
quantities and of one location, cancellations only of orders not cancelled or fulfilled, at most
50 inventory item ids per level lookup, and levels set only for tracked items at a known location.
Orders are listed by id, not by change, as Shopify does: a connector cannot rely on the order.

Every answer carries ``X-Shopify-Shop-Api-Call-Limit`` from a leaky bucket of 40 that leaks only
when the test says time passed (``leak``); a full bucket answers 429 with ``Retry-After: 2.0``.
"""

from __future__ import annotations

import base64
import copy
import datetime
import itertools
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.orders.fake_shop_server import serving

ACCESS_TOKEN = "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"
PREFIX = "/admin/api/2024-10"
BUCKET_SIZE = 40
LEAK_PER_SECOND = 2
ORDER_STATUSES = {"open", "closed", "cancelled", "any"}
THROTTLED = "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
CANCEL_REASONS = {"customer", "inventory", "fraud", "declined", "other"}


@dataclass
class Request:
    method: str
    path: str  # without the version prefix
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


def _error(status: int, errors: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    return status, {"errors": errors}, {}


@dataclass
class FakeShopify:
    url: str
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    fulfillment_orders: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    locations: list[dict[str, Any]] = field(
        default_factory=lambda: [{"id": 655441491, "name": "Lager", "active": True}]
    )
    levels: dict[tuple[int, int], int] = field(default_factory=dict)  # (inventory item, location) -> available
    requests: list[Request] = field(default_factory=list)
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    bucket: float = 0.0
    waits: list[float] = field(default_factory=list)  # the clients' waits, in seconds
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(7_100_000_000_001))

    # -- arranging the shop ------------------------------------------------------------------------

    @property
    def location_id(self) -> int:
        return self.locations[0]["id"]

    def add_order(
        self, order: dict[str, Any], *, updated: datetime.datetime, locations: list[int] | None = None
    ) -> dict[str, Any]:
        """The order, and its fulfillment orders: one per location in ``locations`` (the line items
        shared out in turn), at the first location by default."""
        row = copy.deepcopy(order)
        row["updated_at"] = updated.isoformat()
        row.setdefault("fulfillments", [])
        locations = locations or [self.location_id]
        by_location: dict[int, list[dict[str, Any]]] = {loc: [] for loc in locations}
        for i, item in enumerate(row["line_items"]):
            location = locations[i % len(locations)]
            by_location[location].append(
                {
                    "id": next(self._ids),
                    "line_item_id": item["id"],
                    "variant_id": item.get("variant_id"),
                    "quantity": item["quantity"],
                    "fulfillable_quantity": item["quantity"],
                }
            )
        with self.lock:
            self.orders[int(row["id"])] = row
            self.fulfillment_orders[int(row["id"])] = [
                {
                    "id": next(self._ids),
                    "order_id": row["id"],
                    "assigned_location_id": location,
                    "status": "open",
                    "line_items": lines,
                }
                for location, lines in by_location.items()
                if lines
            ]
        return row

    def change_order(self, order_id: int, *, updated: datetime.datetime, **fields: Any) -> None:
        with self.lock:
            self.orders[order_id].update(fields)
            self.orders[order_id]["updated_at"] = updated.isoformat()

    def add_variant(self, product_id: int, sku: str, available: int | None, *, tracked: bool = True) -> int:
        """A variant with ``sku`` on product ``product_id``; its inventory item's level at the
        first location is ``available`` (None: not stocked there). Returns the inventory item id."""
        item_id = next(self._ids)
        product = self.products.setdefault(product_id, {"id": product_id, "title": sku, "variants": []})
        product["variants"].append(
            {
                "id": next(self._ids),
                "product_id": product_id,
                "sku": sku,
                "inventory_item_id": item_id,
                "inventory_management": "shopify" if tracked else None,
                "inventory_quantity": available or 0,
            }
        )
        if available is not None:
            self.levels[(item_id, self.location_id)] = available
        return item_id

    def item_of(self, sku: str) -> int:
        return next(v["inventory_item_id"] for p in self.products.values() for v in p["variants"] if v["sku"] == sku)

    def fail_next(self, status: int = 500, times: int = 1, **headers: str) -> None:
        self.failures.extend([(status, headers)] * times)

    def leak(self, seconds: float) -> None:
        """Time passed: the bucket leaks."""
        with self.lock:
            self.bucket = max(self.bucket - seconds * LEAK_PER_SECOND, 0.0)

    def calls(self, method: str, pattern: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    # -- serving -------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: Any):
        if not path.startswith(PREFIX + "/"):
            return _error(404, "Not Found")
        path = path[len(PREFIX) :]
        with self.lock:
            self.requests.append(Request(method, path, query, headers, body))
            failure = self.failures.pop(0) if self.failures else None
            if self.bucket + 1 > BUCKET_SIZE:
                return (
                    429,
                    {"errors": THROTTLED},
                    {"Retry-After": "2.0", "X-Shopify-Shop-Api-Call-Limit": f"{BUCKET_SIZE}/{BUCKET_SIZE}"},
                )
            self.bucket += 1
            limit = {"X-Shopify-Shop-Api-Call-Limit": f"{int(self.bucket)}/{BUCKET_SIZE}"}
        if failure is not None:
            status, extra = failure
            return status, {"errors": "Internal Server Error"}, {**limit, **extra}
        if headers.get("x-shopify-access-token") != ACCESS_TOKEN:
            return _error(401, "[API] Invalid API key or access token (unrecognized login or wrong password)")
        if method == "POST" and not isinstance(body, dict):
            return _error(400, "Bad Request")
        routes = [
            ("GET", r"/orders\.json", self._list_orders),
            ("GET", r"/orders/(\d+)\.json", self._get_order),
            ("POST", r"/orders/(\d+)/cancel\.json", self._cancel_order),
            ("GET", r"/orders/(\d+)/fulfillment_orders\.json", self._list_fulfillment_orders),
            ("POST", r"/fulfillments\.json", self._create_fulfillment),
            ("GET", r"/products\.json", self._list_products),
            ("GET", r"/locations\.json", self._list_locations),
            ("GET", r"/inventory_levels\.json", self._list_levels),
            ("POST", r"/inventory_levels/set\.json", self._set_level),
        ]
        for route_method, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                with self.lock:
                    status, data, extra = handler(query, body, *match.groups())
                return status, data, {**limit, **extra}
        return _error(404, "Not Found")

    # -- pagination ----------------------------------------------------------------------------------

    def _page(self, resource: str, rows: list[dict[str, Any]], query: dict[str, list[str]], filters: dict[str, str]):
        """One page of ``rows`` (sorted by id) after the ``page_info`` position, with the Link header."""
        one = {k: v[-1] for k, v in query.items()}
        try:
            limit = int(one.get("limit", "50"))
        except ValueError:
            return _error(400, {"limit": ["is not a number"]})
        if not 1 <= limit <= 250:
            return _error(400, {"limit": ["must be between 1 and 250"]})
        after = 0
        if "page_info" in one:
            others = set(one) - {"page_info", "limit", "fields"}
            if others:
                return _error(400, {"page_info": [f"{sorted(others)[0]} cannot be passed when page_info is present"]})
            try:
                state = json.loads(base64.urlsafe_b64decode(one["page_info"].encode()))
            except ValueError:
                return _error(400, {"page_info": ["Invalid value."]})
            after, filters = state["last_id"], state["filters"]
        selected = self._filtered(resource, rows, filters)
        if isinstance(selected, tuple):
            return selected
        selected = [r for r in sorted(selected, key=lambda r: r["id"]) if r["id"] > after]
        chunk = selected[:limit]
        links = []
        if after:
            before = chunk[0]["id"] - 1 if chunk else after
            links.append(f'<{self._link(resource, limit, before, filters, "previous")}>; rel="previous"')
        if len(selected) > limit:
            links.append(f'<{self._link(resource, limit, chunk[-1]["id"], filters, "next")}>; rel="next"')
        fields = one.get("fields")
        if fields:
            wanted = set(fields.split(","))
            chunk = [{k: v for k, v in r.items() if k in wanted} for r in chunk]
        return 200, {resource: copy.deepcopy(chunk)}, ({"Link": ", ".join(links)} if links else {})

    def _link(self, resource: str, limit: int, last_id: int, filters: dict[str, str], direction: str) -> str:
        token = base64.urlsafe_b64encode(
            json.dumps({"last_id": last_id, "filters": filters, "direction": direction}).encode()
        ).decode()
        return f"{self.url}{PREFIX}/{resource}.json?limit={limit}&page_info={token}"

    def _filtered(self, resource: str, rows: list[dict[str, Any]], filters: dict[str, str]):
        if resource != "orders":
            return rows
        status = filters.get("status", "open")
        if status not in ORDER_STATUSES:
            return _error(400, {"status": ["is not a valid status"]})
        if status == "open":
            rows = [r for r in rows if not r.get("cancelled_at") and not r.get("closed_at")]
        elif status == "cancelled":
            rows = [r for r in rows if r.get("cancelled_at")]
        elif status == "closed":
            rows = [r for r in rows if r.get("closed_at")]
        for name, keep in (
            ("updated_at_min", lambda at, bound: at >= bound),
            ("updated_at_max", lambda at, bound: at <= bound),
        ):
            if name in filters:
                try:
                    bound = datetime.datetime.fromisoformat(filters[name])
                except ValueError:
                    return _error(400, {name: ["is not a date"]})
                if bound.tzinfo is None:
                    return _error(400, {name: ["needs a UTC offset"]})
                rows = [r for r in rows if keep(datetime.datetime.fromisoformat(r["updated_at"]), bound)]
        return rows

    # -- orders and fulfillments ---------------------------------------------------------------------

    def _list_orders(self, query, body):
        filters = {k: v[-1] for k, v in query.items() if k in ("status", "updated_at_min", "updated_at_max")}
        return self._page("orders", list(self.orders.values()), query, filters)

    def _get_order(self, query, body, order_id):
        row = self.orders.get(int(order_id))
        if row is None:
            return _error(404, "Not Found")
        fields = query.get("fields", [""])[-1]
        if fields:
            row = {k: v for k, v in row.items() if k in set(fields.split(","))}
        return 200, {"order": copy.deepcopy(row)}, {}

    def _cancel_order(self, query, body, order_id):
        row = self.orders.get(int(order_id))
        if row is None:
            return _error(404, "Not Found")
        if "reason" in body and body["reason"] not in CANCEL_REASONS:
            return _error(422, {"reason": ["is not included in the list"]})
        if row.get("cancelled_at"):
            return 422, {"error": "Order has already been cancelled"}, {}
        if row.get("fulfillment_status") == "fulfilled":
            return 422, {"error": "Cannot cancel an order that has been fulfilled"}, {}
        row.update(cancelled_at="2026-11-21T14:10:00+01:00", cancel_reason=body.get("reason", "other"))
        for fulfillment_order in self.fulfillment_orders.get(int(order_id), []):
            fulfillment_order["status"] = "closed"
        return 200, {"order": copy.deepcopy(row)}, {}

    def _list_fulfillment_orders(self, query, body, order_id):
        if int(order_id) not in self.orders:
            return _error(404, "Not Found")
        return 200, {"fulfillment_orders": copy.deepcopy(self.fulfillment_orders[int(order_id)])}, {}

    def _create_fulfillment(self, query, body, *_groups):
        fulfillment = body.get("fulfillment")
        if not isinstance(fulfillment, dict) or not fulfillment.get("line_items_by_fulfillment_order"):
            return _error(400, {"fulfillment": ["Required parameter missing or invalid"]})
        tracking = fulfillment.get("tracking_info") or {}
        if set(tracking) - {"number", "url", "company"}:
            return _error(422, {"tracking_info": ["has unknown keys"]})
        by_id = {fo["id"]: fo for fos in self.fulfillment_orders.values() for fo in fos}
        chosen = []
        for group in fulfillment["line_items_by_fulfillment_order"]:
            fulfillment_order = by_id.get(group.get("fulfillment_order_id"))
            if fulfillment_order is None:
                return _error(404, "Not Found")
            if fulfillment_order["status"] not in ("open", "in_progress"):
                return _error(
                    422,
                    [f"Fulfillment order has an unfulfillable status= {fulfillment_order['status']}."],
                )
            lines = {line["id"]: line for line in fulfillment_order["line_items"]}
            asked = group.get("fulfillment_order_line_items")
            if asked is None:
                asked = [
                    {"id": i, "quantity": line["fulfillable_quantity"]}
                    for i, line in lines.items()
                    if line["fulfillable_quantity"]
                ]
            for entry in asked:
                line = lines.get(entry.get("id"))
                if line is None or not 0 < int(entry.get("quantity") or 0) <= line["fulfillable_quantity"]:
                    return _error(422, ["Invalid fulfillment order line item quantity requested."])
                chosen.append((fulfillment_order, line, int(entry["quantity"])))
        if len({fo["assigned_location_id"] for fo, _l, _q in chosen}) > 1:
            return _error(422, ["All fulfillment orders must be assigned to the same location."])
        order = self.orders[chosen[0][0]["order_id"]]
        sku_of = {item["id"]: item.get("sku") for item in order["line_items"]}
        items: dict[int, int] = {}
        for fulfillment_order, line, quantity in chosen:
            line["fulfillable_quantity"] -= quantity
            items[line["line_item_id"]] = items.get(line["line_item_id"], 0) + quantity
            left = sum(li["fulfillable_quantity"] for li in fulfillment_order["line_items"])
            fulfillment_order["status"] = "in_progress" if left else "closed"
        created = {
            "id": next(self._ids),
            "order_id": order["id"],
            "status": "success",
            "location_id": chosen[0][0]["assigned_location_id"],
            "tracking_company": tracking.get("company"),
            "tracking_number": tracking.get("number"),
            "tracking_numbers": [tracking["number"]] if tracking.get("number") else [],
            "tracking_url": tracking.get("url"),
            "tracking_urls": [tracking["url"]] if tracking.get("url") else [],
            "notify_customer": bool(fulfillment.get("notify_customer")),
            "line_items": [{"id": i, "sku": sku_of.get(i), "quantity": q} for i, q in items.items()],
        }
        order["fulfillments"].append(created)
        open_left = sum(
            li["fulfillable_quantity"] for fo in self.fulfillment_orders[order["id"]] for li in fo["line_items"]
        )
        order["fulfillment_status"] = "partial" if open_left else "fulfilled"
        return 201, {"fulfillment": copy.deepcopy(created)}, {}

    # -- products and inventory ----------------------------------------------------------------------

    def _list_products(self, query, body):
        return self._page("products", list(self.products.values()), query, {})

    def _list_locations(self, query, body):
        return 200, {"locations": copy.deepcopy(self.locations)}, {}

    def _list_levels(self, query, body):
        one = {k: v[-1] for k, v in query.items()}
        if "inventory_item_ids" not in one and "location_ids" not in one:
            return _error(422, "inventory_item_ids or location_ids is required")
        items = [int(i) for i in one.get("inventory_item_ids", "").split(",") if i]
        if len(items) > 50:
            return _error(422, {"inventory_item_ids": ["must have at most 50 ids"]})
        locations = [int(i) for i in one.get("location_ids", "").split(",") if i]
        rows = [
            {"inventory_item_id": item, "location_id": location, "available": available}
            for (item, location), available in sorted(self.levels.items())
            if (not items or item in items) and (not locations or location in locations)
        ]
        return 200, {"inventory_levels": rows}, {}

    def _set_level(self, query, body):
        item, location, available = body.get("inventory_item_id"), body.get("location_id"), body.get("available")
        if not all(isinstance(v, int) for v in (item, location, available)):
            return _error(400, "location_id, inventory_item_id and available must be integers")
        variant = next(
            (v for p in self.products.values() for v in p["variants"] if v["inventory_item_id"] == item), None
        )
        if variant is None or location not in {loc["id"] for loc in self.locations}:
            return _error(404, "Not Found")
        if variant["inventory_management"] != "shopify":
            return _error(422, ["Inventory item does not have inventory tracking enabled"])
        self.levels[(item, location)] = available
        return (
            200,
            {"inventory_level": {"inventory_item_id": item, "location_id": location, "available": available}},
            {},
        )


@pytest.fixture
def fake_shopify(settings, monkeypatch) -> Iterator[FakeShopify]:
    """A fake Shopify shop on 127.0.0.1 (plain http, allowed for the test only). The shop clients'
    waits are not slept: they tell the fake's bucket that time passed, and are kept in ``waits``."""
    from orders.shops.http import ShopHttp
    from orders.shops.shopify import ShopifyConnector

    settings.SHOP_REQUIRE_HTTPS = False
    state: dict[str, FakeShopify] = {}

    def wait(seconds: float) -> None:
        state["shop"].waits.append(seconds)
        state["shop"].leak(seconds)

    monkeypatch.setattr(ShopHttp, "sleep", staticmethod(wait))
    with serving(lambda: state["shop"].handle) as url:
        state["shop"] = FakeShopify(url=url)
        ShopifyConnector(base_url=url, api_key=ACCESS_TOKEN, api_secret="").forget_ids()  # an earlier run's port
        yield state["shop"]
