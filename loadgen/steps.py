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
RATING_MODELS = ("orders.OrderRating",)

# About a third of the delivered orders are rated from the portal, a day or two after delivery,
# mostly well; two in five ratings carry a comment that fits their stars.
_RATINGS = """
INSERT INTO orders_orderrating (order_id, stars, comment, created_at)
SELECT r.id, r.stars,
       CASE WHEN r.pick %% 5 < 2 THEN (%(comments)s::text[])[(r.stars - 1) * 3 + 1 + r.pick %% 3] ELSE '' END,
       LEAST(r.delivered_at + make_interval(mins => (30 + (r.pick * 7) %% 4300)::int), %(now)s)
FROM (
    SELECT o.id, o.delivered_at, mod(o.id * 40503, 997) AS pick,
           CASE WHEN mod(o.id * 7919, 100) < 45 THEN 5 WHEN mod(o.id * 7919, 100) < 70 THEN 4
                WHEN mod(o.id * 7919, 100) < 82 THEN 3 WHEN mod(o.id * 7919, 100) < 90 THEN 2 ELSE 1 END AS stars
    FROM orders_order o
    WHERE o.state IN ('delivered', 'completed') AND o.delivered_at IS NOT NULL AND mod(o.id * 2654435761, 100) < 35
) r
"""
# Three comments per star count, 1 to 5.
COMMENTS = [
    "Paket kam beschädigt an, sehr ärgerlich.", "Falscher Artikel geliefert.", "Kundenservice antwortet nicht.",
    "Lieferung hat zu lange gedauert.", "Qualität leider enttäuschend.", "Artikel sieht anders aus als auf den Fotos.",
    "Ganz okay, aber die Verpackung war übertrieben.", "Ware in Ordnung, Lieferung etwas spät.", "Passt, mehr nicht.",
    "Schnelle Lieferung, gerne wieder.", "Gute Qualität, ein Teil fehlte zunächst.", "Zufrieden, Preis stimmt.",
    "Super schnell und perfekt verpackt!", "Alles bestens, vielen Dank!", "Top Qualität, klare Empfehlung.",
]  # fmt: skip


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


def load_ratings(ctx: LoadContext) -> None:
    """Portal ratings (1 to 5 stars, some with a comment) of delivered orders."""
    from orders.models import OrderRating

    ctx.execute(_RATINGS, {"comments": COMMENTS, "now": ctx.now}, label="ratings", model=OrderRating)


def register() -> None:
    # version 2: products with prices, weights and VAT rates that fit what they are.
    seeding.register_load("inventory", load_catalogue, order=10, models=INVENTORY_MODELS, version=2)
    # version 2: payments, promised ship dates, VAT breakdowns and plausible step times.
    # version 3: a partially shipped order of one line shipped all its units but one.
    seeding.register_load("orders", load_orders, order=40, models=ORDER_MODELS, version=3)
    # After the orders: a stock level's reserved units are the allocations the orders made.
    seeding.register_load("stock", load_stock, order=45, models=STOCK_MODELS)
    # Customers rate delivered orders from the portal (before returns: a rating does not wait for one).
    seeding.register_load("ratings", load_ratings, order=47, models=RATING_MODELS)
