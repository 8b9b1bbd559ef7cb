"""Hostile input on every staff page: never a server error, and a refused change changes nothing.

Every staff URL that takes POST is posted, as a plain form and as htmx, by a user with the role
the URL requires, with the fields its form declares (read from the page that shows the form) set
to hostile values: empty, 10,000 characters, NUL bytes (PostgreSQL refuses them in text), signs
and sizes numbers do not take, impossible dates, injection strings, repeated keys, unknown choices
and ids of nothing. Each value goes into all fields at once and into one field at a time while
the others hold plausible values (so the deeper checks, services included, are reached too).

The rule checked: the answer is below 500; when the answer refuses the input (4xx) nothing was
written (counts of orders, lines, events, allocations, movements, cases, messages, POs; stock
sums; order states and addresses); whatever was accepted keeps the stock ledger balanced with
reserved <= on hand; no page shows a posted <script> unescaped. Every staff page that answers GET
is also read with hostile query strings.
"""

from __future__ import annotations

import functools
import html.parser
import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from oms.roles import Role
from tests.inventory.conftest import assert_ledger_balances
from tests.logins import login_as, verified_login
from tests.security.test_permission_matrix import REAL_PARAMS
from tests.security.urlmap import Route, staff_routes

pytestmark = pytest.mark.django_db

STAFF = {r.name: r for r in staff_routes()}
HTMX = {"HTTP_HX_REQUEST": "true"}
MISSING_ID = "987654321"

# The URLs that take POST, and the page whose form posts to them (its fields are the ones fuzzed).
POST_ROUTES: dict[str, str] = {
    "inventory:stock-adjust": "inventory:product-stock",
    "inventory:stock-transfer": "inventory:product-stock",
    "inventory:stock-count": "inventory:product-stock",
    "inventory:receiving-receive": "inventory:receiving",
    "inventory:receiving-receive-all": "inventory:receiving",
    "inventory:csv-exchange": "inventory:csv-exchange",
    "inventory:replenishment-detail": "inventory:replenishment-detail",
    "orders:support-phone-order": "orders:support-phone-order",
    "orders:support-phone-preview": "orders:support-phone-order",
    "orders:support-order-import": "orders:support-order-import",
    "orders:support-order-hold": "orders:support-order-detail",
    "orders:support-order-unhold": "orders:support-order-detail",
    "orders:support-order-cancel": "orders:support-order-detail",
    "orders:support-order-cancel-lines": "orders:support-order-detail",
    "orders:support-order-edit-address": "orders:support-order-detail",
    "orders:support-order-edit-lines": "orders:support-order-detail",
    "orders:support-order-note": "orders:support-order-detail",
    "orders:support-case-create": "orders:support-order-detail",
    "orders:support-case-reply": "orders:support-case-detail",
    "orders:support-case-transition": "orders:support-case-detail",
    "support-mail-resend": "support-mail-detail",
    "orders:support-order-bulk": "orders:support-order-list",
    "orders:support-order-view-save": "orders:support-order-list",
    "orders:support-order-view-delete": "orders:support-order-list",
    "fulfillment:support-tracking-upload": "fulfillment:support-tracking",
    # The form is in the delivery panel of the shipment's order page; its fields are in EXTRA_FIELDS.
    "fulfillment:support-tracking-entry": "fulfillment:support-tracking",
    "fulfillment:warehouse-manifest-close": "fulfillment:warehouse-manifests",
    "inventory:stock-bulk": "inventory:stock-list",
    "inventory:stock-view-save": "inventory:stock-list",
    "inventory:stock-view-delete": "inventory:stock-list",
    "orders:support-case-view-save": "orders:support-case-list",
    "orders:support-case-view-delete": "orders:support-case-list",
    "billing:support-order-payment-record": "orders:support-order-detail",
    "billing:support-order-refund": "orders:support-order-detail",
    "fulfillment:warehouse-wave-build": "fulfillment:warehouse-waves",
    "fulfillment:warehouse-order-pick-list": "fulfillment:warehouse-waves",
    "fulfillment:warehouse-pick-list-assign": "fulfillment:warehouse-waves",
    "fulfillment:warehouse-pick-scan": "fulfillment:warehouse-pick",
    "fulfillment:warehouse-pick-short": "fulfillment:warehouse-pick",
    "inventory:purchase-order-new": "inventory:purchase-order-new",
    "inventory:purchase-order-edit": "inventory:purchase-order-edit",
    "inventory:purchase-order-send": "inventory:purchase-order-detail",
    "inventory:purchase-order-cancel": "inventory:purchase-order-detail",
    "inventory:purchase-order-receive": "inventory:purchase-order-detail",
    "inventory:purchase-order-view-save": "inventory:purchase-order-list",
    "inventory:purchase-order-view-delete": "inventory:purchase-order-list",
    "inventory:replenishment-order": "inventory:replenishment-list",
    "fulfillment:warehouse-pack-scan": "fulfillment:warehouse-pack-shipment",
    "fulfillment:warehouse-pack-close": "fulfillment:warehouse-pack-shipment",
    "fulfillment:warehouse-ship-confirm": "fulfillment:warehouse-ship",
    "billing:support-bank-import": "billing:support-bank",
    "billing:support-bank-line-assign": "billing:support-bank",
    "billing:support-bank-line-ignore": "billing:support-bank",
    "billing:support-receivables-view-save": "billing:support-receivables",
    "billing:support-receivables-view-delete": "billing:support-receivables",
    "returns:support-return-create": "returns:support-return-create",
    "returns:support-return-approve": "returns:support-return-detail",
    "returns:support-return-reject": "returns:support-return-detail",
    "returns:support-return-cancel": "returns:support-return-detail",
    "returns:support-return-exchange": "returns:support-return-detail",
    "returns:support-return-view-save": "returns:support-return-list",
    "returns:support-return-view-delete": "returns:support-return-list",
    "returns:warehouse-return-scan": "returns:warehouse-return",
    "returns:support-claim-create": "returns:support-claim-create",
    "returns:support-claim-resolve": "returns:support-claim-detail",
    "returns:support-claim-carrier": "returns:support-claim-detail",
    "returns:warehouse-return-finish": "returns:warehouse-return",
    # The scrap form appears once a unit was booked damaged; its fields are in EXTRA_FIELDS.
    "returns:warehouse-return-scrap": "returns:warehouse-return",
    "reporting:order-view-save": "reporting:order-list",
    "reporting:order-view-delete": "reporting:order-list",
    "billing:support-receivables-bulk": "billing:support-receivables",
    "billing:support-invoice-dunning-pause": "billing:support-invoice-dunning",
    "billing:support-invoice-credit": "billing:support-invoice-credit",
    "billing:support-invoice-dunning-resume": "billing:support-invoice-dunning",
    # The world's customer has an open order: the page shows why the erasure is refused, and the
    # confirmation's field is in EXTRA_FIELDS.
    "orders:support-customer-erase": "orders:support-customer-erase",
}
# Forms that are one button and nothing else (a transition verb in the URL, sending a mail again).
# Deleting a saved view is one button too, shown only to the view's owner (not the fuzzing user).
FIELDLESS_FORMS = {
    "orders:support-case-transition",
    "support-mail-resend",
    "orders:support-order-view-delete",
    "inventory:stock-view-delete",
    "orders:support-case-view-delete",
    "inventory:purchase-order-view-delete",
    "billing:support-receivables-view-delete",
    "returns:support-return-view-delete",
    "reporting:order-view-delete",
    # Resuming an invoice's dunning is one button, shown while it is paused.
    "billing:support-invoice-dunning-resume",
    # Sending and cancelling a purchase order are one button each.
    "inventory:purchase-order-send",
    "inventory:purchase-order-cancel",
    # Finishing a return parcel is one button.
    "returns:warehouse-return-finish",
}
# Fields a form posts that its page does not render in the state the fixture leaves it in:
# the phone order's line lists appear once a product is added; unhold's form once an order is held.
PHONE_LINES = {"sku": ("hidden", "{sku}"), "quantity": ("number", "1"), "add_sku": ("hidden", "{sku}")}
EXTRA_FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    "orders:support-phone-order": {**PHONE_LINES, "remove_sku": ("button", "")},
    "orders:support-phone-preview": {**PHONE_LINES, "remove_sku": ("button", "")},
    "orders:support-order-unhold": {"unhold-reason": ("text", "Geklärt")},
    "fulfillment:support-tracking-entry": {
        "state": ("select", "in_transit"),
        "occurred_at": ("datetime-local", "2026-01-15T10:00"),
        "reason": ("select", ""),
        "location": ("text", "Berlin"),
        "description": ("text", "Fuzz"),
    },
    "orders:support-customer-erase": {"confirm": ("checkbox", "on")},
    "returns:warehouse-return-scrap": {
        "line": ("hidden", "1"),
        "quantity": ("number", "1"),
        "reason": ("text", "Kaputt"),
    },
}


def _on_hold(world: dict[str, Any]) -> None:
    from orders.models import Order, OrderState
    from orders.services.lifecycle import hold_order

    if Order.objects.get(pk=world["order"].pk).state != OrderState.ON_HOLD:
        hold_order(order=world["order"], reason="Adresse prüfen")


# What a URL's form needs before each post to be reachable at all (unhold only applies to a held order).
PREPARE: dict[str, Callable[[dict[str, Any]], None]] = {"orders:support-order-unhold": _on_hold}
# Query parameters the staff lists and pages read.
QUERY_PARAMS = [
    "q",
    "state",
    "channel",
    "page",
    "after",
    "before",
    "cursor",
    "warehouse",
    "kind",
    "date_from",
    "date_to",
    "low",
    "out",
    "po",
    "product_q",
    "customer_q",
    "sort",
    "placed_from",
    "placed_to",
    "updated_from",
    "updated_to",
    "expected_from",
    "expected_to",
    "created_from",
    "created_to",
    "supplier",
    "reason",
]
# The partials a page renders for htmx, chosen by HX-Target.
HX_TARGETS = [
    "stock-table",
    "stock-ledger",
    "stock-levels",
    "receiving-work",
    "purchase-order-table",
    "order-table",
    "case-table",
    "wave-work",
    "pick-work",
    "pack-work",
    "ship-work",
    "receivables-table",
    "return-table",
    "receive-work",
]

HOSTILE: dict[str, str | list[str]] = {
    "empty": "",
    "long": "x" * 10_000,
    "nul": "A\x00B",
    "only-nul": "\x00",
    "negative": "-5",
    "zero": "0",
    "huge": str(10**30),
    "huge-negative": str(-(10**30)),
    "non-numeric": "zwölf",
    "many-decimals": "1.00000000000000000001",
    "nan": "NaN",
    "infinity": "Infinity",
    "exponent": "1e400",
    "unicode": "📦 שלום \u202eevil\u202c 漢字",
    "bad-date": "2026-02-30",
    "sql": "' OR 1=1; DROP TABLE orders_order; --",
    "html": '"><script>alert(1)</script><img src=x onerror=alert(2)>',
    "unknown-choice": "zz-no-such-choice",
    "missing-id": MISSING_ID,
    "whitespace": " \t\r\n ",
    "list": ["1", "2"],
}
INJECTED = b"<script>alert(1)</script>"


# --- the world the pages are about ------------------------------------------------------------


@pytest.fixture
def world(django_user_model):
    from tests.conftest import make_user
    from tests.security.world import build_world

    admin = make_user(django_user_model, "fuzz-admin", Role.ADMIN, is_staff=True)
    return {"admin": admin, **build_world(user=admin, skus={"FUZZ-1": 10, "FUZZ-2": 3})}


def _path(name: str, world: dict[str, Any]) -> str:
    """The URL on the world's real object; pages not checked on one (NO_REAL_OBJECT) at their sample path."""
    if name in REAL_PARAMS:
        return reverse(name, kwargs=REAL_PARAMS[name](world))
    return STAFF[name].path if STAFF[name].has_params else reverse(name)


def _client(*names: str) -> Client:
    """Signed in as a user holding exactly the roles the URLs ``names`` require."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    roles = sorted({role for name in names for role in STAFF[name].required_roles})
    user, created = get_user_model().objects.get_or_create(username="fuzz-" + "-".join(roles))
    if created:
        user.groups.set(Group.objects.filter(name__in=roles))
    # A server error becomes a 500 answer, so the failure names the URL and payload (the traceback
    # is in the captured log).
    client = Client(raise_request_exception=False)
    if any(STAFF[name].second_factor_required for name in names):
        verified_login(client, user)  # the GDPR pages need it whatever the role
    else:
        login_as(client, user)
    return client


def snapshot() -> dict[str, Any]:
    """What a refused request must leave as it was."""
    from billing.models import CreditNote, DunningNotice, DunningPause, Invoice
    from fulfillment.models import Manifest, Shipment, TrackingEvent
    from inventory.models import PurchaseOrder, PurchaseOrderLine, ReplenishmentRule, StockLevel, StockMovement
    from oms.models import SavedView
    from orders.models import Allocation, CaseMessage, Note, Order, OrderEvent, OrderImport, OrderLine, SupportCase
    from returns.models import ReturnLine, ReturnRequest, ShipmentClaim

    levels = StockLevel.objects.aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    return {
        "saved_views": list(SavedView.objects.order_by("pk").values_list("pk", "name", "query")),
        "movements": StockMovement.objects.count(),
        "levels": levels,
        "orders": list(
            Order.objects.order_by("pk").values_list(
                "pk", "state", "total", "shipping_name", "shipping_street", "shipping_city", "shipping_country"
            )
        ),
        "lines": list(OrderLine.objects.order_by("pk").values_list("pk", "quantity")),
        "events": OrderEvent.objects.count(),
        "notes": Note.objects.count(),
        "allocations": list(Allocation.objects.order_by("pk").values_list("pk", "quantity")),
        "purchase_orders": list(PurchaseOrder.objects.order_by("pk").values_list("pk", "state")),
        "received": PurchaseOrderLine.objects.aggregate(Sum("quantity_received")),
        "rules": list(ReplenishmentRule.objects.order_by("pk").values_list("pk", "reorder_point", "target_level")),
        "cases": list(SupportCase.objects.order_by("pk").values_list("pk", "state")),
        "case_messages": CaseMessage.objects.count(),
        "imports": OrderImport.objects.count(),
        "shipments": list(Shipment.objects.order_by("pk").values_list("pk", "state", "manifest_id")),
        "tracking_events": TrackingEvent.objects.count(),
        "manifests": Manifest.objects.count(),
        "returns": list(ReturnRequest.objects.order_by("pk").values_list("pk", "state", "decision_reason")),
        "return_lines": list(ReturnLine.objects.order_by("pk").values_list("pk", "quantity")),
        "claims": list(
            ShipmentClaim.objects.order_by("pk").values_list("pk", "resolution", "carrier_state", "carrier_reference")
        ),
        "dunning_pauses": list(DunningPause.objects.order_by("pk").values_list("pk", "resumed_at")),
        "dunning_notices": DunningNotice.objects.count(),
        "credit_notes": CreditNote.objects.count(),
        "invoices": list(Invoice.objects.order_by("pk").values_list("pk", "amount_credited", "amount_due", "state")),
    }


# --- the fields of a form, read from the page that shows it ----------------------------------


class FormFields(html.parser.HTMLParser):
    """{form action: {field name: (kind, first plausible value, choice values)}} of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[tuple[str, str], dict[str, tuple[str, str, list[str]]]] = {}
        self.limits: dict[str, dict[str, str]] = {}  # field name: its maxlength / min / max
        self._action: tuple[str, str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._action = ((a.get("method") or "get").lower(), a.get("action") or a.get("hx-post") or "")
            self.forms.setdefault(self._action, {})
            return
        if self._action is None:
            return
        fields = self.forms[self._action]
        name = a.get("name")
        if name and any(a.get(limit) for limit in ("maxlength", "min", "max")):
            self.limits[name] = {limit: a[limit] for limit in ("maxlength", "min", "max") if a.get(limit)}
        if tag == "input" and name and name != "csrfmiddlewaretoken" and a.get("type") != "submit":
            kind = a.get("type") or "text"
            value = "on" if kind == "checkbox" else a.get("value", "")
            fields.setdefault(name, (kind, value, []))
        elif tag == "button" and name:
            fields.setdefault(name, ("button", a.get("value", ""), []))[2].append(a.get("value", ""))
        elif tag == "textarea" and name:
            fields.setdefault(name, ("textarea", "", []))
            self._textarea = name
        elif tag == "select" and name:
            fields.setdefault(name, ("select", "", []))
            self._select = name
        elif tag == "option" and self._select:
            self.forms[self._action][self._select][2].append(a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._textarea and self._action is not None:
            kind, _value, choices = self.forms[self._action][self._textarea]
            self.forms[self._action][self._textarea] = (kind, data, choices)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._action = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


PLAUSIBLE_BY_KIND = {"number": "1", "email": "fuzz@example.com", "date": "2026-01-15", "file": ""}
PLAUSIBLE_BY_NAME = {
    "country": "DE",
    "bin": "",
    "from_bin": "",
    "to_bin": "A-01-01",
    "code": "{sku}",
    "add_sku": "{sku}",
}


def form_fields(
    client: Client, name: str, world: dict[str, Any]
) -> tuple[dict[str, tuple[str, str, list[str]]], dict[str, dict[str, str]]]:
    source = POST_ROUTES[name]
    source_path = _path(source, world)
    query = {"po": world["purchase_order"].number} if source == "inventory:receiving" else {}
    page = client.get(source_path, query)
    assert page.status_code == 200, f"{source_path} answered {page.status_code}"
    parser = FormFields()
    parser.feed(page.content.decode())
    target = _path(name, world)
    fields = dict(parser.forms.get(("post", target), {}))
    sku = world["product"].sku
    for field, (kind, value) in EXTRA_FIELDS.get(name, {}).items():
        fields.setdefault(field, (kind, value.format(sku=sku), []))
    return fields, parser.limits


def plausible(fields: dict[str, tuple[str, str, list[str]]], *, sku: str) -> dict[str, Any]:
    """Values a person might well submit: what the page shows, a first choice, small numbers."""
    data: dict[str, Any] = {}
    for name, (kind, value, choices) in fields.items():
        if kind == "checkbox":
            continue  # unticked
        if kind == "button":
            data[name] = choices[0] if choices else value
        elif kind == "select":
            data[name] = value or next((c for c in choices if c), "")
        elif value.strip():
            data[name] = value
        else:
            short = name.rsplit("-", 1)[-1]
            data[name] = PLAUSIBLE_BY_NAME.get(short, PLAUSIBLE_BY_KIND.get(kind, "Fuzz")).format(sku=sku)
    return data


def _file_columns() -> list[str]:
    """Every column the CSV imports read, so the hostile cells reach the row checks."""
    from inventory.services.imports import PRODUCT_COLUMNS, STOCK_COLUMNS
    from orders.services.imports import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

    return list(dict.fromkeys([*PRODUCT_COLUMNS, *STOCK_COLUMNS, *REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]))


FILE_COLUMNS = _file_columns()


def with_files(data: dict[str, Any], fields: dict[str, tuple[str, str, list[str]]], content: str) -> dict[str, Any]:
    """File fields get an upload whose cells hold the hostile value."""
    for name, (kind, _value, _choices) in fields.items():
        if kind == "file":
            cell = content if isinstance(content, str) else ",".join(content)
            body = ",".join(FILE_COLUMNS) + "\n" + ",".join([cell] * len(FILE_COLUMNS)) + "\n"
            data[name] = SimpleUploadedFile("fuzz.csv", body.encode("utf-8", "surrogatepass"), "text/csv")
    return data


def post_and_check(
    client: Client,
    path: str,
    data: dict[str, Any],
    label: str,
    failures: list[str],
    *,
    htmx: bool | None = None,
    prepare: Callable[[], None] = lambda: None,
) -> None:
    """POST ``data`` (as a plain form post and as htmx, or only the one ``htmx`` says) and check."""
    for headers in ({}, HTMX) if htmx is None else (HTMX if htmx else {},):
        prepare()
        for upload in data.values():
            if hasattr(upload, "seek"):
                upload.seek(0)
        before = snapshot()
        response = client.post(path, data, **headers)
        where = f"{'htmx ' if headers else ''}POST {path} [{label}]"
        if response.status_code >= 500:
            failures.append(f"{where} -> {response.status_code}")
            continue
        if response.status_code == 403 or (
            response.status_code == 302 and reverse(settings.LOGIN_URL) in response["Location"]
        ):
            failures.append(f"{where} -> {response.status_code}: refused a user with the role")
            continue
        if INJECTED in getattr(response, "content", b""):
            failures.append(f"{where} -> the page shows the posted <script> unescaped")
        if response.status_code >= 400:
            if snapshot() != before:
                failures.append(f"{where} -> {response.status_code} but data changed")
            continue
        try:
            assert_ledger_balances()
        except AssertionError as exc:
            failures.append(f"{where} -> invariant broken: {exc}")


# --- tests ---------------------------------------------------------------------------------------
# One test per URL (the setup of the world costs more than a request); every failure is listed
# with the URL, the field and the payload.

BOTH_WAYS = {"nul", "long", "huge", "list"}
# In one field at a time, the values that matter for the field's kind (the rest are tried in
# every field at once above; this keeps the run short).
TEXT = ["long", "nul", "list", "at-max-length"]
NUMBER = ["negative", "zero", "huge", "non-numeric", "many-decimals", "exponent", "list", "at-max", "at-min"]
# Values at a field's own limits (as the page declares them): accepted by the form, they must fit
# every column the service writes them to (a reason of 255 characters inside a longer event text).
LIMITS = {"at-max-length": "maxlength", "at-max": "max", "at-min": "min"}


def at_limit(payload: str, limits: dict[str, str]) -> Any:
    if payload == "at-max-length":
        return "ä" * int(limits["maxlength"])  # two bytes each in UTF-8
    if payload in ("at-max", "at-min"):
        return limits[LIMITS[payload]]
    return HOSTILE[payload]


CHOICE = ["unknown-choice", "missing-id", "nul", "list"]
PAYLOADS_BY_KIND = {
    "number": NUMBER,
    "select": CHOICE,
    "checkbox": CHOICE,
    "radio": CHOICE,
    "button": CHOICE,
    "date": ["bad-date", "huge", "nul", "list"],
    "file": ["empty", "long", "nul", "unicode", "huge", "negative", "non-numeric", "bad-date", "list"],
}
# What a query string may carry on any page, besides the page's own filter fields.
CURSORS = ["after", "before", "page"]
QUERY_PAYLOADS = ["long", "nul", "huge", "non-numeric", "bad-date", "list"]


def test_every_staff_url_that_takes_post_is_fuzzed(world):
    """A new staff URL that takes POST must be added to POST_ROUTES (else no one fuzzes it)."""
    client = _client(*STAFF)
    taking_post = []
    for name, route in STAFF.items():
        path = _path(name, world) if route.has_params else route.path
        response = client.post(path, {"zz": "probe"})
        if response.status_code != 405:
            taking_post.append(name)
    assert sorted(taking_post) == sorted(POST_ROUTES)


@pytest.mark.parametrize("name", sorted(POST_ROUTES))
def test_hostile_form_input_is_refused_cleanly(name, world):
    client = _client(name, POST_ROUTES[name])
    fields, limits = form_fields(client, name, world)
    # A renamed form would leave this test posting nothing but the empty body.
    assert fields or name in FIELDLESS_FORMS, f"no form on the page posts to {name}"
    path = _path(name, world)
    failures: list[str] = []
    prepare = PREPARE.get(name, lambda _world: None)
    check = functools.partial(post_and_check, client, path, failures=failures, prepare=lambda: prepare(world))
    check({}, "empty body")
    # Each value in every field at once, as a plain form post or as htmx by turns (both for the
    # values the database itself refuses).
    for i, (payload, value) in enumerate(HOSTILE.items()):
        everywhere = {field: value for field, (kind, _v, _c) in fields.items() if kind != "file"}
        htmx = None if payload in BOTH_WAYS else i % 2 == 1
        data = with_files(everywhere, fields, value)
        check(data, f"all fields={payload}", htmx=htmx)
    # The values that matter for a field's kind in that field, the others plausible.
    base = plausible(fields, sku=world["product"].sku)
    for i, (field, (kind, _v, _c)) in enumerate(fields.items()):
        for j, payload in enumerate(PAYLOADS_BY_KIND.get(kind, TEXT)):
            if payload in LIMITS and LIMITS[payload] not in limits.get(field, {}):
                continue
            data = dict(base)
            if kind == "file":
                data = with_files(data, {field: fields[field]}, HOSTILE[payload])
            else:
                data = with_files(data, fields, world["product"].sku)
                data[field] = at_limit(payload, limits.get(field, {}))
            htmx = (i + j) % 2 == 1  # plain and htmx posts by turns
            check(data, f"{field}={payload}", htmx=htmx)
    # The plausible values alone, which the app may well accept, and with every field at its limit.
    check(with_files(base, fields, world["product"].sku), "plausible")
    longest = {f: at_limit("at-max-length", limits[f]) for f in fields if "maxlength" in limits.get(f, {})}
    data = with_files({**base, **longest}, fields, world["product"].sku)
    check(data, "every field at its maxlength")
    assert failures == []


def _query_fields(client: Client, path: str) -> tuple[list[str], list[str]]:
    """The names the page's GET forms (its filters) send, and the parts htmx may ask for alone."""
    parser = FormFields()
    response = client.get(path)
    page = ""
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        page = response.content.decode()
        parser.feed(page)
    fields = sorted({field for (method, _a), fields in parser.forms.items() if method == "get" for field in fields})
    return fields, ["", *(target for target in HX_TARGETS if f'id="{target}"' in page)]


@pytest.mark.parametrize("name", sorted(n for n in STAFF if POST_ROUTES.get(n, n) == n))
def test_hostile_query_strings_are_answered_without_error(name, world):
    client = _client(*STAFF)
    route: Route = STAFF[name]
    path = _path(name, world) if route.has_params else route.path
    own, targets = _query_fields(client, path)
    failures: list[str] = []

    def get(query: dict[str, Any], label: str, headers: dict[str, str]) -> None:
        response = client.get(path, query, **headers)
        htmx = f"htmx {headers.get('HTTP_HX_TARGET', '')} " if headers else ""
        if response.status_code >= 500:
            failures.append(f"{htmx}GET {path} [{label}] -> {response.status_code}")
        elif INJECTED in getattr(response, "content", b""):
            failures.append(f"{htmx}GET {path} [{label}] -> the page shows the <script> unescaped")

    for i, (payload, value) in enumerate(HOSTILE.items()):
        everything = {param: value for param in {*QUERY_PARAMS, *own}}
        # By turns a plain request and htmx asking for each part of the page.
        headers = {**HTMX, "HTTP_HX_TARGET": targets[(i // 2) % len(targets)]} if i % 2 else {}
        get(everything, f"all parameters={payload}", headers)
    for i, param in enumerate([*own, *CURSORS]):
        for j, payload in enumerate(QUERY_PAYLOADS):
            get({param: HOSTILE[payload]}, f"{param}={payload}", HTMX if (i + j) % 2 else {})
    assert failures == []


# --- the order import, run to the end --------------------------------------------------------------
# The upload answers at once and the import runs after commit (a Celery task; eager in tests), so
# the form fuzz above only reaches the upload. Here each cell of an otherwise good row is hostile in
# turn and the import runs: it must finish, refused with row errors (and no order) or done.

GOOD_IMPORT_ROW = {
    "external_id": "FUZZ-IMPORT",
    "customer_email": "erika@example.com",
    "customer_name": "Erika Mustermann",
    "ship_name": "Erika Mustermann",
    "ship_street": "Hauptstraße 1",
    "ship_postcode": "10115",
    "ship_city": "Berlin",
    "ship_country": "DE",
    "sku": "FUZZ-1",
    "quantity": "1",
    "unit_price": "19.99",
    "currency": "EUR",
}
IMPORT_PAYLOADS = ["nul", "long", "huge", "negative", "non-numeric", "exponent", "unicode", "list"]


def test_hostile_cells_in_an_order_import_are_reported(world, django_capture_on_commit_callbacks, caplog):
    from orders.models import Order, OrderImport, OrderImportStatus
    from orders.services.imports import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

    name = "orders:support-order-import"
    client = _client(name)
    columns = [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]
    failures: list[str] = []
    for column in columns:
        for i, payload in enumerate(IMPORT_PAYLOADS):
            value = HOSTILE[payload]
            row = {**GOOD_IMPORT_ROW, "external_id": f"FUZZ-{len(failures)}-{column}-{payload}"[:40], column: value}
            cells = [str(row.get(c, "") if not isinstance(row.get(c), list) else ",".join(row[c])) for c in columns]
            body = ",".join(columns) + "\n" + ",".join('"' + c.replace('"', '""') + '"' for c in cells) + "\n"
            upload = SimpleUploadedFile("orders.csv", body.encode(), "text/csv")
            orders = Order.objects.count()
            caplog.clear()
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(
                    _path(name, world), {"channel": "web", "file": upload}, **(HTMX if i % 2 else {})
                )
            where = f"import with {column}={payload}"
            if response.status_code >= 500:
                failures.append(f"{where} -> {response.status_code}")
                continue
            order_import = OrderImport.objects.latest("pk")
            if order_import.status not in (OrderImportStatus.DONE, OrderImportStatus.FAILED):
                failures.append(f"{where} -> import left {order_import.status}")
            elif any(record.levelno >= logging.ERROR for record in caplog.records):
                failures.append(f"{where} -> the import stopped on an unexpected error: {caplog.text[-300:]}")
            elif order_import.status == OrderImportStatus.FAILED and Order.objects.count() != orders:
                failures.append(f"{where} -> refused, but orders were written")
    assert_ledger_balances()
    assert failures == []
