"""Reporting pages under /reports/ (app_name "reporting"). The root URLconf includes this module."""

from django.urls import path

from oms.lists import list_urls
from reporting import views

app_name = "reporting"

urlpatterns = [
    path("reports/dashboard/", views.dashboard, name="dashboard"),
    path("reports/dashboard/<slug:table>.csv", views.dashboard_csv, name="dashboard-csv"),
    path("reports/orders/", views.order_list, name="order-list"),
    *list_urls(views.REPORT_ORDER_LIST, "reports/orders/"),
]
