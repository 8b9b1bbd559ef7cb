"""The load steps of the apps below fulfillment (catalogue, orders and their payments, stock),
registered in ``oms.seeding`` by ``loadgen.apps``. Later apps register their own steps from their
``AppConfig.ready()`` with order 50 and up; they find the orders, lines and payments loaded here.
"""

from __future__ import annotations

from oms import seeding
from oms.seeding import LoadContext

INVENTORY_MODELS = (
    "inventory.Warehouse", "inventory.BinLocation", "inventory.Supplier", "inventory.Category", "inventory.Product",
    "inventory.PurchaseOrder", "inventory.PurchaseOrderLine", "inventory.ChannelStockBuffer",
)  # fmt: skip
ORDER_MODELS = (
    "orders.Channel", "orders.Customer", "orders.Order", "orders.OrderLine", "orders.OrderEvent", "orders.Allocation",
    "orders.OrderImport", "orders.PaymentTransaction",
)  # fmt: skip
STOCK_MODELS = ("inventory.StockLevel", "inventory.BinStock", "inventory.StockMovement")


def load_catalogue(ctx: LoadContext) -> None:
    """Warehouses, categories and products, and which product is stocked where."""
    ctx.load_inventory_master()  # type: ignore[attr-defined]
    ctx.plan_stock()  # type: ignore[attr-defined]


def load_orders(ctx: LoadContext) -> None:
    """Channels, customers, two years of orders with lines, timeline, allocations and payments."""
    ctx.load_orders()  # type: ignore[attr-defined]


def load_stock(ctx: LoadContext) -> None:
    """Stock levels and their ledger; ``reserved`` is what the open orders allocated."""
    ctx.load_stock()  # type: ignore[attr-defined]


def register() -> None:
    # version 2: products with prices, weights and VAT rates that fit what they are.
    seeding.register_load("inventory", load_catalogue, order=10, models=INVENTORY_MODELS, version=2)
    # version 2: payments, promised ship dates, VAT breakdowns and plausible step times.
    seeding.register_load("orders", load_orders, order=40, models=ORDER_MODELS, version=2)
    # After the orders: a stock level's reserved units are the allocations the orders made.
    seeding.register_load("stock", load_stock, order=45, models=STOCK_MODELS)
