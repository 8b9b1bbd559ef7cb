"""Answers with personal data are never stored by a browser or proxy (``Cache-Control: no-store``),
static files keep their caching, and every answer carries a ``Permissions-Policy``."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.orders.api_fixtures import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


def _policy(response) -> str:
    return response.headers.get("Permissions-Policy", "")


def test_a_staff_page_is_no_store_and_carries_the_permissions_policy(support_client):
    response = support_client.get(reverse("support-home"))

    assert response.status_code == 200
    assert _no_store(response)
    assert "private" in response.headers["Cache-Control"]
    assert "camera=()" in _policy(response) and "geolocation=()" in _policy(response)


def test_an_htmx_partial_of_a_staff_page_is_no_store(support_client):
    response = support_client.get(reverse("orders:support-order-list"), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert _no_store(response)


def test_an_api_answer_is_no_store(api, products):
    response = api.get("/api/v1/orders/")

    assert response.status_code == 200
    assert _no_store(response) and _policy(response)


def test_an_api_error_answer_is_no_store(client):
    response = client.get("/api/v1/orders/")

    assert response.status_code in {401, 403}
    assert _no_store(response) and _policy(response)


def test_a_webhook_answer_is_no_store(client, channel):
    url = reverse("orders:webhook-shopify-orders-create", args=[channel.code])

    response = client.post(url, data=b"{}", content_type="application/json", HTTP_X_SHOPIFY_HMAC_SHA256="bad")

    assert response.status_code == 401
    assert _no_store(response) and _policy(response)


def test_the_login_page_and_the_health_check_carry_the_headers_too(client):
    for response in (client.get(reverse("login")), client.get("/healthz")):
        assert response.status_code == 200
        assert _no_store(response) and _policy(response)


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_keep_their_caching_but_carry_the_policy():
    response = Client().get("/static/css/oms.css")

    assert response.status_code == 200
    assert not _no_store(response)
    assert _policy(response)
