"""Order intake: the one service every channel ends in (REST API, Shopify/WooCommerce webhooks,
CSV import, phone orders by support). The drafts they build are in ``orders.services.drafts``.

``place_order`` validates the whole draft before writing anything (``validate_draft``: every
problem at once, keyed by field path), then writes in one transaction, in named steps
(``_create``): the priced lines, the order (customer, totals, number; confirmed at once when the
payment is captured or the method has payment terms), allocation decided on locked stock before
anything is written (``plan_allocation``), so the order and its lines are inserted once, already
allocated or backordered; the reservation (``carry_out``), what happened (timeline in one insert,
the capture through ``payments.record_payment``, events), the order confirmation mail
(``notifications``), and a hold for an order with doubts (an address the carrier will refuse, text
the channel's mapping had to clean; ``orders.services.doubts``): it is taken in all the same, with
the reasons on the timeline and a case in the support queue, as the channel has already taken it
from its customer. A repeated ``(channel, external_id)`` returns the
existing order and creates nothing (``IntakeResult.created`` is False), also when two
deliveries race (the unique constraint decides, the loser reads the winner's order; inside a
caller's transaction the caller runs again, as ``orders.api.idempotency.run_once`` does).

Hot path (benchmarked at hundreds of orders/s): a fixed number of statements whatever the number
of lines, no savepoint: the order, its lines and their allocations in one statement (``_insert``,
over ``oms.inserts``), the reservation with the day's demand in one, the timeline in one, the
confirmation mail with its outbox message in one; the order number from the process's block
(``orders.services.numbering``); with ``check_existing=False`` (the API with an Idempotency-Key)
no question about the external id before the insert
(``tests/orders/test_api_statements.py`` pins the count of an API order).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.models import Product
from oms import parsing
from oms.events import publish
from oms.inserts import insert_statement, mark_saved
from oms.money import SUPPORTED_CURRENCIES, quantize
from oms.parsing import MAX_AMOUNT, MAX_QUANTITY, ParseError
from oms.texts import Spec, text
from orders.exceptions import OrderValidationError
from orders.models import (
    Allocation,
    Channel,
    Customer,
    Order,
    OrderEvent,
    OrderLine,
    OrderState,
    PaymentMethod,
    PaymentState,
    PriceMode,
    TransactionKind,
)
from orders.services import timeline
from orders.services.allocation import announce, carry_out, plan_allocation
from orders.services.doubts import address_doubts, hold_for_review
from orders.services.drafts import (
    LANGUAGES,
    MAX_LINES,
    AddressDraft,
    CustomerDraft,
    Errors,
    LineDraft,
    OrderDraft,
    check_address,
    check_amount,
    check_text,
)
from orders.services.notifications import send_order_confirmation
from orders.services.numbering import next_order_number
from orders.services.payments import record_payment
from orders.services.timeline import Actor, build_search_text
from orders.services.totals import PricedLine, compute_totals, line_total


@dataclass(frozen=True)
class IntakeResult:
    """The order, whether this call created it, and (when it did) its lines as written."""

    order: Order
    created: bool
    lines: list[OrderLine] | None = None


@dataclass
class _Checked:
    """A validated draft: products by SKU and normalised values."""

    products: dict[str, Product]
    amounts: dict[str, Decimal] = field(default_factory=dict)
    draft: OrderDraft | None = None
    shop_vat: Mapping[Decimal, Decimal] | None = None  # the shop's VAT, when its rates fit the lines
    doubts: list[str] = field(default_factory=list)


def _check_customer(errors: Errors, customer: Any) -> CustomerDraft | None:
    """The customer with every field cleaned (``oms.parsing``), or None with the errors added."""
    if not isinstance(customer, CustomerDraft):
        errors.add("customer", _("This field is required."))
        return None
    before = len(errors)
    email = ""
    try:
        email = parsing.email(customer.email)
    except ParseError as exc:
        errors.add("customer.email", str(exc))
    language = customer.language or "de"
    if language not in LANGUAGES:
        errors.add("customer.language", _("Choose one of: %(list)s.") % {"list": ", ".join(sorted(LANGUAGES))})
    cleaned = CustomerDraft(
        email=email,
        name=check_text(errors, "customer.name", customer.name, required=True, max_length=200),
        phone=check_text(errors, "customer.phone", customer.phone, required=False, max_length=50),
        company=check_text(errors, "customer.company", customer.company, required=False, max_length=200),
        vat_id=check_text(errors, "customer.vat_id", customer.vat_id, required=False, max_length=30),
        language=language,
    )
    return cleaned if len(errors) == before else None


def _check_quantity(errors: Errors, key: str, value: Any) -> int | None:
    # Only whole numbers as such: a channel's "3" is a shape error its parser should have caught.
    if not parsing.is_whole_number(value):
        errors.add(key, _("The quantity must be a whole number."))
        return None
    try:
        return parsing.quantity(value, maximum=MAX_QUANTITY)
    except ParseError as exc:
        errors.add(key, str(exc))
        return None


def _check_placed_at(errors: Errors, value: Any) -> datetime.datetime | None:
    if value is None:
        return None
    try:
        return parsing.placed_at(value)
    except ParseError as exc:
        errors.add("placed_at", str(exc))
        return None


def validate_draft(*, channel: Channel, draft: OrderDraft) -> _Checked:
    """Check everything about ``draft``; raise ``OrderValidationError`` with every problem.

    Texts, e-mail, amounts, quantities and ``placed_at`` are parsed by ``oms.parsing`` (NFC, no
    control or bidi-override characters, bounded numbers and dates); ``_Checked.draft`` is the
    draft with those cleaned values, the one to write. One query (the products of the lines).
    Nothing is written.
    """
    errors = Errors()
    if not channel.active:
        errors.add("channel", _("The sales channel %(channel)s is inactive.") % {"channel": channel.code})
    customer = _check_customer(errors, draft.customer)
    billing_address = check_address(errors, "billing_address", draft.billing_address)
    shipping_address = None
    if draft.shipping_address is not None:
        shipping_address = check_address(errors, "shipping_address", draft.shipping_address)
    if draft.currency not in SUPPORTED_CURRENCIES:
        errors.add(
            "currency",
            _("The currency “%(value)s” is not supported; use one of %(list)s.")
            % {"value": parsing.search_text(draft.currency, max_length=10), "list": ", ".join(SUPPORTED_CURRENCIES)},
        )
    if draft.price_mode not in PriceMode.values:
        errors.add("price_mode", _("Choose “gross” or “net”."))
    if draft.payment_method not in PaymentMethod.values:
        errors.add(
            "payment_method",
            _("Unknown payment method “%(value)s”; use one of %(list)s.")
            % {
                "value": parsing.search_text(draft.payment_method, max_length=40),
                "list": ", ".join(PaymentMethod.values),
            },
        )
    external_id = check_text(
        errors, "external_id", draft.external_id, required=False, max_length=100, kind=parsing.IDENTIFIER
    )
    notes = check_text(errors, "notes", draft.notes, required=False, max_length=10_000, kind=parsing.MULTILINE)
    placed_at = _check_placed_at(errors, draft.placed_at)
    amounts = {
        "shipping_total": check_amount(errors, "shipping_total", draft.shipping_total),
        "discount_total": check_amount(errors, "discount_total", draft.discount_total),
        "tip_total": check_amount(errors, "tip_total", draft.tip_total),
        "gift_card_total": check_amount(errors, "gift_card_total", draft.gift_card_total),
    }
    doubts: list[str] = []
    shop_vat = None
    stated_total = check_amount(errors, "stated_total", draft.stated_total, allow_none=True)

    lines = list(draft.lines or [])
    if not lines:
        errors.add("lines", _("An order needs at least one line."))
    elif len(lines) > MAX_LINES:
        errors.add("lines", _("At most %(max)d lines per order.") % {"max": MAX_LINES})
        lines = []
    skus: list[str] = []
    for i, line in enumerate(lines):
        if isinstance(line, LineDraft):
            skus.append(
                check_text(errors, f"lines[{i}].sku", line.sku, required=True, max_length=64, kind=parsing.IDENTIFIER)
            )
        else:
            skus.append("")
            errors.add(f"lines[{i}]", _("Invalid line."))
    known = set(filter(None, skus))
    products = {p.sku: p for p in Product.objects.filter(sku__in=known).order_by()} if known else {}
    priced: list[PricedLine] = []
    cleaned_lines: list[LineDraft] = []
    for i, (line, sku) in enumerate(zip(lines, skus, strict=True)):
        key = f"lines[{i}]"
        if not isinstance(line, LineDraft):
            continue
        product = products.get(sku)
        if not sku:
            pass  # the error is already there
        elif product is None:
            errors.add(f"{key}.sku", _("Unknown SKU “%(sku)s”.") % {"sku": sku[:64]})
        elif not product.active:
            errors.add(f"{key}.sku", _("The product “%(sku)s” is no longer sold.") % {"sku": sku})
        quantity = _check_quantity(errors, f"{key}.quantity", line.quantity)
        unit_price = check_amount(errors, f"{key}.unit_price", line.unit_price)
        discount = check_amount(errors, f"{key}.discount", line.discount)
        if quantity is None or unit_price is None or discount is None:
            continue
        if discount > quantity * unit_price:
            errors.add(f"{key}.discount", _("The discount is larger than the line amount."))
            continue
        cleaned_lines.append(LineDraft(sku=sku, quantity=quantity, unit_price=unit_price, discount=discount))
        if product is not None:
            priced.append(
                PricedLine(line_total(quantity=quantity, unit_price=unit_price, discount=discount), product.vat_rate)
            )
    if not errors:
        shop_vat = _fitting_shop_vat(draft.shop_vat, {line.vat_rate for line in priced}, doubts)
        totals = compute_totals(lines=priced, price_mode=draft.price_mode, shop_vat=shop_vat, **amounts)
        if totals.total < 0:
            errors.add("discount_total", _("The discount is larger than the order amount."))
        elif totals.total > MAX_AMOUNT:
            errors.add("lines", _("The order total is too large."))
        elif stated_total is not None and stated_total != totals.total:
            message = _("The stated total %(stated)s does not match the total of the lines, %(computed)s.") % {
                "stated": stated_total,
                "computed": totals.total,
            }
            if draft.accepted_by_channel:
                doubts.append(message)
            else:
                errors.add("stated_total", message)
    if errors:
        raise OrderValidationError(dict(errors))
    cleaned = replace(
        draft,
        customer=customer,
        billing_address=billing_address,
        shipping_address=shipping_address,
        lines=cleaned_lines,
        external_id=external_id,
        notes=notes,
        placed_at=placed_at,
        shipping_total=amounts["shipping_total"],
        discount_total=amounts["discount_total"],
        stated_total=stated_total,
    )
    return _Checked(products=products, amounts=amounts, draft=cleaned, shop_vat=shop_vat, doubts=doubts)


def _fitting_shop_vat(
    shop_vat: Mapping[Decimal, Decimal] | None, rates: set[Decimal], doubts: list[str]
) -> dict[Decimal, Decimal] | None:
    """The shop's VAT by rate when it names exactly the lines' rates (a rate without VAT aside);
    otherwise None, with a doubt saying so: the catalogue's rates are used."""
    if not shop_vat:
        return None
    try:
        given = {quantize(Decimal(rate)): parsing.amount(vat) for rate, vat in shop_vat.items()}
    except (ArithmeticError, ValueError, ParseError):
        doubts.append(_("The shop's tax lines could not be read; the VAT was computed from the catalogue."))
        return None
    charged = {rate for rate, vat in given.items() if vat}
    ours = {quantize(rate) for rate in rates}
    if not charged <= ours or not {rate for rate in ours if rate} <= set(given):
        doubts.append(
            _("The shop charged VAT at %(shop)s %%, the catalogue has %(ours)s %% for these products.")
            % {
                "shop": ", ".join(str(r) for r in sorted(given)) or "0",
                "ours": ", ".join(str(r) for r in sorted(ours)),
            }
        )
        return None
    return given


def _existing(channel: Channel, external_id: str) -> Order | None:
    if not external_id:
        return None
    # Asked on every intake and nearly always answered "no": look for the id only (the unique
    # constraint allows one row, so no ordering), and load the order when there is one.
    found = list(Order.objects.filter(channel=channel, external_id=external_id).order_by().values_list("pk")[:1])
    return Order.objects.select_related("channel", "customer").get(pk=found[0][0]) if found else None


def place_order(
    *,
    channel: Channel,
    draft: OrderDraft,
    actor_label: str = "system",
    user: Any = None,
    check_existing: bool = True,
) -> IntakeResult:
    """Validate and place an order (see module docstring). Raises ``OrderValidationError``.

    ``check_existing=False``: do not ask first whether the external id is taken; the unique
    constraint refuses a second order all the same (``IntegrityError`` inside the caller's
    transaction, which runs again with ``check_existing``), one statement less for the nearly
    every order that is new. A draft the validation refuses is still answered with the existing
    order when there is one.

    Events after commit: ``order.placed``, then ``order.confirmed``, ``order.payment_recorded``
    and ``order.allocated`` or ``order.backordered`` as they happen, and ``order.held`` for an
    order with doubts.
    """
    # Looked up as it will be stored; an id the validation below refuses (NUL) finds nothing.
    external_id = parsing.clean_text(draft.external_id, kind=parsing.IDENTIFIER).text
    existing = _existing(channel, external_id) if check_existing else None
    if existing is not None:
        return IntakeResult(existing, False)
    try:
        checked = validate_draft(channel=channel, draft=draft)
    except OrderValidationError:
        existing = None if check_existing else _existing(channel, external_id)
        if existing is not None:
            return IntakeResult(existing, False)
        raise
    draft = checked.draft
    in_callers_transaction = connection.in_atomic_block
    try:
        # No savepoint in the caller's transaction (two statements less per order): every refusal
        # above came before the first write.
        with transaction.atomic(savepoint=False):
            order, lines = _create(channel=channel, draft=draft, checked=checked, actor=Actor(actor_label, user))
    except IntegrityError:
        if in_callers_transaction:
            # The caller's transaction is spoilt: it rolls back and runs again, and then finds
            # the order that won (``_existing`` above).
            raise
        # A concurrent delivery of the same external id won the unique constraint.
        existing = _existing(channel, external_id)
        if existing is not None:
            return IntakeResult(existing, False)
        raise
    return IntakeResult(order, True, lines)


def _create(*, channel: Channel, draft: OrderDraft, checked: _Checked, actor: Actor) -> tuple[Order, list[OrderLine]]:
    """The writing half of ``place_order``, inside its transaction; each step finishes its work.

    Allocation is decided before the order is written (``plan_allocation`` locks and reads the
    stock, routes, and moves the order and lines in memory), so the order and its lines are each
    inserted once, in their final state, and every timeline entry is one insert."""
    lines = _priced_lines(draft, checked.products)
    confirmed_because = _confirmation(channel, draft)
    order = _new_order(channel, draft, checked, lines, confirmed=confirmed_because is not None)
    plan = plan_allocation(order=order, lines=lines) if order.state == OrderState.CONFIRMED else None
    _insert(order, lines, plan.allocations if plan is not None else [])
    routed = carry_out(plan, actor=actor) if plan is not None else None
    _record(order, confirmed_because=confirmed_because, captured=draft.payment_captured, actor=actor, routed=routed)
    if plan is not None:
        announce(plan)
    send_order_confirmation(order)
    if doubts := _doubts(draft, checked):
        order = hold_for_review(order=order, doubts=doubts, actor_label=actor.label, user=actor.user)
    return order, lines


def _priced_lines(draft: OrderDraft, products: dict[str, Product]) -> list[OrderLine]:
    """Unsaved lines of a validated draft: the product's name and VAT rate, amounts to the cent."""
    lines = []
    for position, line in enumerate(draft.lines, start=1):
        sku = line.sku.strip()
        product = products[sku]
        unit_price = quantize(Decimal(str(line.unit_price)))
        discount = quantize(Decimal(str(line.discount)))
        lines.append(
            OrderLine(
                position=position,
                product=product,
                sku=sku,
                name=product.name[:200],
                quantity=line.quantity,
                unit_price=unit_price,
                discount=discount,
                vat_rate=product.vat_rate,
                line_total=line_total(quantity=line.quantity, unit_price=unit_price, discount=discount),
            )
        )
    return lines


def _confirmation(channel: Channel, draft: OrderDraft) -> Spec | None:
    """Why the order is confirmed on arrival (payment captured, payment on terms), or None: it
    waits for its payment."""
    if draft.payment_captured:
        return text(gettext_lazy("Payment captured."))
    if channel.has_terms(draft.payment_method):
        method = PaymentMethod(draft.payment_method).label
        return text(gettext_lazy("Payment on terms (%(method)s)."), method=method)
    return None


def _new_order(
    channel: Channel, draft: OrderDraft, checked: _Checked, lines: list[OrderLine], *, confirmed: bool
) -> Order:
    """The order, unsaved: customer, addresses, totals of ``lines``, number, search text;
    confirmed already when ``confirmed``."""
    now = timezone.now()
    placed_at = draft.placed_at or now
    totals = compute_totals(
        lines=[PricedLine(line.line_total, line.vat_rate) for line in lines],
        price_mode=draft.price_mode,
        shop_vat=checked.shop_vat,
        **checked.amounts,
    )
    shipping = draft.shipping_address or draft.billing_address
    order = Order(
        # The year we took the order in, not the channel's placed_at (issue: 1900-…, 0001-…).
        number=next_order_number(on=timezone.localdate(now)),
        channel=channel,
        external_id=(draft.external_id or "").strip(),
        customer=_customer(draft.customer),
        email=draft.customer.email.strip().lower(),
        **_address_fields("billing", draft.billing_address),
        **_address_fields("shipping", shipping),
        currency=draft.currency,
        price_mode=draft.price_mode,
        subtotal=totals.subtotal,
        discount_total=totals.discount_total,
        shipping_total=totals.shipping_total,
        tip_total=totals.tip_total,
        gift_card_total=totals.gift_card_total,
        vat_breakdown=totals.vat_breakdown,
        vat_total=totals.vat_total,
        total=totals.total,
        payment_method=draft.payment_method,
        # What ``record_payment`` derives from the capture ``_record`` writes (a free order has none).
        payment_state=PaymentState.PAID if draft.payment_captured else PaymentState.UNPAID,
        customer_note=(draft.notes or "").strip(),
        placed_at=placed_at,
        created_at=now,
        updated_at=now,
    )
    order.search_text = build_search_text(order, lines)
    if confirmed:
        order.confirm()
    return order


def _insert(order: Order, lines: list[OrderLine], allocations: list[Allocation]) -> None:
    """Insert the order, its lines and their allocation rows, in one statement on PostgreSQL
    (each INSERT a data-modifying ``WITH`` feeding the next its ids); elsewhere the order and the
    lines, and ``carry_out`` inserts the allocations."""
    for line in lines:
        line.order = order
    if connection.vendor != "postgresql":
        order.save(force_insert=True)
        OrderLine.objects.bulk_create(lines)
        return
    by_position = {line.position: line for line in lines}
    parts = [("new_order", *insert_statement([order]))]
    parts.append(
        (
            "new_lines",
            *insert_statement(
                lines,
                expressions={"order_id": ("(SELECT id FROM new_order)", [])},
                returning=("id", "position"),
            ),
        )
    )
    if allocations:
        parts.append(
            (
                "new_allocations",
                *insert_statement(
                    allocations,
                    # The line's position travels in place of its id, which the statement looks up.
                    values={"order_line_id": lambda a: a.order_line.position},
                    expressions={"order_line_id": ("(SELECT id FROM new_lines WHERE position = r.order_line_id)", [])},
                    returning=("id", "order_line_id", "stock_level_id"),
                ),
            )
        )
    selects = [
        "SELECT 'order', id, 0, 0 FROM new_order",
        "SELECT 'line', id, position, 0 FROM new_lines",
        *(["SELECT 'allocation', id, order_line_id, stock_level_id FROM new_allocations"] if allocations else []),
    ]
    with connection.cursor() as cursor:
        ctes = ", ".join(f"{name} AS ({sql})" for name, sql, _params in parts)
        cursor.execute(
            f"WITH {ctes} {' UNION ALL '.join(selects)}", [param for _name, _sql, params in parts for param in params]
        )
        rows = cursor.fetchall()
    allocation_ids = {}
    for kind, pk, first, second in rows:
        if kind == "order":
            mark_saved(order, pk)
        elif kind == "line":
            mark_saved(by_position[first], pk)
        else:
            allocation_ids[(first, second)] = pk
    # Assigned again now that they have ids (setting only the ``_id`` would drop the cached object).
    for line in lines:
        line.order = order
    for allocation in allocations:
        allocation.order_line = allocation.order_line
        mark_saved(allocation, allocation_ids[(allocation.order_line_id, allocation.stock_level_id)])


def _record(
    order: Order, *, confirmed_because: Spec | None, captured: bool, actor: Actor, routed: OrderEvent | None
) -> None:
    """The timeline of a placed order (with ``routed``, the routing entry, in the same insert), the
    channel's capture, and the events after commit."""
    capture = captured and order.total > 0
    # The capture's entry (record_payment writes it) comes before the routing entry, as it happened.
    timeline.order_placed(
        order, confirmed_because=confirmed_because, actor=actor, then=[routed] if routed and not capture else []
    )
    publish(
        "order.placed",
        {"order_id": order.pk, "number": order.number, "channel": order.channel.code, "state": order.state},
    )
    if order.confirmed_at:
        publish("order.confirmed", {"order_id": order.pk, "number": order.number, "channel_id": order.channel_id})
    if capture:
        payment = record_payment(
            order=order,
            kind=TransactionKind.CAPTURE,
            amount=order.total,
            provider=order.channel.code,
            actor_label=actor.label,
            user=actor.user,
        )
        order.updated_at = payment.order.updated_at  # record_payment saved its own copy of the row
        if routed is not None:
            routed.created_at = timezone.now()
            routed.save()


def _doubts(draft: OrderDraft, checked: _Checked) -> list[str]:
    """What a person should check before the order ships: the channel mapping's doubts, the
    validation's (a total or VAT that differs from the shop's) and an address the carrier will refuse."""
    address = draft.shipping_address or draft.billing_address
    return [*draft.doubts, *checked.doubts, *address_doubts(country=address.country, postcode=address.postcode)]


_CUSTOMER_TABLE = Customer._meta.db_table
_CUSTOMER_RETURNED = ("id", "name", "phone", "language", "company", "vat_id", "created_at", "updated_at")


def _customer(draft: CustomerDraft) -> Customer:
    """The customer with the draft's e-mail, created from the draft when new, in one statement
    (``INSERT ... ON CONFLICT``, no savepoint): a known customer keeps what is stored (name,
    language), and two intakes creating the same customer at once both get the one row."""
    email = draft.email.strip().lower()
    now = timezone.now()
    values = {
        "email": email,
        "name": draft.name.strip(),
        "phone": draft.phone.strip(),
        "language": draft.language or "de",
        "company": draft.company.strip(),
        "vat_id": draft.vat_id.strip(),
        "created_at": now,
        "updated_at": now,
    }
    # A no-op update rather than DO NOTHING, so that RETURNING gives the existing row too.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_CUSTOMER_TABLE} ({', '.join(values)}) VALUES ({', '.join(['%s'] * len(values))}) "
            f"ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING {', '.join(_CUSTOMER_RETURNED)}",
            [
                connection.ops.adapt_datetimefield_value(v) if isinstance(v, datetime.datetime) else v
                for v in values.values()
            ],
        )
        row = dict(zip(_CUSTOMER_RETURNED, cursor.fetchone(), strict=True))
    customer = Customer(email=email, **row)
    customer._state.adding = False
    customer._state.db = connection.alias
    return customer


def _address_fields(prefix: str, a: AddressDraft) -> dict[str, str]:
    return {
        f"{prefix}_name": a.name.strip(),
        f"{prefix}_company": a.company.strip(),
        f"{prefix}_street": a.street.strip(),
        f"{prefix}_line2": a.line2.strip(),
        f"{prefix}_postcode": a.postcode.strip(),
        f"{prefix}_city": a.city.strip(),
        f"{prefix}_country": a.country.strip().upper(),
        f"{prefix}_phone": a.phone.strip(),
    }
