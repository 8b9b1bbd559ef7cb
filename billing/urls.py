"""URLs of billing (app_name "billing")."""

from django.urls import path

from billing.views import payments as payment_views

app_name = "billing"

urlpatterns = [
    # Support: payments entered by hand and refunds, from the order page's payments panel.
    path(
        "support/orders/<str:number>/payments/record/",
        payment_views.order_payment_record,
        name="support-order-payment-record",
    ),
    path("support/orders/<str:number>/payments/refund/", payment_views.order_refund, name="support-order-refund"),
]
