"""WooCommerce (REST API v3, ``/wp-json/wc/v3/``) and its Shipment Tracking extension.

- Orders: ``GET /orders?modified_after=…&dates_are_gmt=true&orderby=modified&order=asc`` (WooCommerce
  5.8+), one order ``GET /orders/<id>``; mapped by the webhook's mapping
  (``orders.webhooks.woocommerce.woocommerce_order_draft``), since the API and the webhook send the
  same order JSON.
- Shipments: ``POST /wp-json/wc-shipment-tracking/v3/orders/<id>/shipment-trackings`` (the
  Shipment Tracking extension's API; a number already there is not sent again), then
  ``PUT /orders/<id>`` with ``status: completed`` once the whole order has shipped (WooCommerce's
  "completed" is "shipped" and sends the shop's own shipping mail).
- Cancellation: ``PUT /orders/<id>`` with ``status: cancelled``.
- Stock: ``GET /products?sku=A,B`` (or every page of ``GET /products``), then
  ``POST /products/batch`` with ``update: [{id, manage_stock, stock_quantity}]``, 100 a request.
  Variable products keep their stock on their variations (``/products/<id>/variations/batch``).

Authentication: HTTP Basic with the consumer key and secret, over HTTPS only.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from orders.models import ChannelPlatform
from orders.services.drafts import OrderDraft
from orders.shops.base import OrderPage, ShipmentPush, ShopConnector, ShopOrder, StockItem
from orders.shops.http import ShopApiError, ShopResponse, basic_auth
from orders.webhooks.fields import PayloadReader
from orders.webhooks.woocommerce import WOO_ACCEPTED, WOO_CAPTURED, woocommerce_order_draft

PAGE_SIZE = 50
BATCH_SIZE = 100  # WooCommerce's limit per batch request
SKUS_PER_LOOKUP = 50
GMT = "%Y-%m-%dT%H:%M:%S"


class WooCommerceConnector(ShopConnector):
    platform = ChannelPlatform.WOOCOMMERCE
    actor_label = "shop-sync:woocommerce"

    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None) -> ShopResponse:
        prefix = "" if path.startswith("/wp-json/") else "/wp-json/wc/v3"
        return self.http.request(
            method,
            f"{self.base_url}{prefix}{path}",
            params=params,
            body=body,
            headers={"Authorization": basic_auth(self.api_key, self.api_secret)},
        )

    # -- orders ---------------------------------------------------------------------------------

    def initial_cursor(self, since: datetime.datetime) -> str:
        return since.astimezone(datetime.UTC).strftime(GMT)

    def orders_changed(self, cursor: str, *, page: int = 1) -> OrderPage:
        # One second of overlap: "after" is strict, and an order changed in the cursor's second
        # but not read yet would otherwise be skipped. Intake takes a repeat as a duplicate.
        after = datetime.datetime.strptime(cursor, GMT).replace(tzinfo=datetime.UTC) - datetime.timedelta(seconds=1)
        answer = self._call(
            "GET",
            "/orders",
            params={
                "modified_after": after.strftime(GMT),
                "dates_are_gmt": "true",
                "orderby": "modified",
                "order": "asc",
                "per_page": PAGE_SIZE,
                "page": page,
            },
        )
        rows = answer.data if isinstance(answer.data, list) else []
        orders = [self._order(row) for row in rows if isinstance(row, dict)]
        modified = [str(row.get("date_modified_gmt") or "") for row in rows if isinstance(row, dict)]
        latest = max([m for m in modified if _is_gmt(m)], default=cursor)
        return OrderPage(orders=orders, cursor=max(latest, cursor), more=len(rows) >= PAGE_SIZE)

    def order(self, external_id: str) -> ShopOrder | None:
        try:
            answer = self._call("GET", f"/orders/{int(external_id)}")
        except ValueError:
            return None
        except ShopApiError as exc:
            if exc.status == 404:
                return None
            raise
        return self._order(answer.data) if isinstance(answer.data, dict) else None

    def _order(self, row: dict[str, Any]) -> ShopOrder:
        return ShopOrder(external_id=PayloadReader().external_id(row.get("id"), "id"), payload=row)

    def takes_in(self, order: ShopOrder) -> bool:
        return order.payload.get("status") in WOO_ACCEPTED

    def is_paid(self, order: ShopOrder) -> bool:
        return order.payload.get("status") in WOO_CAPTURED

    def draft(self, order: ShopOrder) -> OrderDraft:
        return woocommerce_order_draft(order.payload)

    # -- shipments and status ------------------------------------------------------------------

    def push_shipment(self, shipment: ShipmentPush) -> None:
        path = f"/wp-json/wc-shipment-tracking/v3/orders/{int(shipment.external_id)}/shipment-trackings"
        if shipment.tracking_number:
            known = self._call("GET", path).data
            numbers = {
                str(t.get("tracking_number")) for t in (known if isinstance(known, list) else []) if isinstance(t, dict)
            }
            if shipment.tracking_number not in numbers:
                self._call(
                    "POST",
                    path,
                    body={
                        "custom_tracking_provider": shipment.carrier,
                        "custom_tracking_link": shipment.tracking_url,
                        "tracking_number": shipment.tracking_number,
                        "date_shipped": shipment.shipped_on.isoformat(),
                    },
                )
        if shipment.order_shipped_in_full:
            self._call("PUT", f"/orders/{int(shipment.external_id)}", body={"status": "completed"})

    def push_cancellation(self, external_id: str) -> None:
        self._call("PUT", f"/orders/{int(external_id)}", body={"status": "cancelled"})

    # -- stock ----------------------------------------------------------------------------------

    def stock_items(self, skus: Iterable[str] | None = None) -> Iterator[StockItem]:
        if skus is None:
            page = 1
            while True:
                answer = self._call("GET", "/products", params={"per_page": BATCH_SIZE, "page": page})
                rows = answer.data if isinstance(answer.data, list) else []
                yield from self._items(rows)
                pages = _int(answer.headers.get("x-wp-totalpages"), default=page)
                if not rows or page >= pages:
                    return
                page += 1
        wanted = sorted(set(skus))
        for start in range(0, len(wanted), SKUS_PER_LOOKUP):
            chunk = wanted[start : start + SKUS_PER_LOOKUP]
            answer = self._call("GET", "/products", params={"sku": ",".join(chunk), "per_page": BATCH_SIZE})
            yield from (item for item in self._items(answer.data) if item.sku in chunk)

    def _items(self, rows: Any) -> Iterator[StockItem]:
        for row in rows if isinstance(rows, list) else []:
            if isinstance(row, dict) and row.get("sku") and row.get("id") is not None:
                quantity = row.get("stock_quantity") if row.get("manage_stock") else None
                yield StockItem(
                    sku=str(row["sku"]),
                    shop_id=str(row["id"]),
                    quantity=quantity if isinstance(quantity, int) else None,
                    parent_id=str(row.get("parent_id") or ""),
                )

    def set_stock(self, updates: list[tuple[StockItem, int]]) -> None:
        by_path: dict[str, list[dict[str, Any]]] = {}
        for item, quantity in updates:
            path = (
                f"/products/{item.parent_id}/variations/batch" if item.parent_id not in ("", "0") else "/products/batch"
            )
            by_path.setdefault(path, []).append(
                {"id": int(item.shop_id), "manage_stock": True, "stock_quantity": quantity}
            )
        for path, rows in by_path.items():
            for start in range(0, len(rows), BATCH_SIZE):
                answer = self._call("POST", path, body={"update": rows[start : start + BATCH_SIZE]})
                errors = [
                    row.get("error")
                    for row in (answer.data or {}).get("update", [])
                    if isinstance(row, dict) and row.get("error")
                ]
                if errors:
                    first = errors[0] if isinstance(errors[0], dict) else {"message": str(errors[0])}
                    raise ShopApiError(
                        _("The shop refused %(count)s stock update(s): %(message)s")
                        % {"count": len(errors), "message": str(first.get("message", ""))[:300]}
                    )


def _is_gmt(value: str) -> bool:
    try:
        datetime.datetime.strptime(value, GMT).replace(tzinfo=datetime.UTC)
    except ValueError:
        return False
    return True


def _int(value: str | None, *, default: int) -> int:
    try:
        return int(value or "")
    except ValueError:
        return default
