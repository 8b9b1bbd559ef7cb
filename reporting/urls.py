"""Reporting pages under /reports/ (app_name "reporting"). The root URLconf includes this module."""

from django.urls import path

from oms.lists import list_urls
from reporting import accounting_views, views

app_name = "reporting"

urlpatterns = [
    path("reports/dashboard/", views.dashboard, name="dashboard"),
    path("reports/dashboard/<slug:table>.csv", views.dashboard_csv, name="dashboard-csv"),
    path("reports/orders/", views.order_list, name="order-list"),
    *list_urls(views.REPORT_ORDER_LIST, "reports/orders/"),
    # The accounting export of a period: DATEV booking batch and OSS totals per country.
    path("reports/accounting/", accounting_views.accounting, name="accounting"),
    path("reports/accounting/datev/", accounting_views.accounting_datev, name="accounting-datev"),
    path("reports/accounting/oss/", accounting_views.accounting_oss, name="accounting-oss"),
]
