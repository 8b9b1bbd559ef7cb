"""URLconf of the benchmark process: the project's URLs plus the reference page.

The reference page is what every page is compared with: signed in, the site shell (base
template, navigation, middleware) and one indexed query, nothing else.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path


@login_required
def reference_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        model = apps.get_model("orders", "Order")
    except LookupError:
        model = apps.get_model("inventory", "Product")
    row = model.objects.filter(pk=pk).values_list("pk", flat=True).first()
    return render(request, "bench/reference.html", {"row": row})


urlpatterns = [
    path("bench/reference/<int:pk>/", reference_page, name="bench-reference"),
    path("", include("oms.urls")),
]
