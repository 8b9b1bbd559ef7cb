"""Shopify (REST Admin API, version ``API_VERSION``), with a custom app's Admin API access token.

REST, not GraphQL: the REST order is the same JSON the shop's ``orders/create`` webhook sends, so
one mapping (``orders.webhooks.shopify.shopify_order_draft``) reads both, as WooCommerce's does;
GraphQL orders come in another shape (money bags, ``gid://`` ids) that would need a second
mapping of every field. (Shopify calls REST "legacy" since 2024-10 and wants new *public* apps on
GraphQL; custom apps, which a shop connection is, keep REST.)

- Orders: ``GET /orders.json?status=any&updated_at_min=…&updated_at_max=…&limit=250``, then the
  ``Link: <…>; rel="next"`` header's ``page_info`` (which carries the filters; with it only
  ``limit`` may be sent). Shopify does not sort by ``updated_at``, so a walk covers a closed
  window: from the last window's end to a moment fixed when the walk starts
  (``SETTLE_SECONDS`` ago); an order changed during the walk falls into the next window. The
  cursor is the window's end, or, in the middle of a walk, the window's end and the next
  ``page_info`` (so a pull that stops halfway goes on where it was). Both bounds are inclusive:
  the order at the boundary is read twice and intake takes the repeat as a duplicate.
- Shipments: the order's line items (SKUs) and fulfillments, ``GET /orders/<id>/fulfillment_orders.json``,
  then ``POST /fulfillments.json`` per location with ``line_items_by_fulfillment_order`` and
  ``tracking_info``. Units a fulfillment with the same tracking number already holds are not sent
  again (a retry after a timeout); the whole order shipped fulfils whatever is left.
- Cancellation: ``POST /orders/<id>/cancel.json`` unless the order is cancelled already. No
  refund is asked of the shop: refunds are billing's.
- Stock: variants by SKU from ``GET /products.json`` (the REST API cannot filter by SKU), their
  levels from ``GET /inventory_levels.json`` and ``POST /inventory_levels/set.json`` per item at
  the connection's location. The SKU -> inventory item map and the location are kept in the
  cache for ``IDS_CACHE_SECONDS``; an SKU not in the map reads the products again at most every
  ``RESCAN_SECONDS``. Variants whose stock Shopify does not track are left alone.

Rate limits: the REST leaky bucket (``X-Shopify-Shop-Api-Call-Limit: used/size``, leaking
``size / 20`` a second) is never run full: near the top the connector waits until there is room.
A 429 (``Retry-After``) is waited out in place when short (``ShopHttp``), else ends the run.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import ChannelPlatform, ShopConnection
from orders.services.drafts import OrderDraft
from orders.shops.base import OrderPage, ShipmentPush, ShopConnector, ShopOrder, StockItem
from orders.shops.http import ShopApiError, ShopRateLimited, ShopResponse
from orders.webhooks.fields import PayloadReader
from orders.webhooks.shopify import shopify_order_draft

API_VERSION = "2024-10"
PAGE_SIZE = 250  # Shopify's most per page
IDS_PER_LOOKUP = 50  # inventory_item_ids per inventory_levels request
#: A walk's window ends this long before the walk starts, so a clock a little ahead of the
#: shop's never closes a window over orders the shop is still writing.
SETTLE_SECONDS = 10
IDS_CACHE_SECONDS = 3600
RESCAN_SECONDS = 600
#: Requests kept free in the bucket for others (the shop's other apps, a second worker).
BUCKET_MARGIN = 4
FULFILLABLE = {"open", "in_progress"}
STAMP = "%Y-%m-%dT%H:%M:%S+00:00"
NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
SHIPPING_CONFIRMATION = "shipping_confirmation"  # fulfillment.mails' kind, named here (orders is below it)


class ShopifyConnector(ShopConnector):
    platform = ChannelPlatform.SHOPIFY
    actor_label = "shop-sync:shopify"

    def __init__(self, *, location_id: str = "", notify_customer: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.location_id = location_id
        self.notify_customer = notify_customer
        self._ids_key = (
            "shop-sync:shopify:" + hashlib.sha256(f"{self.base_url}|{self.api_key}".encode()).hexdigest()[:24]
        )

    @classmethod
    def from_connection(cls, connection: ShopConnection) -> ShopifyConnector:
        return cls(
            base_url=connection.base_url,
            api_key=connection.api_key,
            api_secret=connection.api_secret,
            location_id=connection.shop_location_id,
            # Shopify mails the customer about a fulfillment only when we do not.
            notify_customer=connection.channel.sends_own_mail(SHIPPING_CONFIRMATION),
        )

    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None) -> ShopResponse:
        answer = self.http.request(
            method,
            f"{self.base_url}/admin/api/{API_VERSION}{path}",
            params=params,
            body=body,
            headers={"X-Shopify-Access-Token": self.api_key},
        )
        self._mind_the_bucket(answer.headers.get("x-shopify-shop-api-call-limit"))
        return answer

    def _mind_the_bucket(self, header: str | None) -> None:
        """Wait until the bucket has room again when the last answer left it nearly full."""
        used, _slash, size = (header or "").partition("/")
        try:
            used_n, size_n = int(used), int(size)
        except ValueError:
            return
        if size_n <= 0:
            return
        over = used_n - (size_n - BUCKET_MARGIN)
        if over > 0:
            self.http.sleep(over / (size_n / 20))

    # -- orders ---------------------------------------------------------------------------------

    def initial_cursor(self, since: datetime.datetime) -> str:
        return _stamp(since)

    def orders_changed(self, cursor: str, *, page: int = 1) -> OrderPage:
        window_end, _space, page_info = cursor.partition(" ")
        if page_info:
            params: dict[str, Any] = {"limit": PAGE_SIZE, "page_info": page_info}
        else:
            start = _parse_stamp(window_end)
            settled = timezone.now() - datetime.timedelta(seconds=SETTLE_SECONDS)
            window_end = _stamp(max(start, settled))
            params = {
                "status": "any",
                "updated_at_min": _stamp(start),
                "updated_at_max": window_end,
                "limit": PAGE_SIZE,
            }
        answer = self._call("GET", "/orders.json", params=params)
        rows = (answer.data or {}).get("orders") if isinstance(answer.data, dict) else None
        orders = [self._order(row) for row in (rows if isinstance(rows, list) else []) if isinstance(row, dict)]
        following = _next_page_info(answer.headers.get("link"))
        if following:
            return OrderPage(orders=orders, cursor=f"{window_end} {following}", more=True)
        return OrderPage(orders=orders, cursor=window_end, more=False)

    def order(self, external_id: str) -> ShopOrder | None:
        try:
            answer = self._call("GET", f"/orders/{int(external_id)}.json")
        except ValueError:
            return None
        except ShopApiError as exc:
            if exc.status == 404:
                return None
            raise
        row = answer.data.get("order") if isinstance(answer.data, dict) else None
        return self._order(row) if isinstance(row, dict) else None

    def _order(self, row: dict[str, Any]) -> ShopOrder:
        return ShopOrder(external_id=PayloadReader().external_id(row.get("id"), "id"), payload=row)

    def takes_in(self, order: ShopOrder) -> bool:
        """Not cancelled, not voided or refunded, and not only gift cards (nothing to ship)."""
        payload = order.payload
        items = payload.get("line_items")
        goods = (
            [i for i in items if isinstance(i, dict) and i.get("gift_card") is not True]
            if isinstance(items, list)
            else []
        )
        return (
            not payload.get("cancelled_at")
            and payload.get("financial_status") not in ("voided", "refunded")
            and (bool(goods) or not items)
        )

    def is_paid(self, order: ShopOrder) -> bool:
        return order.payload.get("financial_status") == "paid"

    def draft(self, order: ShopOrder) -> OrderDraft:
        return shopify_order_draft(order.payload)

    # -- shipments and status ------------------------------------------------------------------

    def push_shipment(self, shipment: ShipmentPush) -> None:
        order_id = int(shipment.external_id)
        answer = self._call(
            "GET", f"/orders/{order_id}.json", params={"fields": "id,line_items,fulfillments,cancelled_at"}
        )
        order = answer.data.get("order") if isinstance(answer.data, dict) else None
        if not isinstance(order, dict):
            raise ShopApiError(_("The shop did not send order %(id)s.") % {"id": order_id})
        sku_of = {
            item.get("id"): str(item.get("sku") or "")
            for item in order.get("line_items") or []
            if isinstance(item, dict)
        }
        wanted = dict(shipment.lines)
        if shipment.tracking_number:
            # A fulfillment with our tracking number is this shipment, pushed before (the answer lost).
            for fulfillment in order.get("fulfillments") or []:
                if not isinstance(fulfillment, dict) or fulfillment.get("status") in ("cancelled", "error", "failure"):
                    continue
                numbers = {str(n) for n in fulfillment.get("tracking_numbers") or []}
                numbers.add(str(fulfillment.get("tracking_number") or ""))
                if shipment.tracking_number not in numbers:
                    continue
                for line in fulfillment.get("line_items") or []:
                    sku = str(line.get("sku") or sku_of.get(line.get("id"), ""))
                    if sku in wanted:
                        wanted[sku] = max(wanted[sku] - int(line.get("quantity") or 0), 0)
        listed = self._call("GET", f"/orders/{order_id}/fulfillment_orders.json").data
        fulfillment_orders = (listed or {}).get("fulfillment_orders") if isinstance(listed, dict) else None
        by_location: dict[Any, list[dict[str, Any]]] = {}
        for fulfillment_order in fulfillment_orders or []:
            if not isinstance(fulfillment_order, dict) or fulfillment_order.get("status") not in FULFILLABLE:
                continue
            chosen = []
            for line in fulfillment_order.get("line_items") or []:
                left = int(line.get("fulfillable_quantity") or 0)
                sku = sku_of.get(line.get("line_item_id"), "")
                take = min(left, wanted.get(sku, 0))
                if take:
                    wanted[sku] -= take
                if shipment.order_shipped_in_full:
                    take = left  # everything still open ships with the last shipment
                if take > 0:
                    chosen.append({"id": line["id"], "quantity": take})
            if chosen:
                by_location.setdefault(fulfillment_order.get("assigned_location_id"), []).append(
                    {"fulfillment_order_id": fulfillment_order["id"], "fulfillment_order_line_items": chosen}
                )
        for groups in by_location.values():  # one fulfillment may only hold one location's orders
            created: dict[str, Any] = {
                "line_items_by_fulfillment_order": groups,
                "notify_customer": self.notify_customer,
            }
            if shipment.tracking_number:
                created["tracking_info"] = {
                    "number": shipment.tracking_number,
                    "company": shipment.carrier,
                    **({"url": shipment.tracking_url} if shipment.tracking_url else {}),
                }
            self._call("POST", "/fulfillments.json", body={"fulfillment": created})

    def push_cancellation(self, external_id: str) -> None:
        order_id = int(external_id)
        answer = self._call("GET", f"/orders/{order_id}.json", params={"fields": "id,cancelled_at"})
        order = answer.data.get("order") if isinstance(answer.data, dict) else None
        if isinstance(order, dict) and order.get("cancelled_at"):
            return  # cancelled already (a retry, or in the shop itself)
        self._call("POST", f"/orders/{order_id}/cancel.json", body={"reason": "other", "email": False})

    # -- stock ----------------------------------------------------------------------------------

    def stock_items(self, skus: Iterable[str] | None = None) -> Iterator[StockItem]:
        location = self._location()
        if skus is None:
            variants = self._variants(fresh=True)
            wanted = sorted(variants)
        else:
            wanted = sorted(set(skus))
            variants = self._variants(fresh=False)
            if any(sku not in variants for sku in wanted):
                variants = self._variants(fresh=False, missing=True)
        found = [(sku, v) for sku in wanted for v in variants.get(sku, []) if v["tracked"]]
        for start in range(0, len(found), IDS_PER_LOOKUP):
            chunk = found[start : start + IDS_PER_LOOKUP]
            answer = self._call(
                "GET",
                "/inventory_levels.json",
                params={
                    "inventory_item_ids": ",".join(str(v["item"]) for _sku, v in chunk),
                    "location_ids": location,
                    "limit": PAGE_SIZE,
                },
            )
            levels = answer.data.get("inventory_levels") if isinstance(answer.data, dict) else None
            available = {
                str(level.get("inventory_item_id")): level.get("available")
                for level in levels or []
                if isinstance(level, dict) and str(level.get("location_id")) == location
            }
            for sku, variant in chunk:
                quantity = available.get(str(variant["item"]))
                yield StockItem(
                    sku=sku,
                    shop_id=str(variant["item"]),
                    quantity=quantity if isinstance(quantity, int) else None,
                    parent_id=str(variant["product"]),
                    extra={"variant_id": variant["variant"], "location_id": location},
                )

    def set_stock(self, updates: list[tuple[StockItem, int]]) -> None:
        location = self._location()
        refused: list[str] = []
        for item, quantity in updates:
            try:
                self._call(
                    "POST",
                    "/inventory_levels/set.json",
                    body={"location_id": int(location), "inventory_item_id": int(item.shop_id), "available": quantity},
                )
            except ShopRateLimited:
                raise
            except ShopApiError as exc:
                if exc.status is None or exc.status >= 500:
                    raise  # the shop is unreachable or failing: the rest would fail alike (the outbox retries)
                refused.append(f"{item.sku}: {exc}")
        if refused:
            self.forget_ids()  # a variant or the location may be gone: read them afresh next time
            raise ShopApiError(
                _("The shop refused %(count)s stock update(s): %(message)s")
                % {"count": len(refused), "message": refused[0][:300]}
            )

    def forget_ids(self) -> None:
        """Drop the cached SKU -> inventory item map and location of this shop."""
        cache.delete_many([f"{self._ids_key}:variants", f"{self._ids_key}:location"])

    def _location(self) -> str:
        """The connection's location, or the shop's only active one (looked up once, cached)."""
        if self.location_id:
            return self.location_id
        key = f"{self._ids_key}:location"
        known = cache.get(key)
        if known:
            return str(known)
        answer = self._call("GET", "/locations.json")
        rows = answer.data.get("locations") if isinstance(answer.data, dict) else None
        active = [str(row["id"]) for row in rows or [] if isinstance(row, dict) and row.get("active") and row.get("id")]
        if len(active) != 1:
            raise ShopApiError(
                _(
                    "The shop has %(count)s active locations: enter the one whose stock we set as the "
                    "shop connection's location."
                )
                % {"count": len(active)}
            )
        cache.set(key, active[0], IDS_CACHE_SECONDS)
        return active[0]

    def _variants(self, *, fresh: bool, missing: bool = False) -> dict[str, list[dict[str, Any]]]:
        """SKU -> the shop's variants with it (an SKU need not be unique in Shopify), from the
        cache unless ``fresh``; ``missing`` (an SKU not in the map) reads the products again when
        the map is older than ``RESCAN_SECONDS``."""
        key = f"{self._ids_key}:variants"
        cached = None if fresh else cache.get(key)
        if cached is not None and not (missing and time.time() - cached["read_at"] > RESCAN_SECONDS):
            return cached["skus"]
        skus: dict[str, list[dict[str, Any]]] = {}
        params: dict[str, Any] = {"limit": PAGE_SIZE, "fields": "id,variants"}
        while True:
            answer = self._call("GET", "/products.json", params=params)
            rows = answer.data.get("products") if isinstance(answer.data, dict) else None
            for product in rows or []:
                for variant in (product.get("variants") or []) if isinstance(product, dict) else []:
                    if isinstance(variant, dict) and variant.get("sku") and variant.get("inventory_item_id"):
                        skus.setdefault(str(variant["sku"]), []).append(
                            {
                                "variant": variant.get("id"),
                                "item": variant["inventory_item_id"],
                                "product": product.get("id"),
                                "tracked": variant.get("inventory_management") == "shopify",
                            }
                        )
            following = _next_page_info(answer.headers.get("link"))
            if not following:
                break
            params = {"limit": PAGE_SIZE, "fields": "id,variants", "page_info": following}
        cache.set(key, {"skus": skus, "read_at": time.time()}, IDS_CACHE_SECONDS)
        return skus


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime(STAMP)


def _parse_stamp(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ShopApiError(_("The pull cursor “%(cursor)s” is not a time.") % {"cursor": value[:40]}) from None
    return moment.replace(tzinfo=datetime.UTC) if moment.tzinfo is None else moment.astimezone(datetime.UTC)


def _next_page_info(link: str | None) -> str:
    """The ``page_info`` of the ``rel="next"`` URL in a ``Link`` header ("" on the last page)."""
    for match in NEXT_LINK.finditer(link or ""):
        values = parse_qs(urlsplit(match.group(1)).query).get("page_info")
        if values:
            return values[0]
    return ""
