from django.urls import path

from oms.lists import list_urls
from orders.views import cases as case_views
from orders.views import imports as import_views
from orders.views import order_list as order_list_views
from orders.views import phone as phone_views
from orders.views import portal as portal_views
from orders.views import portal_legal as portal_legal_views
from orders.views import privacy as privacy_views
from orders.views import support as support_views
from orders.webhooks import views as webhook_views

app_name = "orders"

urlpatterns: list = [
    # Inbound shop webhooks (signed; see orders/webhooks/).
    path(
        "webhooks/shopify/<slug:channel_code>/orders-create/",
        webhook_views.shopify_orders_create,
        name="webhook-shopify-orders-create",
    ),
    path(
        "webhooks/woocommerce/<slug:channel_code>/order/",
        webhook_views.woocommerce_order,
        name="webhook-woocommerce-order",
    ),
]

# --- support desk (/support/...): search, order page and actions, cases, phone orders, CSV import ---

urlpatterns += [
    path("support/orders/", order_list_views.order_list, name="support-order-list"),
    *list_urls(order_list_views.ORDER_LIST, "support/orders/"),
    path("support/orders/new/", phone_views.phone_order_new, name="support-phone-order"),
    path("support/orders/new/preview/", phone_views.phone_order_preview, name="support-phone-preview"),
    path("support/orders/new/products/", phone_views.phone_product_search, name="support-phone-products"),
    path("support/orders/new/customers/", phone_views.phone_customer_search, name="support-phone-customers"),
    path("support/orders/new/customers/<int:pk>/", phone_views.phone_customer_pick, name="support-phone-customer-pick"),
    path("support/orders/import/", import_views.order_import, name="support-order-import"),
    path(
        "support/orders/import/template.csv", import_views.order_import_template, name="support-order-import-template"
    ),
    path("support/orders/import/<int:pk>/", import_views.order_import_detail, name="support-order-import-detail"),
    path("support/orders/<str:number>/", support_views.order_detail, name="support-order-detail"),
    path("support/orders/<str:number>/hold/", support_views.order_hold, name="support-order-hold"),
    path("support/orders/<str:number>/unhold/", support_views.order_unhold, name="support-order-unhold"),
    path("support/orders/<str:number>/cancel/", support_views.order_cancel, name="support-order-cancel"),
    path(
        "support/orders/<str:number>/cancel-lines/", support_views.order_cancel_lines, name="support-order-cancel-lines"
    ),
    path(
        "support/orders/<str:number>/edit-address/",
        support_views.order_edit_address,
        name="support-order-edit-address",
    ),
    path("support/orders/<str:number>/edit-lines/", support_views.order_edit_lines, name="support-order-edit-lines"),
    path("support/orders/<str:number>/notes/", support_views.order_add_note, name="support-order-note"),
    path("support/orders/<str:number>/cases/", case_views.case_create, name="support-case-create"),
    path("support/cases/", case_views.case_list, name="support-case-list"),
    path("support/customers/<int:pk>/privacy/", privacy_views.customer_privacy, name="support-customer-privacy"),
    path(
        "support/customers/<int:pk>/privacy/export.json",
        privacy_views.customer_export_json,
        name="support-customer-export-json",
    ),
    path(
        "support/customers/<int:pk>/privacy/export/",
        privacy_views.customer_export_html,
        name="support-customer-export-html",
    ),
    path(
        "support/customers/<int:pk>/privacy/export.pdf",
        privacy_views.customer_export_pdf,
        name="support-customer-export-pdf",
    ),
    path("support/customers/<int:pk>/privacy/erase/", privacy_views.customer_erase, name="support-customer-erase"),
    *list_urls(case_views.CASE_LIST, "support/cases/"),
    path("support/cases/<int:pk>/", case_views.case_detail, name="support-case-detail"),
    path("support/cases/<int:pk>/reply/", case_views.case_reply, name="support-case-reply"),
    path("support/cases/<int:pk>/<slug:verb>/", case_views.case_transition, name="support-case-transition"),
]

# --- customer portal (/track/...): public; a signed link (orders.portal_links) opens one order ---

urlpatterns += [
    path("track/", portal_views.portal_lookup, name="portal-lookup"),
    path("track/legal/<slug:kind>/", portal_legal_views.portal_legal, name="portal-legal"),
    path("track/legal/<slug:kind>/pdf/", portal_legal_views.portal_legal_pdf, name="portal-legal-pdf"),
    path("track/<str:token>/", portal_views.portal_order, name="portal-order"),
    path("track/<str:token>/cases/", portal_views.portal_case_create, name="portal-case-create"),
    path("track/<str:token>/cases/<int:pk>/", portal_views.portal_case_reply, name="portal-case-reply"),
    path("track/<str:token>/rating/", portal_views.portal_rate, name="portal-rate"),
    path("track/<str:token>/documents/<int:pk>/", portal_views.portal_document, name="portal-document"),
]
