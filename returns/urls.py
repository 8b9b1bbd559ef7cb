"""Returns pages. The root URLconf includes this module; the returns features add their patterns here."""

from django.urls import path

from returns import views

app_name = "returns"

urlpatterns: list = [
    # The customer portal's withdrawal function (public; the order's signed link opens it).
    path("track/<str:token>/withdraw/", views.withdrawal_form, name="portal-withdraw"),
    path("track/<str:token>/withdraw/confirm/", views.withdrawal_confirm, name="portal-withdraw-confirm"),
]
