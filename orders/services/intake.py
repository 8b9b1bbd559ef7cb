"""Order intake: the one service every channel ends in (REST API, Shopify/WooCommerce webhooks,
CSV import, phone orders by support).

``place_order`` validates the whole draft before writing anything (every problem at once, keyed
by field path), then in one transaction creates or finds the customer, creates the order and its
lines, confirms it when the payment is captured or the method has payment terms, routes and
allocates it (or backorders it), and writes the timeline. An order with doubts (an address the
carrier will refuse, text the channel's mapping had to clean; ``orders.services.doubts``) is
taken in all the same and put on hold, with the reasons on the timeline and a case in the
support queue: the channel has already taken it from its customer. A repeated ``(channel, external_id)``
returns the existing order and creates nothing (``IntakeResult.created`` is False), also when two
deliveries race (the unique constraint decides, the loser reads the winner's order).

Hot path (benchmarked at hundreds of orders/s): a fixed number of queries whatever the number
of lines; lines, allocations and events are inserted in bulk.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.models import Product
from oms import parsing
from oms.events import publish
from oms.money import SUPPORTED_CURRENCIES, quantize
from oms.parsing import MAX_AMOUNT, MAX_QUANTITY, ParseError
from oms.texts import Spec, text
from orders.countries import is_country_code
from orders.exceptions import OrderValidationError
from orders.models import (
    Allocation,
    Channel,
    Customer,
    EventKind,
    Order,
    OrderEvent,
    OrderLine,
    OrderState,
    PaymentMethod,
    PaymentState,
    PaymentTransaction,
    PriceMode,
    TransactionKind,
)
from orders.services.allocation import allocate_lines
from orders.services.doubts import address_doubts, hold_for_review
from orders.services.numbering import next_order_number
from orders.services.timeline import build_search_text, new_event
from orders.services.totals import PricedLine, compute_totals, line_total

MAX_LINES = 500
LANGUAGES = {"de", "en"}


@dataclass(frozen=True)
class AddressDraft:
    name: str
    street: str
    postcode: str
    city: str
    country: str
    company: str = ""
    line2: str = ""
    phone: str = ""


@dataclass(frozen=True)
class CustomerDraft:
    email: str
    name: str
    phone: str = ""
    language: str = "de"
    company: str = ""
    vat_id: str = ""


@dataclass(frozen=True)
class LineDraft:
    sku: str
    quantity: int
    unit_price: Decimal
    discount: Decimal = Decimal(0)


@dataclass(frozen=True)
class OrderDraft:
    """An order as a channel sends it. ``shipping_address=None`` ships to the billing address.
    Amounts are in ``price_mode`` (gross: VAT included). ``stated_total``, when given, must equal
    the computed total to the cent. ``doubts`` are what the channel's mapping could not take as
    sent (text it had to clean): the order is taken in and held with them as the reason."""

    customer: CustomerDraft
    billing_address: AddressDraft
    shipping_address: AddressDraft | None
    lines: Sequence[LineDraft]
    currency: str = "EUR"
    price_mode: str = "gross"
    shipping_total: Decimal = Decimal(0)
    discount_total: Decimal = Decimal(0)
    stated_total: Decimal | None = None
    payment_method: str = "invoice"
    payment_captured: bool = False
    external_id: str = ""
    placed_at: datetime.datetime | None = None
    notes: str = ""
    doubts: Sequence[str] = ()


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


class _Errors(dict):
    def add(self, key: str, message: str) -> None:
        self.setdefault(key, []).append(str(message))


def _amount(errors: _Errors, key: str, value: Any, *, allow_none: bool = False) -> Decimal | None:
    """A money amount >= 0 with at most two decimals, or an error under ``key``."""
    if value is None and allow_none:
        return None
    try:
        return parsing.amount(value, maximum=MAX_AMOUNT)
    except ParseError as exc:
        errors.add(key, str(exc))
        return None


def _text(
    errors: _Errors, key: str, value: Any, *, required: bool, max_length: int, kind: parsing.Kind = parsing.LINE
) -> str:
    """``value`` as ``oms.parsing.text`` cleans it, or an error under ``key`` (and "")."""
    try:
        return parsing.text(value, kind=kind, required=required, max_length=max_length)
    except ParseError as exc:
        errors.add(key, str(exc))
        return ""


def _check_address(errors: _Errors, prefix: str, address: Any) -> AddressDraft | None:
    """The address with every part cleaned (``oms.parsing``), or None with the errors added."""
    if not isinstance(address, AddressDraft):
        errors.add(prefix, _("This field is required."))
        return None
    before = len(errors)
    cleaned = AddressDraft(
        name=_text(errors, f"{prefix}.name", address.name, required=True, max_length=200),
        street=_text(errors, f"{prefix}.street", address.street, required=True, max_length=200),
        postcode=_text(errors, f"{prefix}.postcode", address.postcode, required=True, max_length=20),
        city=_text(errors, f"{prefix}.city", address.city, required=True, max_length=100),
        company=_text(errors, f"{prefix}.company", address.company, required=False, max_length=200),
        line2=_text(errors, f"{prefix}.line2", address.line2, required=False, max_length=200),
        phone=_text(errors, f"{prefix}.phone", address.phone, required=False, max_length=50),
        country=_text(errors, f"{prefix}.country", address.country, required=True, max_length=20).upper(),
    )
    if cleaned.country and not is_country_code(cleaned.country):
        errors.add(
            f"{prefix}.country",
            _("“%(value)s” is not an ISO 3166 two-letter country code (e.g. DE, AT, FR).")
            % {"value": cleaned.country[:20]},
        )
    return cleaned if len(errors) == before else None


def _check_customer(errors: _Errors, customer: Any) -> CustomerDraft | None:
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
        name=_text(errors, "customer.name", customer.name, required=True, max_length=200),
        phone=_text(errors, "customer.phone", customer.phone, required=False, max_length=50),
        company=_text(errors, "customer.company", customer.company, required=False, max_length=200),
        vat_id=_text(errors, "customer.vat_id", customer.vat_id, required=False, max_length=30),
        language=language,
    )
    return cleaned if len(errors) == before else None


def _check_quantity(errors: _Errors, key: str, value: Any) -> int | None:
    # Only whole numbers as such: a channel's "3" is a shape error its parser should have caught.
    if not parsing.is_whole_number(value):
        errors.add(key, _("The quantity must be a whole number."))
        return None
    try:
        return parsing.quantity(value, maximum=MAX_QUANTITY)
    except ParseError as exc:
        errors.add(key, str(exc))
        return None


def _check_placed_at(errors: _Errors, value: Any) -> datetime.datetime | None:
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
    errors = _Errors()
    if not channel.active:
        errors.add("channel", _("The sales channel %(channel)s is inactive.") % {"channel": channel.code})
    customer = _check_customer(errors, draft.customer)
    billing_address = _check_address(errors, "billing_address", draft.billing_address)
    shipping_address = None
    if draft.shipping_address is not None:
        shipping_address = _check_address(errors, "shipping_address", draft.shipping_address)
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
    external_id = _text(
        errors, "external_id", draft.external_id, required=False, max_length=100, kind=parsing.IDENTIFIER
    )
    notes = _text(errors, "notes", draft.notes, required=False, max_length=10_000, kind=parsing.MULTILINE)
    placed_at = _check_placed_at(errors, draft.placed_at)
    amounts = {
        "shipping_total": _amount(errors, "shipping_total", draft.shipping_total),
        "discount_total": _amount(errors, "discount_total", draft.discount_total),
    }
    stated_total = _amount(errors, "stated_total", draft.stated_total, allow_none=True)

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
                _text(errors, f"lines[{i}].sku", line.sku, required=True, max_length=64, kind=parsing.IDENTIFIER)
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
        unit_price = _amount(errors, f"{key}.unit_price", line.unit_price)
        discount = _amount(errors, f"{key}.discount", line.discount)
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
        totals = compute_totals(
            lines=priced,
            price_mode=draft.price_mode,
            shipping_total=amounts["shipping_total"],
            discount_total=amounts["discount_total"],
        )
        if totals.total < 0:
            errors.add("discount_total", _("The discount is larger than the order amount."))
        elif totals.total > MAX_AMOUNT:
            errors.add("lines", _("The order total is too large."))
        elif stated_total is not None and stated_total != totals.total:
            errors.add(
                "stated_total",
                _("The stated total %(stated)s does not match the total of the lines, %(computed)s.")
                % {"stated": stated_total, "computed": totals.total},
            )
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
    return _Checked(products=products, amounts=amounts, draft=cleaned)


def _existing(channel: Channel, external_id: str) -> Order | None:
    if not external_id:
        return None
    # Asked on every intake and nearly always answered "no": look for the id only (the unique
    # constraint allows one row, so no ordering), and load the order when there is one.
    found = list(Order.objects.filter(channel=channel, external_id=external_id).order_by().values_list("pk")[:1])
    return Order.objects.select_related("channel", "customer").get(pk=found[0][0]) if found else None


def place_order(*, channel: Channel, draft: OrderDraft, actor_label: str = "system", user: Any = None) -> IntakeResult:
    """Validate and place an order (see module docstring). Raises ``OrderValidationError``.

    Events after commit: ``order.placed``, then ``order.confirmed`` and ``order.allocated`` or
    ``order.backordered`` as they happen, and ``order.held`` for an order with doubts.
    """
    # Looked up as it will be stored; an id the validation below refuses (NUL) finds nothing.
    external_id = parsing.clean_text(draft.external_id, kind=parsing.IDENTIFIER).text
    existing = _existing(channel, external_id)
    if existing is not None:
        return IntakeResult(existing, False)
    checked = validate_draft(channel=channel, draft=draft)
    draft = checked.draft
    try:
        with transaction.atomic():
            order, lines = _create(channel=channel, draft=draft, checked=checked, actor_label=actor_label, user=user)
            doubts = [*draft.doubts, *_address_doubts(draft.shipping_address or draft.billing_address)]
            if doubts:
                order = hold_for_review(order=order, doubts=doubts, actor_label=actor_label, user=user)
    except IntegrityError:
        # A concurrent delivery of the same external id won the unique constraint.
        existing = _existing(channel, external_id)
        if existing is not None:
            return IntakeResult(existing, False)
        raise
    return IntakeResult(order, True, lines)


def _address_doubts(address: AddressDraft) -> list[str]:
    return address_doubts(country=address.country, postcode=address.postcode)


def _customer(draft: CustomerDraft) -> Customer:
    email = draft.email.strip().lower()
    customer, _created = Customer.objects.get_or_create(
        email=email,
        defaults={
            "name": draft.name.strip(),
            "phone": draft.phone.strip(),
            "language": draft.language or "de",
            "company": draft.company.strip(),
            "vat_id": draft.vat_id.strip(),
        },
    )
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


def _order_line(position: int, draft: LineDraft, products: dict[str, Product]) -> OrderLine:
    """An unsaved line of a validated draft: the product's name and VAT rate, amounts to the cent."""
    sku = draft.sku.strip()
    product = products[sku]
    unit_price = quantize(Decimal(str(draft.unit_price)))
    discount = quantize(Decimal(str(draft.discount)))
    return OrderLine(
        position=position,
        product=product,
        sku=sku,
        name=product.name[:200],
        quantity=draft.quantity,
        unit_price=unit_price,
        discount=discount,
        vat_rate=product.vat_rate,
        line_total=line_total(quantity=draft.quantity, unit_price=unit_price, discount=discount),
    )


def _create(
    *, channel: Channel, draft: OrderDraft, checked: _Checked, actor_label: str, user: Any
) -> tuple[Order, list[OrderLine]]:
    now = timezone.now()
    placed_at = draft.placed_at or now
    customer = _customer(draft.customer)
    lines = [_order_line(position, ld, checked.products) for position, ld in enumerate(draft.lines, start=1)]
    totals = compute_totals(
        lines=[PricedLine(line.line_total, line.vat_rate) for line in lines],
        price_mode=draft.price_mode,
        shipping_total=checked.amounts["shipping_total"],
        discount_total=checked.amounts["discount_total"],
    )
    shipping = draft.shipping_address or draft.billing_address
    order = Order(
        # The year we took the order in, not the channel's placed_at (issue: 1900-…, 0001-…).
        number=next_order_number(on=timezone.localdate(now)),
        channel=channel,
        external_id=(draft.external_id or "").strip(),
        customer=customer,
        email=draft.customer.email.strip().lower(),
        **_address_fields("billing", draft.billing_address),
        **_address_fields("shipping", shipping),
        currency=draft.currency,
        price_mode=draft.price_mode,
        subtotal=totals.subtotal,
        discount_total=totals.discount_total,
        shipping_total=totals.shipping_total,
        vat_breakdown=totals.vat_breakdown,
        vat_total=totals.vat_total,
        total=totals.total,
        payment_method=draft.payment_method,
        payment_state=PaymentState.PAID if draft.payment_captured else PaymentState.UNPAID,
        customer_note=(draft.notes or "").strip(),
        placed_at=placed_at,
        created_at=now,
        updated_at=now,
    )
    order.search_text = build_search_text(order, lines)
    events: list[OrderEvent] = [
        new_event(
            order,
            EventKind.PLACED,
            text(gettext_lazy("Order placed through %(channel)s."), channel=channel.name),
            actor_label=actor_label,
            user=user,
            to_state=OrderState.PENDING,
            data={"external_id": order.external_id, "total": str(order.total), "currency": order.currency},
        )
    ]
    confirm_reason: Spec | None = None
    if draft.payment_captured:
        confirm_reason = text(gettext_lazy("Payment captured."))
    elif channel.has_terms(draft.payment_method):
        method = PaymentMethod(order.payment_method).label
        confirm_reason = text(gettext_lazy("Payment on terms (%(method)s)."), method=method)
    if confirm_reason:
        order.confirm()
        events.append(
            new_event(
                order,
                EventKind.TRANSITION,
                confirm_reason,
                actor_label=actor_label,
                user=user,
                from_state=OrderState.PENDING,
                to_state=OrderState.CONFIRMED,
            )
        )
    order.save(force_insert=True)
    for line in lines:
        line.order = order
    payload = {"order_id": order.pk, "number": order.number, "channel": channel.code, "state": order.state}
    publish("order.placed", payload)
    if order.confirmed_at:
        publish("order.confirmed", {"order_id": order.pk, "number": order.number})
    allocations: list[Allocation] = []
    if order.state == OrderState.CONFIRMED:
        outcome = allocate_lines(order=order, lines=lines, actor_label=actor_label, user=user)
        allocations = outcome.allocations
        events.extend(outcome.events)
        if order.state != OrderState.CONFIRMED:
            order.save(update_fields=["state", "allocated_at", "routing", "promised_ship_date"])
    OrderLine.objects.bulk_create(lines)
    if allocations:
        Allocation.objects.bulk_create(allocations)
    if draft.payment_captured and order.total > 0:
        PaymentTransaction.objects.create(
            order=order,
            kind=TransactionKind.CAPTURE,
            amount=order.total,
            currency=order.currency,
            provider=channel.code,
        )
    OrderEvent.objects.bulk_create(events)
    return order, lines
