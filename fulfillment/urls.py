"""URLs of fulfillment (app_name "fulfillment")."""

from django.urls import path

from fulfillment import webhooks
from fulfillment.views import board as board_views
from fulfillment.views import manifests as manifest_views
from fulfillment.views import packing as packing_views
from fulfillment.views import picking as picking_views
from fulfillment.views import shipping as shipping_views
from fulfillment.views import tracking as tracking_views
from fulfillment.views import waves as wave_views

app_name = "fulfillment"

urlpatterns = [
    # Carriers' tracking webhooks (signed per carrier; see fulfillment/webhooks.py).
    path(
        "webhooks/carriers/<slug:carrier_code>/tracking/",
        webhooks.carrier_tracking_webhook,
        name="carrier-tracking-webhook",
    ),
    # Support: tracking exceptions, shipments at risk, tracking CSV, an event by hand.
    path("support/tracking/", tracking_views.tracking_queue, name="support-tracking"),
    path("support/tracking/upload/", tracking_views.tracking_upload, name="support-tracking-upload"),
    path(
        "support/shipments/<str:reference>/tracking/",
        tracking_views.tracking_entry,
        name="support-tracking-entry",
    ),
    # Warehouse: the board the warehouse home shows, polled to refresh it in place.
    path("warehouse/board/", board_views.warehouse_board, name="warehouse-board"),
    # Warehouse: waves and pick lists, the pick screen.
    path("warehouse/waves/", wave_views.waves, name="warehouse-waves"),
    path("warehouse/waves/build/", wave_views.wave_build, name="warehouse-wave-build"),
    path("warehouse/waves/order/", wave_views.order_pick_list, name="warehouse-order-pick-list"),
    path(
        "warehouse/pick-lists/<str:number>/assign/",
        wave_views.pick_list_assign,
        name="warehouse-pick-list-assign",
    ),
    path("warehouse/pick/<str:number>/", picking_views.pick, name="warehouse-pick"),
    path("warehouse/pick/<str:number>/scan/", picking_views.pick_scan, name="warehouse-pick-scan"),
    path("warehouse/pick/<str:number>/short/", picking_views.pick_short, name="warehouse-pick-short"),
    # Warehouse: the pack screen (verify, packages, label) and the dock (ship).
    path("warehouse/pack/", packing_views.pack_start, name="warehouse-pack"),
    path("warehouse/pack/<str:reference>/", packing_views.pack, name="warehouse-pack-shipment"),
    path("warehouse/pack/<str:reference>/scan/", packing_views.pack_scan, name="warehouse-pack-scan"),
    path("warehouse/pack/<str:reference>/close/", packing_views.pack_close, name="warehouse-pack-close"),
    path("warehouse/pack/<str:reference>/label/", packing_views.pack_label, name="warehouse-pack-label"),
    path("warehouse/ship/", shipping_views.ship, name="warehouse-ship"),
    path("warehouse/ship/confirm/", shipping_views.ship_confirm, name="warehouse-ship-confirm"),
    # Warehouse: the end-of-day handover manifests.
    path("warehouse/manifests/", manifest_views.manifest_list, name="warehouse-manifests"),
    path("warehouse/manifests/close/", manifest_views.manifest_close, name="warehouse-manifest-close"),
    path("warehouse/manifests/<int:pk>/csv/", manifest_views.manifest_csv_download, name="warehouse-manifest-csv"),
]
