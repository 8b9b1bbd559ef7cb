"""Shop connectors: one class per shop platform behind ``orders.shops.base.ShopConnector``.

``connector_for(connection)`` gives the connector of a channel's shop; ``CONNECTORS`` maps the
channel's ``platform`` to its class (a new shop is one more class and one more entry).
"""

from __future__ import annotations

from orders.models import ChannelPlatform, ShopConnection
from orders.shops.base import ShopConnector
from orders.shops.woocommerce import WooCommerceConnector

CONNECTORS: dict[str, type[ShopConnector]] = {
    ChannelPlatform.WOOCOMMERCE: WooCommerceConnector,
}


def connector_for(connection: ShopConnection) -> ShopConnector | None:
    """The connector of ``connection``'s shop; None when no connector speaks its platform."""
    connector_class = CONNECTORS.get(connection.channel.platform)
    if connector_class is None:
        return None
    return connector_class(base_url=connection.base_url, api_key=connection.api_key, api_secret=connection.api_secret)
