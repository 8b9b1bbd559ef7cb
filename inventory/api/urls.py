from django.urls import path

from inventory.api import views

app_name = "inventory-api"

urlpatterns: list = [
    path("stock/", views.StockListView.as_view(), name="stock-list"),
    path("stock/<path:sku>/", views.StockDetailView.as_view(), name="stock-detail"),
]
