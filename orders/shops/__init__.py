"""Shop connectors: one class per shop platform behind ``orders.shops.base.ShopConnector``.

``connector_for(connection)`` gives the connector of a channel's shop; ``CONNECTORS`` maps the
connection's ``kind`` (``ShopKind``) to its class (a new shop is one more class, one more entry
and one more ``ShopKind``).
"""

from __future__ import annotations

from orders.models import ShopConnection, ShopKind
from orders.shops.base import ShopConnector
from orders.shops.shopify import ShopifyConnector
from orders.shops.woocommerce import WooCommerceConnector

CONNECTORS: dict[str, type[ShopConnector]] = {
    ShopKind.WOOCOMMERCE: WooCommerceConnector,
    ShopKind.SHOPIFY: ShopifyConnector,
}


def connector_for(connection: ShopConnection) -> ShopConnector | None:
    """The connector of ``connection``'s shop; None when no connector speaks its kind."""
    connector_class = CONNECTORS.get(connection.kind)
    if connector_class is None:
        return None
    return connector_class.from_connection(connection)
