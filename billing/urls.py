"""URLs of billing (app_name "billing")."""

from django.urls import path

from billing import webhooks
from billing.views import bank as bank_views
from billing.views import crediting as crediting_views
from billing.views import dunning as dunning_views
from billing.views import einvoices as einvoice_views
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
    # Support: an invoice's reminders; pause and resume its dunning (also from the order page).
    path("support/invoices/<str:number>/dunning/", dunning_views.invoice_dunning_page, name="support-invoice-dunning"),
    path(
        "support/invoices/<str:number>/dunning/pause/",
        dunning_views.invoice_dunning_pause,
        name="support-invoice-dunning-pause",
    ),
    path(
        "support/invoices/<str:number>/dunning/resume/",
        dunning_views.invoice_dunning_resume,
        name="support-invoice-dunning-resume",
    ),
    # Support: a credit note for a price correction or goodwill on one invoice.
    path("support/invoices/<str:number>/credit/", crediting_views.invoice_credit_note, name="support-invoice-credit"),
    # Support: an invoice's or credit note's e-invoice (ZUGFeRD PDF, XRechnung XML), by its number.
    path("support/billing/<str:number>/zugferd/", einvoice_views.einvoice_zugferd, name="support-einvoice-zugferd"),
    path(
        "support/billing/<str:number>/xrechnung/", einvoice_views.einvoice_xrechnung, name="support-einvoice-xrechnung"
    ),
    # Support and managers: open items and their age (oms.lists: export and saved views).
    path("support/receivables/", receivables_views.receivables_list, name="support-receivables"),
    *list_urls(receivables_views.RECEIVABLES_LIST, "support/receivables/"),
]
