"""Returns pages (app_name "returns"). The root URLconf includes this module."""

from django.urls import path

from oms.lists import list_urls
from returns.views import claims as claim_views
from returns.views import photos as photo_views
from returns.views import portal as portal_views
from returns.views import queue as queue_views
from returns.views import support as support_views
from returns.views import warehouse as warehouse_views

app_name = "returns"

urlpatterns = [
    # The customer portal's withdrawal function (public; the order's signed link opens it).
    path("track/<str:token>/withdraw/", portal_views.withdrawal_form, name="portal-withdraw"),
    path("track/<str:token>/withdraw/confirm/", portal_views.withdrawal_confirm, name="portal-withdraw-confirm"),
    # Photos of the order's returns: added while the return is open, read only through the link.
    path("track/<str:token>/returns/<str:number>/photos/", photo_views.portal_photos_add, name="portal-photos-add"),
    path(
        "track/<str:token>/returns/<str:number>/photos/<int:photo_id>/",
        photo_views.portal_photo,
        name="portal-photo",
    ),
    # A return request for delivered items (the same returns service as the withdrawal).
    path("track/<str:token>/return/", portal_views.return_request, name="portal-return"),
    path("track/<str:token>/returns/<str:number>/label/", portal_views.return_label, name="portal-return-label"),
    # Support: the returns queue (list pages before support/returns/<number>/, which would take "export").
    path("support/returns/", queue_views.return_list, name="support-return-list"),
    *list_urls(queue_views.RETURN_LIST, "support/returns/"),
    # Support: a return from the order page (the RMA panel), one request and the decisions on it.
    path("support/orders/<str:number>/returns/new/", support_views.return_create, name="support-return-create"),
    path("support/returns/<str:number>/", support_views.return_detail, name="support-return-detail"),
    path("support/returns/<str:number>/approve/", support_views.return_approve, name="support-return-approve"),
    path("support/returns/<str:number>/reject/", support_views.return_reject, name="support-return-reject"),
    path("support/returns/<str:number>/cancel/", support_views.return_cancel, name="support-return-cancel"),
    path("support/returns/<str:number>/exchange/", support_views.return_exchange, name="support-return-exchange"),
    path("support/returns/<str:number>/photos/<int:photo_id>/", photo_views.support_photo, name="support-return-photo"),
    # Support: claims without a return (lost, damaged in transit, an item missing), and the list.
    path("support/claims/", claim_views.claims, name="support-claim-list"),
    path("support/shipments/<str:reference>/claims/new/", claim_views.claim_create, name="support-claim-create"),
    path("support/claims/<str:number>/", claim_views.claim_detail, name="support-claim-detail"),
    path("support/claims/<str:number>/resolve/", claim_views.claim_resolve, name="support-claim-resolve"),
    path("support/claims/<str:number>/carrier/", claim_views.claim_carrier, name="support-claim-carrier"),
    # Warehouse: receiving and inspecting return parcels.
    path("warehouse/returns/", warehouse_views.returns_start, name="warehouse-returns"),
    path("warehouse/returns/<str:number>/", warehouse_views.return_screen, name="warehouse-return"),
    path("warehouse/returns/<str:number>/scan/", warehouse_views.return_scan, name="warehouse-return-scan"),
    path("warehouse/returns/<str:number>/finish/", warehouse_views.return_finish, name="warehouse-return-finish"),
    path("warehouse/returns/<str:number>/scrap/", warehouse_views.return_scrap, name="warehouse-return-scrap"),
]
