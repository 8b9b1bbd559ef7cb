"""Manual (phone) order entry: read the half-filled form, preview totals, place the order.

Totals come from the domain's totals code (the same one intake stores), never from a copy here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from inventory.models import Product
from oms import parsing
from oms.money import format_rate
from oms.parsing import ParseError
from orders.exceptions import OrderValidationError
from orders.models import Channel, ChannelKind, Order, PaymentMethod
from orders.selectors.order_entry import availability_by_sku
from orders.services import intake, totals
from orders.services.drafts import AddressDraft, CustomerDraft, LineDraft, OrderDraft

PHONE_CHANNEL = "phone"
MAX_LINES = 100
MAX_SHIPPING = Decimal("99999.99")
# What can be agreed on the phone (marketplace payments cannot).
PAYMENT_METHODS = [
    PaymentMethod.INVOICE,
    PaymentMethod.PREPAYMENT,
    PaymentMethod.CASH_ON_DELIVERY,
    PaymentMethod.CARD,
]


@dataclass
class EntryLine:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    vat_rate: Decimal
    available: int
    total: Decimal = Decimal("0.00")


@dataclass
class Entry:
    lines: list[EntryLine] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    currency: str = "EUR"
    shipping: Decimal = Decimal("0.00")


@dataclass
class Preview:
    currency: str
    rows: list[tuple[str, Decimal]]


def payment_method_choices() -> list[tuple[str, Any]]:
    return [(m.value, m.label) for m in PAYMENT_METHODS]


def _sku(value: Any) -> str:
    """A SKU as typed or posted, cleaned without refusing (``parsing.clean_text``: NUL, control and
    invisible characters dropped, cut to the column's length), so any input only ever reads as an
    unknown SKU while the form is being filled in."""
    return parsing.clean_text(value, kind=parsing.IDENTIFIER, max_length=64).text


def read_entry(data: Any) -> Entry:
    """The lines of the form (``sku``/``quantity`` lists, plus ``add_sku``/``remove_sku``), with the
    product's name, price and available stock read in two queries. Bad quantities become 1."""
    entry = Entry()
    if data is None:
        return entry
    quantities: dict[str, int] = {}
    for sku, raw in zip(data.getlist("sku"), data.getlist("quantity"), strict=False):
        sku = _sku(sku)
        try:
            qty = parsing.quantity(raw)
        except ParseError:
            qty = 1
        if sku:
            quantities[sku] = quantities.get(sku, 0) + qty
    add = _sku(data.get("add_sku"))
    if add:
        quantities[add] = quantities.get(add, 0) + 1
    quantities.pop(_sku(data.get("remove_sku")), None)
    entry.currency = data.get("currency") or "EUR"
    try:
        # As typed: 4,90 (German) or 4.90. A half-typed, ambiguous or absurd amount previews as 0;
        # the submit's form validation reports it.
        entry.shipping = parsing.amount(data.get("shipping_amount") or "0", maximum=MAX_SHIPPING, localized=True)
    except ParseError:
        entry.shipping = Decimal("0.00")
    skus = list(quantities)[:MAX_LINES]
    products = {p.sku: p for p in Product.objects.filter(sku__in=skus, active=True)}
    available = availability_by_sku(skus)
    for sku in skus:
        product = products.get(sku)
        if product is None:
            entry.errors.append(_("Unknown SKU %(sku)s.") % {"sku": sku})
            continue
        entry.lines.append(
            EntryLine(
                sku=sku,
                name=product.name,
                quantity=min(quantities[sku], parsing.MAX_QUANTITY),
                unit_price=product.gross_price,
                vat_rate=product.vat_rate,
                available=available.get(sku, 0),
            )
        )
    return entry


def preview(entry: Entry) -> Preview:
    """Line totals and order totals for the page, computed by the domain's totals code."""
    for line in entry.lines:
        line.total = totals.line_total(quantity=line.quantity, unit_price=line.unit_price)
    result = totals.compute_totals(
        lines=[totals.PricedLine(total=line.total, vat_rate=line.vat_rate) for line in entry.lines],
        price_mode="gross",
        shipping_total=entry.shipping,
        discount_total=Decimal("0.00"),
    )
    rows = [(_("Subtotal"), result.subtotal), (_("Shipping"), result.shipping_total)]
    rows += [
        (_("incl. VAT %(rate)s %%") % {"rate": format_rate(rate)}, Decimal(parts["vat"]))
        for rate, parts in result.vat_breakdown.items()
    ]
    rows.append((_("Total"), result.total))
    return Preview(currency=entry.currency, rows=rows)


def place_phone_order(
    *, customer: dict[str, Any], address: dict[str, Any], header: dict[str, Any], entry: Entry, user: Any
) -> Order:
    """Place the order through intake on the ``phone`` channel (created on first use)."""
    channel, _created = Channel.objects.get_or_create(
        code=PHONE_CHANNEL, defaults={"name": _("Phone"), "kind": ChannelKind.PHONE}
    )
    shipping = AddressDraft(
        name=address["name"],
        company=address.get("company", ""),
        street=address["street"],
        line2=address.get("line2", ""),
        postcode=address["postcode"],
        city=address["city"],
        country=address["country"],
        phone=address.get("phone", ""),
    )
    draft = OrderDraft(
        customer=CustomerDraft(
            email=customer["email"],
            name=customer["customer_name"],
            phone=customer.get("customer_phone", ""),
            language="de",
            company=address.get("company", ""),
            vat_id="",
        ),
        billing_address=shipping,
        shipping_address=shipping,
        lines=[
            LineDraft(sku=line.sku, quantity=line.quantity, unit_price=line.unit_price, discount=Decimal("0.00"))
            for line in entry.lines
        ],
        currency=header["currency"],
        price_mode="gross",
        shipping_total=header["shipping_amount"],
        discount_total=Decimal("0.00"),
        stated_total=None,
        payment_method=header["payment_method"],
        payment_captured=False,
        external_id="",
        placed_at=None,
        notes="",
    )
    actor = _("Phone order by %(user)s") % {"user": user.get_username()}
    return intake.place_order(channel=channel, draft=draft, actor_label=actor, user=user).order


def error_messages(exc: OrderValidationError) -> list[str]:
    """Intake's per-field errors as sentences for the page (``lines[0].sku: Unknown SKU``)."""
    messages = [
        f"{path}: {message}"
        for path, items in (exc.data.get("errors") or {}).items()
        for message in (items if isinstance(items, list | tuple) else [items])
    ]
    return messages or [exc.message]
