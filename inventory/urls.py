"""Inventory pages. Stock and inbound under /warehouse/, the CSV exchange and replenishment under /reports/.

SKUs may contain "/" and any word at all ("export", "a/adjust"), so a SKU is always the last
part of its URL, after a fixed word: the product page is ``warehouse/products/<sku>/`` (nothing
else lives there) and its forms post to ``warehouse/stock/<action>/<sku>/``, beside the stock
list's own ``export/``, ``views/`` and ``bulk/``. No SKU can shadow a page, and no page a SKU.
"""

from django.urls import path

from inventory.views import catalogue_csv, purchase_orders, purchasing, replenishment, stock
from oms.lists import list_urls

app_name = "inventory"

urlpatterns: list = [
    path("warehouse/stock/", stock.stock_list, name="stock-list"),
    *list_urls(stock.STOCK_LIST, "warehouse/stock/"),
    path("warehouse/stock/adjust/<path:sku>/", stock.stock_adjust, name="stock-adjust"),
    path("warehouse/stock/transfer/<path:sku>/", stock.stock_transfer, name="stock-transfer"),
    path("warehouse/stock/count/<path:sku>/", stock.stock_count, name="stock-count"),
    path("warehouse/products/<path:sku>/", stock.product_stock_page, name="product-stock"),
    path("warehouse/receiving/", purchasing.receiving, name="receiving"),
    path("warehouse/receiving/<str:number>/receive/", purchasing.receiving_receive, name="receiving-receive"),
    path(
        "warehouse/receiving/<str:number>/receive-all/", purchasing.receiving_receive_all, name="receiving-receive-all"
    ),
    path("warehouse/purchase-orders/", purchase_orders.purchase_order_list, name="purchase-order-list"),
    *list_urls(purchase_orders.PURCHASE_ORDER_LIST, "warehouse/purchase-orders/"),
    path("warehouse/purchase-orders/new/", purchase_orders.purchase_order_new, name="purchase-order-new"),
    path(
        "warehouse/purchase-orders/<str:number>/edit/", purchase_orders.purchase_order_edit, name="purchase-order-edit"
    ),
    path(
        "warehouse/purchase-orders/<str:number>/send/", purchase_orders.purchase_order_send, name="purchase-order-send"
    ),
    path(
        "warehouse/purchase-orders/<str:number>/cancel/",
        purchase_orders.purchase_order_cancel,
        name="purchase-order-cancel",
    ),
    path(
        "warehouse/purchase-orders/<str:number>/receive/",
        purchase_orders.purchase_order_receive,
        name="purchase-order-receive",
    ),
    path(
        "warehouse/purchase-orders/<str:number>/", purchase_orders.purchase_order_detail, name="purchase-order-detail"
    ),
    path("reports/inventory-csv/", catalogue_csv.csv_exchange, name="csv-exchange"),
    path("reports/inventory-csv/<str:kind>.csv", catalogue_csv.csv_export, name="csv-export"),
    path("reports/replenishment/", replenishment.replenishment_list, name="replenishment-list"),
    path("reports/replenishment/order/", replenishment.replenishment_order, name="replenishment-order"),
    path("reports/replenishment/<int:pk>/", replenishment.replenishment_detail, name="replenishment-detail"),
]
