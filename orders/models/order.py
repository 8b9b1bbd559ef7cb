"""The order: header, copied addresses, money totals and the lifecycle state machine.

Transitions only set fields of this row. Services (``orders.services``) lock the row, check
``can_proceed``, call the transition, save with ``update_fields``, write the timeline and publish
events after commit. Nothing assigns ``state`` by hand (``protected=True``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from oms.choices import choice_label

country_validator = RegexValidator(r"^[A-Z]{2}$", _("Use the two-letter ISO country code, e.g. DE."))
MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 2, "default": Decimal("0.00")}


class OrderState(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    BACKORDERED = "backordered", _("Backordered")
    ALLOCATED = "allocated", _("Allocated")
    ON_HOLD = "on_hold", _("On hold")
    IN_FULFILLMENT = "in_fulfillment", _("In fulfillment")
    PARTIALLY_SHIPPED = "partially_shipped", _("Partially shipped")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


S = OrderState
# In fulfillment too: an address problem found in the warehouse holds the order and its shipments.
HOLDABLE_STATES = [S.PENDING, S.CONFIRMED, S.ALLOCATED, S.BACKORDERED, S.IN_FULFILLMENT]
# "Any state before shipped": nothing has left a warehouse yet.
CANCELLABLE_STATES = [S.PENDING, S.CONFIRMED, S.BACKORDERED, S.ALLOCATED, S.ON_HOLD, S.IN_FULFILLMENT]
# Lines, quantities and the address may change until the warehouse starts working on the order.
EDITABLE_STATES = [S.PENDING, S.CONFIRMED, S.BACKORDERED, S.ALLOCATED, S.ON_HOLD]
OPEN_STATES = [S.PENDING, S.CONFIRMED, S.BACKORDERED, S.ALLOCATED, S.ON_HOLD, S.IN_FULFILLMENT, S.PARTIALLY_SHIPPED]


class PriceMode(models.TextChoices):
    GROSS = "gross", _("Gross (prices include VAT)")
    NET = "net", _("Net (VAT is added)")


class PaymentMethod(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CASH_ON_DELIVERY = "cash_on_delivery", _("Cash on delivery")
    PREPAYMENT = "prepayment", _("Prepayment (bank transfer)")
    CARD = "card", _("Credit card")
    PAYPAL = "paypal", "PayPal"
    MARKETPLACE = "marketplace", _("Paid on the marketplace")
    GIFT_CARD = "gift_card", _("Gift card")
    OTHER = "other", _("Other")


class PaymentState(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    AUTHORIZED = "authorized", _("Authorized")
    PAID = "paid", _("Paid")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    color = models.CharField(_("colour"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Order(FSMModelMixin, models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    channel = models.ForeignKey(
        "orders.Channel", verbose_name=_("channel"), on_delete=models.PROTECT, related_name="orders"
    )
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    replacement_for = models.ForeignKey(
        "self",
        verbose_name=_("replacement for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replacements",
        help_text=_("The order whose items this order replaces free of charge (an exchange)."),
    )
    customer = models.ForeignKey(
        "orders.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    # The e-mail as given with this order (the portal finds orders by number + e-mail without a join).
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    billing_name = models.CharField(_("billing name"), max_length=200)
    billing_company = models.CharField(_("billing company"), max_length=200, blank=True)
    billing_street = models.CharField(_("billing street and number"), max_length=200)
    billing_line2 = models.CharField(_("billing address line 2"), max_length=200, blank=True)
    billing_postcode = models.CharField(_("billing postcode"), max_length=20)
    billing_city = models.CharField(_("billing city"), max_length=100)
    billing_country = models.CharField(_("billing country"), max_length=2, validators=[country_validator], default="DE")
    billing_phone = models.CharField(_("billing phone"), max_length=50, blank=True)
    shipping_name = models.CharField(_("shipping name"), max_length=200)
    shipping_company = models.CharField(_("shipping company"), max_length=200, blank=True)
    shipping_street = models.CharField(_("shipping street and number"), max_length=200)
    shipping_line2 = models.CharField(_("shipping address line 2"), max_length=200, blank=True)
    shipping_postcode = models.CharField(_("shipping postcode"), max_length=20)
    shipping_city = models.CharField(_("shipping city"), max_length=100)
    shipping_country = models.CharField(
        _("shipping country"), max_length=2, validators=[country_validator], default="DE"
    )
    shipping_phone = models.CharField(_("shipping phone"), max_length=50, blank=True)

    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    price_mode = models.CharField(_("price mode"), max_length=5, choices=PriceMode.choices, default=PriceMode.GROSS)
    subtotal = models.DecimalField(_("subtotal"), **MONEY, help_text=_("Sum of line totals, in the price mode."))
    discount_total = models.DecimalField(_("order discount"), **MONEY)
    shipping_total = models.DecimalField(_("shipping"), **MONEY)
    tip_total = models.DecimalField(
        _("tip"), **MONEY, help_text=_("Given by the customer at checkout; gross, taxed at the standard rate.")
    )
    gift_card_total = models.DecimalField(
        _("gift cards sold"),
        **MONEY,
        help_text=_("Multi-purpose gift cards bought with the order: no VAT at sale, nothing to pick."),
    )
    vat_breakdown = models.JSONField(
        _("VAT per rate"),
        default=dict,
        blank=True,
        help_text=_('{"19.00": {"net": "...", "vat": "...", "gross": "..."}}'),
    )
    vat_total = models.DecimalField(_("VAT"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY)
    payment_method = models.CharField(
        _("payment method"), max_length=30, choices=PaymentMethod.choices, default=PaymentMethod.INVOICE
    )
    payment_state = models.CharField(
        _("payment state"), max_length=20, choices=PaymentState.choices, default=PaymentState.UNPAID
    )
    promised_ship_date = models.DateField(_("promised ship date"), null=True, blank=True)

    state = FSMField(_("state"), max_length=20, choices=OrderState.choices, default=OrderState.PENDING, protected=True)
    hold_reason = models.CharField(_("hold reason"), max_length=255, blank=True)
    state_before_hold = models.CharField(_("state before hold"), max_length=20, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=255, blank=True)
    customer_note = models.TextField(_("customer note"), blank=True)
    # The last routing decision ("why this warehouse"): kind, reason code, message, warehouses.
    routing = models.JSONField(_("routing decision"), default=dict, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="orders")

    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    allocated_at = models.DateTimeField(_("allocated at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    # Denormalised search document (number, external id, e-mail, name, postcode, phone, SKUs, and
    # later tracking/invoice/RMA numbers added by subscribers). Lower-case, space separated.
    search_text = models.TextField(_("search text"), blank=True, editable=False)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="orders_order_channel_external_id_uniq",
            ),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="orders_order_total_gte_0"),
        ]
        indexes = [
            models.Index(fields=["state", "-created_at"], name="orders_order_state_crtd_idx"),
            # The support list filtered by channel, newest first: (created_at, id) is its order.
            models.Index(fields=["channel", "-created_at", "-id"], name="orders_order_chan_list_idx"),
            models.Index(fields=["updated_at", "id"], name="orders_order_updated_idx"),
            models.Index(fields=["email"], name="orders_order_email_idx"),
            models.Index(fields=["shipping_postcode"], name="orders_order_ship_pc_idx"),
            models.Index(fields=["customer", "-created_at"], name="orders_order_customer_idx"),
            models.Index(fields=["-created_at", "-id"], name="orders_order_created_idx"),
            # The support list sorted by total (oms.lists: keyset over the sort column and id).
            models.Index(fields=["total", "id"], name="orders_order_total_idx"),
            # The reports' drill-down list: a range of days placed, newest placed first (keyset).
            models.Index(fields=["-placed_at", "-id"], name="orders_order_placed_idx"),
        ]

    def __str__(self) -> str:
        return self.number or _("new order")

    def get_state_display(self) -> str:
        return choice_label(OrderState, self.state)

    # -- derived --------------------------------------------------------------------------------
    @property
    def is_on_hold(self) -> bool:
        return self.state == OrderState.ON_HOLD

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_editable(self) -> bool:
        """Lines, quantities and addresses may change: not yet released to the warehouse. An
        order held from in_fulfillment is still the warehouse's (its picks stay), so it is not."""
        if self.state == S.ON_HOLD:
            return self.state_before_hold != S.IN_FULFILLMENT
        return self.state in EDITABLE_STATES

    def shipping_address_lines(self) -> list[str]:
        return [
            line
            for line in (
                self.shipping_name,
                self.shipping_company,
                self.shipping_street,
                self.shipping_line2,
                f"{self.shipping_postcode} {self.shipping_city}",
                self.shipping_country,
            )
            if line.strip()
        ]

    # -- state machine (bodies set fields of this row only) ---------------------------------------
    @transition(field=state, source=S.PENDING, target=S.CONFIRMED)
    def confirm(self) -> None:
        self.confirmed_at = timezone.now()

    @transition(field=state, source=[S.CONFIRMED, S.BACKORDERED], target=S.ALLOCATED)
    def allocate(self) -> None:
        self.allocated_at = timezone.now()

    # An allocated order goes back to backordered when an edit needs stock that is not there; one
    # in the warehouse when a short pick leaves units without stock (the rest of a split order
    # after a part has shipped, or the whole order when it may not ship in parts).
    @transition(
        field=state, source=[S.CONFIRMED, S.ALLOCATED, S.IN_FULFILLMENT, S.PARTIALLY_SHIPPED], target=S.BACKORDERED
    )
    def backorder(self) -> None:
        self.allocated_at = None

    @transition(field=state, source=HOLDABLE_STATES, target=S.ON_HOLD)
    def hold(self, reason: str = "") -> None:
        self.state_before_hold = self.state
        self.hold_reason = reason

    @transition(field=state, source=S.ON_HOLD, target=RETURN_VALUE(*HOLDABLE_STATES))
    def unhold(self) -> str:
        back = self.state_before_hold or S.PENDING
        self.state_before_hold = ""
        self.hold_reason = ""
        return back

    @transition(field=state, source=S.ALLOCATED, target=S.IN_FULFILLMENT)
    def release(self) -> None:
        self.released_at = timezone.now()

    @transition(field=state, source=[S.IN_FULFILLMENT, S.PARTIALLY_SHIPPED], target=S.PARTIALLY_SHIPPED)
    def ship_partially(self) -> None:
        self.shipped_at = self.shipped_at or timezone.now()

    @transition(field=state, source=[S.IN_FULFILLMENT, S.PARTIALLY_SHIPPED], target=S.SHIPPED)
    def ship(self) -> None:
        self.shipped_at = timezone.now()

    @transition(field=state, source=S.SHIPPED, target=S.DELIVERED)
    def deliver(self) -> None:
        self.delivered_at = timezone.now()

    @transition(field=state, source=S.DELIVERED, target=S.COMPLETED)
    def complete(self) -> None:
        self.completed_at = timezone.now()

    @transition(field=state, source=CANCELLABLE_STATES, target=S.CANCELLED)
    def cancel(self, reason: str = "") -> None:
        self.cancel_reason = reason
        self.cancelled_at = timezone.now()
        self.hold_reason = ""
        self.state_before_hold = ""


# Templates must never run a transition.
for _transition in (
    Order.confirm,
    Order.allocate,
    Order.backorder,
    Order.hold,
    Order.unhold,
    Order.release,
    Order.ship_partially,
    Order.ship,
    Order.deliver,
    Order.complete,
    Order.cancel,
):
    _transition.alters_data = True


class OrderNumberCounter(models.Model):
    """Last order number handed out per year (SQLite and other databases without sequences;
    PostgreSQL uses the sequence ``orders_order_number_seq``)."""

    year = models.PositiveIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("order number counter")
        verbose_name_plural = _("order number counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
