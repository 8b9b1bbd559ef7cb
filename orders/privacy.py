"""What ``orders`` holds about a customer, for the GDPR export and erasure (``oms.privacy``).

Registered from ``OrdersConfig.ready()``: the subject resolver (this app owns customers), and the
contributor for the customer row, orders with their addresses, lines, timeline, notes, cases and
their messages, ratings, payments, stored idempotency responses, uploaded order imports and the
stock ledger's reasons and shop sync logs that name the person, and the retention rules of idempotency keys and
payment payloads. Orders stay (reports count them); their personal
fields are pseudonymised.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.admin.models import LogEntry
from django.db.models import Q
from django.utils.translation import ngettext

from inventory.models import StockMovement
from oms import privacy, retention
from oms.privacy import ERASED, Erasure, Subject
from orders.models import (
    CaseMessage,
    Customer,
    IdempotencyKey,
    Note,
    Order,
    OrderEvent,
    OrderImport,
    OrderRating,
    PaymentTransaction,
    ShopConnection,
    ShopOrderFailure,
    ShopSyncRun,
    SupportCase,
)
from orders.models.order import OPEN_STATES

# The order's fields that hold personal data, blanked (or pseudonymised) on erasure.
ADDRESS_FIELDS = ("name", "company", "street", "line2", "postcode", "city", "phone")
ORDER_PERSONAL_FIELDS = tuple(f"{side}_{part}" for side in ("billing", "shipping") for part in ADDRESS_FIELDS)
# Kept on an erased order: the country (reports count orders per country).


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _address(order: Order, side: str) -> dict[str, str]:
    return {part: getattr(order, f"{side}_{part}") for part in (*ADDRESS_FIELDS, "country")}


def resolve_subject(customer_id: int, *, lock: bool = False) -> Subject | None:
    """The customer, their orders and every string that identifies them. ``lock`` (inside a
    transaction): the customer's orders and the customer are locked first (see ``_lock``)."""
    if lock:
        _lock(customer_id)
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return None
    orders = list(
        Order.objects.filter(customer_id=customer_id)
        .order_by("pk")
        .values("pk", "number", "email", *ORDER_PERSONAL_FIELDS)
    )
    emails = {customer.email.lower()} | {o["email"].lower() for o in orders if o["email"]}
    identifiers = set(emails) | {customer.name, customer.phone, customer.company, customer.vat_id}
    names = {customer.name}
    for o in orders:
        for side in ("billing", "shipping"):
            identifiers |= {o[f"{side}_{part}"] for part in ("name", "company", "street", "line2", "phone")}
            names.add(o[f"{side}_name"])
    identifiers = {t for t in identifiers if t and t != ERASED}
    # "Erika Mustermann" is also written "Mustermann, Erika" or "Frau Mustermann".
    words = {w.strip(",.") for name in names for w in name.split()} - {ERASED}
    return Subject(
        customer_id=customer_id,
        emails=emails,
        identifiers=identifiers,
        terms=identifiers | {w for w in words if w},
        order_ids=[o["pk"] for o in orders],
        order_numbers=[o["number"] for o in orders],
    )


def _lock(customer_id: int) -> None:
    """Lock the customer's orders (by primary key), then the customer: the order in which the
    services that add to a customer take them (a claim's re-shipment or an exchange locks its
    order, then intake locks the customer with ``INSERT ... ON CONFLICT``), so an erasure and
    such a service wait for each other instead of deadlocking. Orders placed while we waited for
    the customer are locked after it (they are newer: still in key order); from then on intake
    waits for the erasure to commit."""
    locked = list(
        Order.objects.select_for_update().filter(customer_id=customer_id).order_by("pk").values_list("pk", flat=True)
    )
    list(Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk", flat=True))
    list(
        Order.objects.select_for_update()
        .filter(customer_id=customer_id, pk__gt=max(locked, default=0))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- export ---------------------------------------------------------------------------------------


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    customer = Customer.objects.get(pk=subject.customer_id)
    orders = Order.objects.filter(pk__in=subject.order_ids).prefetch_related("lines").order_by("placed_at", "pk")
    cases = (
        SupportCase.objects.filter(Q(customer_id=subject.customer_id) | Q(order_id__in=subject.order_ids))
        .select_related("order")
        .prefetch_related("messages")
        .order_by("created_at", "pk")
    )
    number = {pk: n for pk, n in zip(subject.order_ids, subject.order_numbers, strict=True)}
    return {
        "customer": [
            {
                "email": customer.email,
                "name": customer.name,
                "phone": customer.phone,
                "company": customer.company,
                "vat_id": customer.vat_id,
                "language": customer.language,
                "created_at": _iso(customer.created_at),
            }
        ],
        "orders": [
            {
                "number": order.number,
                "placed_at": _iso(order.placed_at),
                "state": order.state,
                "email": order.email,
                "billing_address": _address(order, "billing"),
                "shipping_address": _address(order, "shipping"),
                "lines": [
                    {"sku": line.sku, "name": line.name, "quantity": line.quantity, "unit_price": str(line.unit_price)}
                    for line in order.lines.all()
                ],
                "total": str(order.total),
                "currency": order.currency,
                "payment_method": order.payment_method,
                "customer_note": order.customer_note,
            }
            for order in orders
        ],
        "timeline": [
            {
                "order": number.get(e.order_id, ""),
                "at": _iso(e.created_at),
                "kind": e.kind,
                "message": e.message,
                "data": e.data,
            }
            for e in OrderEvent.objects.filter(order_id__in=subject.order_ids).order_by("created_at", "pk")
        ],
        "notes": [
            {"order": number.get(n.order_id, ""), "at": _iso(n.created_at), "text": n.text}
            for n in Note.objects.filter(order_id__in=subject.order_ids).order_by("created_at", "pk")
        ],
        "cases": [
            {
                "id": case.pk,
                "order": case.order.number if case.order else "",
                "subject": case.subject,
                "state": case.state,
                "created_at": _iso(case.created_at),
                "messages": [
                    {"at": _iso(m.created_at), "from_customer": m.from_customer, "body": m.body}
                    for m in case.messages.all()
                ],
            }
            for case in cases
        ],
        "ratings": [
            {"order": number.get(r.order_id, ""), "stars": r.stars, "comment": r.comment, "at": _iso(r.created_at)}
            for r in OrderRating.objects.filter(order_id__in=subject.order_ids)
        ],
        "payments": [
            {
                "order": number.get(p.order_id, ""),
                "kind": p.kind,
                "amount": str(p.amount),
                "currency": p.currency,
                "provider": p.provider,
                "at": _iso(getattr(p, "created_at", None)),
            }
            for p in PaymentTransaction.objects.filter(order_id__in=subject.order_ids).order_by("pk")
        ],
    }


# --- erasure --------------------------------------------------------------------------------------


def refusals(subject: Subject) -> list[str]:
    # Inside the erasure the customer and their orders are locked already (``_lock``).
    orders = Order.objects.filter(pk__in=subject.order_ids, state__in=OPEN_STATES).order_by("pk")
    open_orders = list(orders.values_list("number", flat=True))
    if not open_orders:
        return []
    return [
        ngettext(
            "Order %(numbers)s is still open.",
            "Orders %(numbers)s are still open.",
            len(open_orders),
        )
        % {"numbers": ", ".join(open_orders)}
    ]


def erase(subject: Subject, erasure: Erasure) -> None:
    _erase_orders(subject, erasure)
    _erase_timeline(subject, erasure)
    _erase_cases(subject, erasure)
    erasure.count(
        "ratings", OrderRating.objects.filter(order_id__in=subject.order_ids).exclude(comment="").update(comment="")
    )
    erasure.count(
        "payment payloads",
        privacy.scrub_rows(PaymentTransaction.objects.filter(order_id__in=subject.order_ids), ["data"], subject),
    )
    erasure.count(
        "idempotency responses",
        privacy.scrub_rows(
            IdempotencyKey.objects.filter(
                Q(order_id__in=subject.order_ids) | privacy.mentioning(subject, "response_body")
            ),
            ["response_body"],
            subject,
        ),
    )
    erasure.count(
        "stock movement reasons",
        privacy.scrub_rows(
            StockMovement.objects.filter(privacy.mentioning(subject, "reason", "reference")),
            ["reason", "reference"],
            subject,
            others=True,
        ),
    )
    erasure.count(
        "admin log entries",
        privacy.scrub_rows(
            LogEntry.objects.filter(privacy.mentioning(subject, "object_repr", "change_message")),
            ["object_repr", "change_message"],
            subject,
            others=True,
        ),
    )
    _erase_import_files(subject, erasure)
    for model, field in ((ShopSyncRun, "message"), (ShopOrderFailure, "error"), (ShopConnection, "last_error")):
        erasure.count(
            "shop sync logs",
            privacy.scrub_rows(model.objects.filter(privacy.mentioning(subject, field)), [field], subject, others=True),
        )
    customer = Customer.objects.get(pk=subject.customer_id)
    customer.email = erasure.email
    customer.name = ERASED
    customer.phone = customer.company = customer.vat_id = ""
    customer.save(update_fields=["email", "name", "phone", "company", "vat_id", "updated_at"])
    erasure.count("customer", 1)


def _erase_orders(subject: Subject, erasure: Erasure) -> None:
    pattern = privacy.terms_pattern(subject.terms)
    for order in Order.objects.filter(pk__in=subject.order_ids):
        erased_words = {w.lower() for t in subject.terms for w in t.split()}
        erased_words |= {order.billing_postcode.lower(), order.shipping_postcode.lower(), *subject.emails}
        for name in ORDER_PERSONAL_FIELDS:
            setattr(order, name, "")
        order.billing_name = order.shipping_name = ERASED
        order.email = erasure.email
        order.customer_note = ""
        order.hold_reason = privacy.scrub(order.hold_reason, pattern)
        order.cancel_reason = privacy.scrub(order.cancel_reason, pattern)
        order.routing = privacy.scrub(order.routing, pattern)
        # The search document keeps what finds the order without naming the person (number,
        # external id, SKUs, tracking, invoice and RMA numbers).
        order.search_text = " ".join(t for t in order.search_text.split() if t not in erased_words)
        Order.objects.filter(pk=order.pk).update(
            email=order.email,
            customer_note="",
            hold_reason=order.hold_reason,
            cancel_reason=order.cancel_reason,
            routing=order.routing,
            search_text=order.search_text,
            **{name: getattr(order, name) for name in ORDER_PERSONAL_FIELDS},
        )
        erasure.count("orders", 1)


def _erase_timeline(subject: Subject, erasure: Erasure) -> None:
    events = OrderEvent.objects.filter(order_id__in=subject.order_ids)
    erasure.count("timeline entries", privacy.scrub_rows(events, ["message", "data", "actor_label"], subject))
    erasure.count("notes", Note.objects.filter(order_id__in=subject.order_ids).exclude(text=ERASED).update(text=ERASED))


def _erase_cases(subject: Subject, erasure: Erasure) -> None:
    cases = SupportCase.objects.filter(Q(customer_id=subject.customer_id) | Q(order_id__in=subject.order_ids))
    case_messages = CaseMessage.objects.filter(case__in=cases)
    erasure.count("case messages", privacy.scrub_rows(case_messages, ["author_label"], subject))
    erasure.count("case messages", case_messages.exclude(body=ERASED).update(body=ERASED))
    erasure.count("cases", privacy.scrub_rows(cases, ["subject"], subject))


def _erase_import_files(subject: Subject, erasure: Erasure) -> None:
    """Uploaded CSV files keep their other rows; the person's values become ``[erased]``."""
    pattern = privacy.terms_pattern(subject.identifiers)
    if pattern is None:
        return
    for upload in OrderImport.objects.exclude(file=""):
        try:
            with upload.file.open("rb") as fh:
                raw = fh.read()
        except (FileNotFoundError, OSError):
            continue
        encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            encoding, text = "cp1252", raw.decode("cp1252", errors="replace")
        scrubbed = pattern.sub(ERASED, text)
        if scrubbed != text:
            privacy.replace_file_on_commit(upload.file.storage, upload.file.name, scrubbed.encode(encoding))
            erasure.count("order import files", 1)
        erasure.count(
            "order import errors",
            privacy.scrub_rows(OrderImport.objects.filter(pk=upload.pk), ["errors"], subject, others=True),
        )


# --- retention (oms.retention) --------------------------------------------------------------------


def _purge_idempotency_keys(before: datetime.datetime) -> int:
    return IdempotencyKey.objects.filter(created_at__lt=before).delete()[0]


def _purge_payment_payloads(before: datetime.datetime) -> int:
    """Payment records stay (amounts, kinds, references are the books); the provider's payload,
    with the payer's data, goes when the books' period ends."""
    return PaymentTransaction.objects.filter(created_at__lt=before).exclude(data={}).update(data={})


def register() -> None:
    privacy.register_subject_resolver(resolve_subject)
    privacy.register("orders", export=export, erase=erase, refusals=refusals, order=10)
    retention.register("idempotency_keys", purge=_purge_idempotency_keys)
    retention.register("payment_payloads", purge=_purge_payment_payloads, period="books")
