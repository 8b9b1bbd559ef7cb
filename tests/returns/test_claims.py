"""Claims without a return: support records a claim against a shipment on the order page,
resolves it with a free re-shipment (a linked replacement order at zero price, allocated like
any order) or a refund (billing's credit note and refund), and tracks the claim against the
carrier (open, claimed, paid, rejected) in the claims list. Bad input: a clear message, nothing
written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from billing.models import CreditNote
from inventory.models import StockLevel
from orders.models import Channel, Order, OrderState, PaymentTransaction, TransactionKind
from returns.exceptions import ReturnError
from returns.models import CarrierClaimState, ClaimKind, ClaimResolution, ShipmentClaim
from returns.services.claims import open_claim, resolve_by_reshipment
from tests.billing.flows import place, ship
from tests.returns.receiving_data import delivered_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def _shipment(order):
    return order.shipments.get()


def _open(client, order, *, kind, units: dict[str, int], description="Parcel arrived open"):
    shipment = _shipment(order)
    prefix = f"claim-{shipment.pk}"
    data = {f"{prefix}-line_{order.lines.get(sku=sku).pk}": q for sku, q in units.items()}
    data.update({f"{prefix}-kind": kind, f"{prefix}-description": description})
    return client.post(reverse("returns:support-claim-create", args=[shipment.reference]), data)


def _resolve(client, claim, resolution):
    return client.post(
        reverse("returns:support-claim-resolve", args=[claim.number]), {"resolve-resolution": resolution}
    )


def _carrier(client, claim, **data):
    return client.post(
        reverse("returns:support-claim-carrier", args=[claim.number]), {f"carrier-{k}": v for k, v in data.items()}
    )


def _detail(order) -> str:
    return reverse("orders:support-order-detail", args=[order.number])


def _refunds(order) -> list[Decimal]:
    return [t.amount for t in PaymentTransaction.objects.filter(order=order, kind=TransactionKind.REFUND)]


def test_an_item_missing_from_a_delivered_parcel_is_claimed_on_the_order_page_and_refunded(support_client):
    order = delivered_order()
    page = support_client.get(reverse("orders:support-order-detail", args=[order.number])).content.decode()
    assert 'id="order-claims"' in page and "Claim on shipment" in page

    opened = _open(support_client, order, kind=ClaimKind.ITEM_MISSING, units={"SHIRT": 1})

    assert opened.status_code == 302
    claim = ShipmentClaim.objects.get(order=order)
    assert claim.number.startswith("CLM-") and claim.carrier_state == CarrierClaimState.OPEN
    assert claim.value == Decimal("29.90")
    page = support_client.get(reverse("orders:support-order-detail", args=[order.number])).content.decode()
    assert claim.number in page and "Item missing from a delivered parcel" in page

    refunded = _resolve(support_client, claim, "refund")

    assert refunded.status_code == 302
    claim.refresh_from_db()
    assert claim.resolution == ClaimResolution.REFUND and claim.refunded_amount == Decimal("29.90")
    (note,) = CreditNote.objects.filter(invoice__order=order)
    assert note.total == Decimal("29.90") and [line.sku for line in note.lines.all()] == ["SHIRT"]
    assert _refunds(order) == [Decimal("29.90")]
    assert order.events.filter(message__contains=f"Claim {claim.number} resolved with a refund").exists()

    again = _resolve(support_client, claim, "reshipment")
    assert again.status_code == 422 and "is resolved already" in again.content.decode()
    assert _refunds(order) == [Decimal("29.90")] and not order.replacements.exists()


def test_a_lost_parcel_is_reshipped_free_as_a_linked_replacement_order_allocated_like_any(support_client):
    order = delivered_order()
    reserved_before = StockLevel.objects.get(product__sku="JEANS").reserved
    _open(support_client, order, kind=ClaimKind.LOST, units={"SHIRT": 2, "JEANS": 1})
    claim = ShipmentClaim.objects.get(order=order)

    answer = _resolve(support_client, claim, "reshipment")

    assert answer.status_code == 302
    claim.refresh_from_db()
    replacement = claim.replacement_order
    assert claim.resolution == ClaimResolution.RESHIPMENT and replacement is not None
    assert replacement.state == OrderState.ALLOCATED
    assert replacement.total == Decimal("0.00") and replacement.shipping_total == Decimal("0.00")
    assert sorted((line.sku, line.quantity, line.unit_price) for line in replacement.lines.all()) == [
        ("JEANS", 1, Decimal("0.00")),
        ("SHIRT", 2, Decimal("0.00")),
    ]
    assert replacement.shipping_postcode == order.shipping_postcode and replacement.customer_id == order.customer_id
    assert StockLevel.objects.get(product__sku="JEANS").reserved == reserved_before + 1
    assert _refunds(order) == [] and not CreditNote.objects.filter(invoice__order=order).exists()
    # The same link as an exchange's (``Order.replacement_for``): both order pages name each other.
    assert replacement.replacement_for_id == order.pk and list(order.replacements.all()) == [replacement]
    assert replacement.external_id == f"claim:{claim.number}"
    original_page = support_client.get(reverse("orders:support-order-detail", args=[order.number])).content.decode()
    replacement_page = support_client.get(
        reverse("orders:support-order-detail", args=[replacement.number])
    ).content.decode()
    assert reverse("orders:support-order-detail", args=[replacement.number]) in original_page
    assert "data-replacement>" in original_page
    assert "data-replacement-for" in replacement_page
    assert reverse("orders:support-order-detail", args=[order.number]) in replacement_page
    assert f'data-replaces="{order.number}"' in replacement_page
    assert replacement.events.filter(message__contains=f"Replacement for order {order.number}").exists()
    assert order.events.filter(message__contains=f"Replacement order {replacement.number} placed").exists()

    # Fulfilled like any order: it ships, and nothing is charged for it.
    shipment = ship(replacement, {"SHIRT": 2, "JEANS": 1})
    replacement.refresh_from_db()
    assert shipment.state == "shipped" and replacement.state == OrderState.SHIPPED
    assert not PaymentTransaction.objects.filter(order=replacement).exists()


def test_a_reshipment_on_a_channel_without_payment_terms_is_allocated_all_the_same(support_user):
    order = delivered_order()
    Channel.objects.filter(pk=order.channel_id).update(payment_terms_methods=[])
    claim = open_claim(_shipment(order), ClaimKind.LOST, {order.lines.get(sku="SHIRT").pk: 1}, by=support_user)

    resolved = resolve_by_reshipment(claim, by=support_user)

    replacement = resolved.replacement_order
    assert replacement.state == OrderState.ALLOCATED and replacement.total == Decimal("0.00")
    assert replacement.replacement_for_id == order.pk
    assert not PaymentTransaction.objects.filter(order=replacement).exists()


def test_resolving_a_claim_twice_places_one_replacement_order(support_user):
    order = delivered_order()
    claim = open_claim(_shipment(order), ClaimKind.LOST, {order.lines.get(sku="SHIRT").pk: 1}, by=support_user)
    resolve_by_reshipment(claim, by=support_user)
    orders = Order.objects.count()

    with pytest.raises(ReturnError, match="is resolved already"):
        resolve_by_reshipment(claim, by=support_user)

    assert Order.objects.count() == orders and order.replacements.count() == 1


def test_the_claim_against_the_carrier_is_filed_then_paid_or_rejected_and_listed(support_client, support_user):
    order = delivered_order()
    shipment = _shipment(order)
    paid = open_claim(shipment, ClaimKind.DAMAGED, {order.lines.get(sku="SHIRT").pk: 1}, by=support_user)
    refused = open_claim(shipment, ClaimKind.DAMAGED, {order.lines.get(sku="JEANS").pk: 1}, by=support_user)

    too_early = _carrier(support_client, paid, action="paid", amount="20.00")
    no_reference = _carrier(support_client, paid, action="file", reference="")
    assert too_early.status_code == 409 and "is not possible while" in too_early.content.decode()
    assert (
        no_reference.status_code == 422 and "Enter the carrier&#x27;s claim reference." in no_reference.content.decode()
    )
    paid.refresh_from_db()
    assert paid.carrier_state == CarrierClaimState.OPEN

    assert _carrier(support_client, paid, action="file", reference="DHL-4711").status_code == 302
    assert _carrier(support_client, paid, action="paid", amount="25.00", note="Pauschale").status_code == 302
    assert _carrier(support_client, refused, action="file", reference="DHL-4712").status_code == 302
    no_note = _carrier(support_client, refused, action="reject", note="")
    assert no_note.status_code == 422
    assert _carrier(support_client, refused, action="reject", note="Not insured").status_code == 302

    paid.refresh_from_db()
    refused.refresh_from_db()
    assert (paid.carrier_state, paid.carrier_reference, paid.carrier_amount) == (
        CarrierClaimState.PAID,
        "DHL-4711",
        Decimal("25.00"),
    )
    assert (refused.carrier_state, refused.carrier_note) == (CarrierClaimState.REJECTED, "Not insured")
    listed = support_client.get(reverse("returns:support-claim-list"), {"carrier_state": "paid"}).content.decode()
    assert f'data-claim="{paid.number}"' in listed and f'data-claim="{refused.number}"' not in listed
    unresolved = support_client.get(reverse("returns:support-claim-list"), {"resolution": "open"}).content.decode()
    assert f'data-claim="{paid.number}"' in unresolved and f'data-claim="{refused.number}"' in unresolved
    bad = support_client.get(reverse("returns:support-claim-list"), {"carrier_state": "zz"})
    assert bad.status_code == 422 and "Select a valid choice" in bad.content.decode()
    assert f'data-claim="{refused.number}"' in bad.content.decode()  # the bad filter is ignored


def test_bad_claims_are_refused_with_a_reason_and_write_nothing(support_client, support_user):
    order = delivered_order()
    open_claim(_shipment(order), ClaimKind.DAMAGED, {order.lines.get(sku="SHIRT").pk: 2}, by=support_user)
    events = order.events.count()
    in_transit = place({"CAP": (1, "9.90")}, payment_method="card")
    ship(in_transit, {"CAP": 1})

    more_than_left = _open(support_client, order, kind=ClaimKind.DAMAGED, units={"SHIRT": 1})
    no_kind = _open(support_client, order, kind="stolen", units={"JEANS": 1})
    nothing = _open(support_client, order, kind=ClaimKind.LOST, units={"JEANS": 0})
    missing_before_delivery = _open(support_client, in_transit, kind=ClaimKind.ITEM_MISSING, units={"CAP": 1})

    assert more_than_left.status_code == 422  # the field allows 0 units of SHIRT now
    assert no_kind.status_code == 422 and "Select a valid choice" in no_kind.content.decode()
    assert nothing.status_code == 422 and "Enter the units the claim is about." in nothing.content.decode()
    assert missing_before_delivery.status_code == 422
    assert "An item can be missing only from a delivered parcel" in missing_before_delivery.content.decode()
    assert ShipmentClaim.objects.count() == 1 and order.events.count() == events

    with pytest.raises(ReturnError, match="More units than the parcel held"):
        open_claim(_shipment(order), ClaimKind.DAMAGED, {order.lines.get(sku="SHIRT").pk: 1}, by=support_user)
    with pytest.raises(ReturnError, match="not in this parcel"):
        open_claim(_shipment(order), ClaimKind.DAMAGED, {in_transit.lines.get().pk: 1}, by=support_user)
    assert ShipmentClaim.objects.count() == 1


def test_the_claim_screens_are_for_support(warehouse_client, support_user):
    order = delivered_order()
    claim = open_claim(_shipment(order), ClaimKind.LOST, {order.lines.get(sku="SHIRT").pk: 1}, by=support_user)
    assert warehouse_client.get(reverse("returns:support-claim-list")).status_code == 403
    assert warehouse_client.post(reverse("returns:support-claim-resolve", args=[claim.number])).status_code == 403
    claim.refresh_from_db()
    assert claim.resolution == ""


def test_the_claimable_parcels_cost_the_same_queries_for_one_parcel_or_three(django_assert_num_queries):
    from returns.claim_selectors import claimable_shipments

    one = place({"SHIRT": (2, "29.90"), "JEANS": (1, "89.00")})
    ship(one, {"SHIRT": 2, "JEANS": 1})
    three = place({"SHIRT": (2, "29.90"), "JEANS": (1, "89.00")})
    for units in ({"SHIRT": 1}, {"SHIRT": 1}, {"JEANS": 1}):
        ship(three, units)

    with django_assert_num_queries(4):
        (parcel,) = claimable_shipments(one)
    with django_assert_num_queries(4):
        parcels = claimable_shipments(three)
    assert [(line.sku, n) for line, n in parcel.lines] == [("SHIRT", 2), ("JEANS", 1)]
    assert [[(line.sku, n) for line, n in p.lines] for p in parcels] == [[("SHIRT", 1)], [("SHIRT", 1)], [("JEANS", 1)]]


def test_the_order_page_reads_as_many_queries_for_three_parcels_as_for_one(
    support_client, support_user, django_assert_max_num_queries
):
    """The claims panel reads the order's parcels, what each holds and what is claimed of it in
    one query each, so an order split into three parcels costs the page no more than one parcel."""
    one = place({"SHIRT": (3, "29.90")})
    ship(one, {"SHIRT": 3})
    three = place({"SHIRT": (3, "29.90")})
    for _ in range(3):
        ship(three, {"SHIRT": 1})
    claimed, *others = three.shipments.order_by("pk")
    open_claim(claimed, ClaimKind.DAMAGED, {three.lines.get().pk: 1}, by=support_user, description="Crushed")
    support_client.get(_detail(one))  # warm: the first request of a client reads its session anew
    with django_assert_max_num_queries(100) as single:
        page = support_client.get(_detail(one))
    assert page.status_code == 200
    with django_assert_max_num_queries(len(single.captured_queries) + 1) as split:
        page = support_client.get(_detail(three))
    # Three parcels of one unit, one of them claimed: the other two still offer their claim form.
    body = page.content.decode()
    assert page.status_code == 200
    assert all(f"claim-{s.pk}-kind" in body for s in others)
    assert f"claim-{claimed.pk}-kind" not in body and "Crushed" in body
    # The one extra query at most is the claim lines of the open claim (a prefetch).
    assert len(split.captured_queries) <= len(single.captured_queries) + 1
