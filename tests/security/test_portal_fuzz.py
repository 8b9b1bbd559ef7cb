"""The customer portal (/track/) under hostile input, as the staff pages are in test_form_fuzz.

The portal is public: every page answers a visitor without a login, never with a server error,
never echoes posted script unescaped, and a link's token opens its own order only. Rate limits are
raised here so the hostile values reach the forms instead of the 429 page (tests/orders covers the
limits themselves).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from oms.roles import Role
from orders.portal_links import portal_path, read_token
from tests.security.test_form_fuzz import HOSTILE, INJECTED, FormFields
from tests.security.urlmap import all_routes

pytestmark = pytest.mark.django_db

PORTAL_ROUTES = {
    "orders:portal-lookup",
    "orders:portal-order",
    "orders:portal-case-create",
    "orders:portal-case-reply",
    "orders:portal-rate",
    "returns:portal-withdraw",
    "returns:portal-withdraw-confirm",
    "returns:portal-photos-add",
    "returns:portal-photo",
    "returns:portal-return",
    "orders:portal-document",
    "returns:portal-return-label",
    "orders:portal-legal",
    "orders:portal-legal-pdf",
}
NO_LIMITS = override_settings(
    PORTAL_LOOKUPS_PER_ADDRESS=100_000, PORTAL_LOOKUPS_PER_ORDER_NUMBER=100_000, PORTAL_ACTIONS_PER_ORDER_HOUR=100_000
)


@pytest.fixture
def world(django_user_model):
    from tests.conftest import make_user
    from tests.security.world import build_world

    admin = make_user(django_user_model, "portal-fuzz-admin", Role.ADMIN, is_staff=True)
    return build_world(user=admin, skus={"FUZZ-1": 10, "FUZZ-2": 3})


def _portal_paths(world: dict[str, Any]) -> dict[str, str]:
    """Each portal URL on the world's real order (its token), the case reply on a case that is not the customer's."""
    order_page = portal_path(world["order"].pk)
    return {
        "orders:portal-lookup": "/track/",
        "orders:portal-order": order_page,
        "orders:portal-case-create": order_page + "cases/",
        "orders:portal-case-reply": order_page + f"cases/{world['case'].pk}/",
        "orders:portal-rate": order_page + "rating/",
        "returns:portal-withdraw": order_page + "withdraw/",
        "returns:portal-withdraw-confirm": order_page + "withdraw/confirm/",
        # The photos of a return of another order of the world's (its own link opens them).
        "returns:portal-photos-add": _return_page(world) + "photos/",
        "returns:portal-photo": _return_page(world) + f"photos/{world['return_photo'].pk}/",
        "returns:portal-return": order_page + "return/",
        # Another order's invoice: the link's order opens none but its own (404).
        "orders:portal-document": order_page + f"documents/{world['invoice'].document_id or 0}/",
        "returns:portal-return-label": _return_page(world) + "label/",
        "orders:portal-legal": f"/track/legal/imprint/?channel={world['order'].channel.code}",
        "orders:portal-legal-pdf": f"/track/legal/terms/pdf/?channel={world['order'].channel.code}",
    }


def _return_page(world: dict[str, Any]) -> str:
    return portal_path(world["return_order"].pk) + f"returns/{world['return_request'].number}/"


def _fields(client: Client, path: str) -> list[str]:
    parser = FormFields()
    parser.feed(client.get(path).content.decode())
    return sorted({field for fields in parser.forms.values() for field in fields})


def test_every_portal_url_is_fuzzed():
    """A new URL under /track/ must be added here (else no one fuzzes it)."""
    assert {r.name for r in all_routes() if r.path.startswith("/track/")} == PORTAL_ROUTES


def test_the_tokens_in_the_fuzzed_paths_open_the_worlds_order(world):
    token = _portal_paths(world)["orders:portal-order"].split("/")[2]
    assert read_token(token).order_id == world["order"].pk


@NO_LIMITS
@pytest.mark.parametrize("name", sorted(PORTAL_ROUTES))
def test_hostile_portal_input_is_answered_cleanly(name, world):
    client = Client(raise_request_exception=False)
    path = _portal_paths(world)[name]
    failures: list[str] = []

    def check(response, where: str) -> None:
        if response.status_code >= 500:
            failures.append(f"{where} -> {response.status_code}")
        elif response.status_code in (301, 302) and "/accounts/login/" in response.get("Location", ""):
            failures.append(f"{where} -> sends a customer to the staff login")
        elif INJECTED in response.content:
            failures.append(f"{where} -> the page shows the posted <script> unescaped")

    # The fields of the lookup page's, the order page's and the withdrawal page's forms, tried on every portal URL.
    pages = ("orders:portal-order", "returns:portal-withdraw")
    fields = sorted(set(_fields(client, "/track/")).union(*(_fields(client, _portal_paths(world)[p]) for p in pages)))
    assert {"number", "secret", "case-message", "name", "items"} <= set(fields), f"the portal forms changed: {fields}"
    for payload, value in HOSTILE.items():
        check(client.get(path, {field: value for field in fields}), f"GET {path} all fields={payload}")
        check(client.post(path, {field: value for field in fields}), f"POST {path} all fields={payload}")
    for field in fields:
        for payload in ("long", "nul", "html", "list", "unicode"):
            check(client.post(path, {field: HOSTILE[payload]}), f"POST {path} {field}={payload}")
    # Tampered tokens on this URL: one character changed, cut short, garbage.
    if path != "/track/":
        token = path.split("/")[2]
        for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), token[: len(token) // 2], "x" * 300):
            tampered = path.replace(token, bad)
            for response in (client.get(tampered), client.post(tampered, {"message": "hello"})):
                check(response, f"{tampered}")
                if response.status_code not in (404, 405, 410):
                    failures.append(f"{tampered} -> {response.status_code} (a tampered link opened something)")
    assert failures == []
