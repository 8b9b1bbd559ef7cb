"""The one interface every shop connector implements, and what travels across it.

A connector speaks one shop platform's API and nothing else: it reads orders and maps them onto
``OrderDraft`` (the same drafts the shop's webhooks build), and writes shipments, status and
stock. What to do with them (intake, idempotency, retries, the sync state) is
``orders.services.shop_sync``'s work, the same for every shop. A new shop is one new class here,
registered in ``orders.shops.CONNECTORS`` under the channel platform it serves.
"""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from orders.models import ShopConnection
from orders.services.drafts import OrderDraft
from orders.shops.http import ShopHttp


@dataclass(frozen=True)
class ShopOrder:
    """An order as the shop's API returned it."""

    external_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class OrderPage:
    """A page of orders changed after the cursor, and the cursor after them."""

    orders: list[ShopOrder]
    cursor: str
    more: bool


@dataclass(frozen=True)
class ShipmentPush:
    """A shipment that left our warehouse, for the shop order it came from."""

    external_id: str
    reference: str
    carrier: str
    tracking_number: str
    tracking_url: str
    shipped_on: datetime.date
    lines: dict[str, int]  # SKU -> units in this shipment
    order_shipped_in_full: bool


@dataclass(frozen=True)
class StockItem:
    """A product as the shop knows it: its SKU, the shop's ids, the quantity it offers now."""

    sku: str
    shop_id: str
    quantity: int | None
    parent_id: str = ""  # a variation's product
    extra: dict[str, Any] = field(default_factory=dict)


class ShopConnector(ABC):
    """One shop's API. Every method raises ``orders.shops.http.ShopApiError`` (or its
    ``ShopRateLimited``) when the shop does not do what was asked."""

    platform: str = ""
    #: The ``actor_label`` on the timeline of an order this connector took in.
    actor_label: str = "shop-sync"

    def __init__(self, *, base_url: str, api_key: str, api_secret: str, http: ShopHttp | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.api_secret = api_secret
        self.http = http or ShopHttp()

    @classmethod
    def from_connection(cls, connection: ShopConnection) -> ShopConnector:
        """The connector of ``connection`` (a connector that needs more of the connection than
        its URL and credentials reads it here)."""
        return cls(base_url=connection.base_url, api_key=connection.api_key, api_secret=connection.api_secret)

    # -- orders into intake -------------------------------------------------------------------

    @abstractmethod
    def initial_cursor(self, since: datetime.datetime) -> str:
        """The cursor of a first pull: orders changed after ``since``."""

    @abstractmethod
    def orders_changed(self, cursor: str, *, page: int = 1) -> OrderPage:
        """The orders changed after ``cursor`` and the cursor after them (``more``: read on from
        it). A shop that sorts by change time gives the oldest first and ``page`` > 1 when a
        whole page shared the cursor's time; one that cannot (Shopify) walks a closed window and
        keeps its place in the cursor."""

    @abstractmethod
    def order(self, external_id: str) -> ShopOrder | None:
        """One order by the shop's id (None: the shop has no such order any more)."""

    @abstractmethod
    def takes_in(self, order: ShopOrder) -> bool:
        """Whether the order is one to fulfil (not failed, cancelled, a draft)."""

    @abstractmethod
    def is_paid(self, order: ShopOrder) -> bool:
        """Whether the shop has the money (a later pull of a known order records the capture)."""

    @abstractmethod
    def draft(self, order: ShopOrder) -> OrderDraft:
        """The order as an ``OrderDraft`` (raises ``orders.webhooks.errors.PayloadError``)."""

    # -- back to the shop -------------------------------------------------------------------------

    @abstractmethod
    def push_shipment(self, shipment: ShipmentPush) -> None:
        """Give the shop order the shipment's carrier and tracking number (once, also when
        called again after a timeout), and mark it shipped when the whole order has shipped."""

    @abstractmethod
    def push_cancellation(self, external_id: str) -> None:
        """Mark the shop order cancelled."""

    @abstractmethod
    def stock_items(self, skus: Iterable[str] | None = None) -> Iterator[StockItem]:
        """The shop's products with these SKUs (None: every product whose stock the shop manages)."""

    @abstractmethod
    def set_stock(self, updates: list[tuple[StockItem, int]]) -> None:
        """Set each item's quantity."""
