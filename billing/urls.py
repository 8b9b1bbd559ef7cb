"""URLs of billing (app_name "billing")."""

from django.urls import path

from billing import webhooks
from billing.views import bank as bank_views
from billing.views import payments as payment_views
from billing.views import receivables as receivables_views
from oms.lists import list_urls

app_name = "billing"

urlpatterns = [
    # Stripe's webhook (signed with the endpoint secret; see billing/webhooks.py).
    path("webhooks/stripe/", webhooks.stripe_webhook, name="stripe-webhook"),
    # Support: payments entered by hand and refunds, from the order page's payments panel.
    path(
        "support/orders/<str:number>/payments/record/",
        payment_views.order_payment_record,
        name="support-order-payment-record",
    ),
    path("support/orders/<str:number>/payments/refund/", payment_views.order_refund, name="support-order-refund"),
    # Support: bank statements and the credits that matched no order.
    path("support/bank/", bank_views.bank_screen, name="support-bank"),
    path("support/bank/import/", bank_views.bank_statement_import, name="support-bank-import"),
    path("support/bank/lines/<int:pk>/assign/", bank_views.bank_line_assign, name="support-bank-line-assign"),
    path("support/bank/lines/<int:pk>/ignore/", bank_views.bank_line_ignore, name="support-bank-line-ignore"),
    # Support and managers: open items and their age (oms.lists: export and saved views).
    path("support/receivables/", receivables_views.receivables_list, name="support-receivables"),
    *list_urls(receivables_views.RECEIVABLES_LIST, "support/receivables/"),
]
