"""CSRF is enforced on every state-changing form and HTMX request.

A POST without a token to any page (staff areas, login, admin, the portal) is refused by the CSRF
middleware before any view runs; only the JSON API (API keys; DRF enforces CSRF itself for
session-authenticated requests) and signed inbound webhooks may be exempt.
"""

from __future__ import annotations

import pytest
from django.http import HttpResponseForbidden
from django.test import Client

from oms.roles import Role
from tests.logins import login_as
from tests.security.urlmap import all_routes

pytestmark = pytest.mark.django_db

# Where csrf_exempt is legitimate: machine clients that authenticate each request themselves.
EXEMPT_PREFIXES = ("/api/", "/webhooks/", "/hooks/")
# Single exempt URLs, each with why. Keep this short.
EXEMPT_PATHS = {
    "/csp-report/": "browsers post CSP violation reports without a token; it changes nothing, only logs",
}


def rejected_by_csrf(request, reason=""):
    response = HttpResponseForbidden("csrf")
    response["X-CSRF-Rejected"] = reason or "yes"
    return response


@pytest.fixture(autouse=True)
def _marked_csrf_failures(settings):
    settings.CSRF_FAILURE_VIEW = "tests.security.test_csrf.rejected_by_csrf"


FORM_ROUTES = [
    r
    for r in all_routes()
    if not r.path.startswith(EXEMPT_PREFIXES) and r.path != "/healthz" and r.path not in EXEMPT_PATHS
]


def test_only_machine_endpoints_are_csrf_exempt():
    exempt = [
        r.route
        for r in all_routes()
        if r.csrf_exempt and not r.path.startswith(EXEMPT_PREFIXES) and r.path not in EXEMPT_PATHS
    ]
    assert exempt == []


@pytest.mark.parametrize("route", FORM_ROUTES, ids=lambda r: r.route)
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_post_without_token_is_refused(route, htmx, admin_user):
    client = Client(enforce_csrf_checks=True)
    login_as(client, admin_user)  # admins may use every page: a refusal is CSRF, not the role
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(route.path, {"note": "x"}, headers=headers)
    assert response.status_code == 403 and response.has_header("X-CSRF-Rejected"), (
        f"POST {route.path} without CSRF token got {response.status_code}"
    )


def test_post_with_the_token_passes_the_csrf_check(support_user):
    """Control: the check above can tell a CSRF refusal from any other answer."""
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    token = page.cookies["csrftoken"].value
    response = client.post("/accounts/login/", {"username": "x", "password": "y", "csrfmiddlewaretoken": token})
    assert not response.has_header("X-CSRF-Rejected")
    assert response.status_code == 200  # the form again, with its error


def test_htmx_requests_carry_the_token_in_a_header(support_user):
    """The shell puts the token in hx-headers on <body>; a request with that header passes."""
    client = Client(enforce_csrf_checks=True)
    login_as(client, support_user)
    html = client.get("/support/").content.decode()
    assert "hx-headers" in html and "X-CSRFToken" in html
    token = client.cookies["csrftoken"].value
    response = client.post("/support/", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert not response.has_header("X-CSRF-Rejected")


@pytest.mark.parametrize("role", [Role.SUPPORT])
def test_session_authenticated_api_writes_need_the_token(role, users_by_role):
    """The API is CSRF-exempt for API keys, but a browser session must still send the token."""
    api_routes = [r for r in all_routes() if r.path.startswith("/api/v1/")]
    client = Client(enforce_csrf_checks=True)
    login_as(client, users_by_role[role])
    checked = []
    for route in api_routes:
        response = client.post(route.path, {}, content_type="application/json")
        if response.status_code == 405:
            continue
        assert response.status_code == 403, f"session POST {route.path} without token -> {response.status_code}"
        assert "CSRF" in response.json().get("message", ""), response.json()
        checked.append(route.route)
    # Control: the API's writes were among them (order intake and cancellation).
    assert {"/api/v1/orders/", "/api/v1/orders/<str:number>/cancel/"} <= set(checked), checked
