"""Every staff URL x every role (and anonymous) gets exactly the answer its declared roles allow.

The URLs come from the resolver (``urlmap``); the expected answer from the view's
``required_roles`` (set by ``oms.roles.role_required``). Admins have every role. A staff page
without ``required_roles`` fails the test unless it is listed in ``UNGUARDED`` with the reason.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from oms.roles import Role
from tests.logins import login_as, verified_login
from tests.security.urlmap import Route, all_routes, staff_routes
from tests.security.world import REAL_PARAMS

pytestmark = pytest.mark.django_db

# Staff URLs that may be reached without role_required, and why. Keep this short.
UNGUARDED: dict[str, str] = {}
# Answers an allowed user may get besides 200 on a URL whose sample parameters name nothing:
# 404 (no such object), 405 (the URL takes only POST).
ALLOWED_WITH_PARAMS = {200, 404, 405}
ALLOWED_WITHOUT_PARAMS = {200, 405}

ROLES = list(Role)
STAFF = staff_routes()
ADMIN = [r for r in all_routes() if r.path.startswith("/admin/")]
ADMIN_PUBLIC = {"admin:login", "admin:logout", "admin:password_reset", "admin:password_reset_done"}


def _client_for(user, route: Route | None = None) -> Client:
    """Signed in as ``user``; with the second factor given on a URL that needs it whatever the role
    (the GDPR pages), which ``test_second_factor_urls_send_an_unverified_user_to_the_verification`` covers."""
    client = Client()
    if user is not None:
        if route is not None and route.second_factor_required:
            verified_login(client, user)
        else:
            login_as(client, user)
    return client


def _allowed(route: Route) -> set[str]:
    roles = route.required_roles
    return set(roles or ()) | {Role.ADMIN}


def test_the_resolver_walk_finds_every_staff_area():
    paths = {r.path for r in STAFF} | {r.path for r in ADMIN}
    assert {"/warehouse/", "/support/", "/reports/", "/admin/"} <= paths


@pytest.mark.parametrize("route", STAFF, ids=lambda r: r.route)
def test_every_staff_url_declares_its_roles(route):
    assert route.required_roles is not None or route.name in UNGUARDED, (
        f"{route.route} ({route.name}) has no @role_required: anyone signed in could open it"
    )


@pytest.mark.parametrize("route", STAFF, ids=lambda r: r.route)
def test_staff_url_answers_each_role_as_declared(route, users_by_role):
    anonymous = Client().get(route.path)
    assert anonymous.status_code in (302, 405), f"anonymous got {anonymous.status_code} on {route.path}"
    if anonymous.status_code == 302:
        assert anonymous["Location"].startswith(reverse(settings.LOGIN_URL))
    allowed = _allowed(route)
    for role in ROLES:
        response = _client_for(users_by_role[role], route).get(route.path)
        if role in allowed:
            expected = ALLOWED_WITH_PARAMS if route.has_params else ALLOWED_WITHOUT_PARAMS
        else:
            expected = {403, 405}
        assert response.status_code in expected, (
            f"{role} got {response.status_code} on {route.path}, expected one of {sorted(expected)}"
        )
        if response.status_code == 405:
            # A POST-only URL: the role check must still hold for the method it takes.
            posted = _client_for(users_by_role[role], route).post(route.path, {})
            if role in allowed:
                assert posted.status_code not in (302, 403) or _is_success_redirect(posted), (
                    f"{role} may use {route.path} but POST got {posted.status_code}"
                )
                assert posted.status_code < 500
            else:
                assert posted.status_code == 403, f"{role} POST {route.path} -> {posted.status_code}"
    if anonymous.status_code == 405:
        posted = Client().post(route.path, {})
        assert posted.status_code == 302 and posted["Location"].startswith(reverse(settings.LOGIN_URL))


def _is_success_redirect(response) -> bool:
    """A POST that did its job may redirect, but never to the login page."""
    return response.status_code == 302 and reverse(settings.LOGIN_URL) not in response["Location"]


@pytest.mark.parametrize("route", [r for r in ADMIN if r.name not in ADMIN_PUBLIC], ids=lambda r: r.route)
def test_admin_url_is_for_the_admin_role_only(route, users_by_role):
    anonymous = Client().get(route.path)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("admin:login"))
    for role in ROLES:
        if role == Role.ADMIN:
            continue
        response = _client_for(users_by_role[role]).get(route.path)
        assert response.status_code == 403, f"{role} got {response.status_code} on {route.path}"
    response = _client_for(users_by_role[Role.ADMIN]).get(route.path)
    assert response.status_code < 500


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_admin_changelists_follow_the_admin_roles_model_permissions(model, admin_user):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = _client_for(admin_user).get(url)
    may_view = admin_user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}") or admin_user.has_perm(
        f"{model._meta.app_label}.change_{model._meta.model_name}"
    )
    assert response.status_code == (200 if may_view else 403)


# -- the same matrix on pages about real objects ---------------------------------------------------
# With sample parameters that name nothing, an allowed role gets 404; here the parameters name
# real rows, so an allowed role must get the page itself (200), or for a POST-only URL a POST that
# is neither refused nor a server error; every other role gets 403, and anonymous the login page.

# Staff URLs with parameters not requested on a real object here, and why. Keep this short.
NO_REAL_OBJECT: dict[str, str] = {
    "document-file": "who may read a document depends on its kind, not only on the URL: "
    "tests/oms/test_documents.py requests a real one as each role",
}


def test_every_staff_page_about_an_object_is_checked_on_a_real_one():
    """A new staff URL with parameters must be added to REAL_PARAMS (else it is only ever
    requested with parameters that name nothing)."""
    unchecked = [r.name for r in STAFF if r.has_params and r.name not in REAL_PARAMS and r.name not in NO_REAL_OBJECT]
    assert unchecked == []


@pytest.fixture
def real_objects(support_user):
    from tests.security.world import build_world

    return build_world(user=support_user, skus={"PERM-1": 10})


@pytest.mark.parametrize("name", sorted(REAL_PARAMS))
def test_staff_page_about_a_real_object_answers_each_role_as_declared(name, real_objects, users_by_role):
    route = next(r for r in STAFF if r.name == name)
    path = reverse(name, kwargs=REAL_PARAMS[name](real_objects))
    anonymous = Client().get(path)
    assert anonymous.status_code in (302, 405)
    if anonymous.status_code == 302:
        assert anonymous["Location"].startswith(reverse(settings.LOGIN_URL))
    allowed = _allowed(route)
    for role in ROLES:
        response = _client_for(users_by_role[role], route).get(path)
        if role not in allowed:
            assert response.status_code == 403, f"{role} got {response.status_code} on {path}"
            assert _client_for(users_by_role[role], route).post(path, {}).status_code == 403, f"{role} POST {path}"
            continue
        assert response.status_code in (200, 405), f"{role} got {response.status_code} on {path}"
        if response.status_code == 405:
            posted = _client_for(users_by_role[role], route).post(path, {})
            assert posted.status_code < 500 and (posted.status_code != 403), (
                f"{role} POST {path} -> {posted.status_code}"
            )
            assert posted.status_code != 302 or _is_success_redirect(posted)


SECOND_FACTOR = [r for r in STAFF if r.second_factor_required]


def test_the_gdpr_pages_need_a_second_factor():
    assert {r.name for r in SECOND_FACTOR} >= {
        "orders:support-customer-privacy",
        "orders:support-customer-export-json",
        "orders:support-customer-export-html",
        "orders:support-customer-erase",
    }


@pytest.mark.parametrize("route", SECOND_FACTOR, ids=lambda r: r.route)
def test_second_factor_urls_send_an_unverified_user_to_the_verification(route, users_by_role):
    """Support signed in with the password only (as most of them work) gets the verification step
    (or enrolment first), not the page, on the URLs that need a second factor whatever the role."""
    for role in _allowed(route):
        client = Client()
        client.force_login(users_by_role[role])
        response = client.get(route.path)
        assert response.status_code == 302, f"{role} got {response.status_code} on {route.path}"
        assert response["Location"].startswith((reverse("second-factor-setup"), reverse("second-factor-verify")))
