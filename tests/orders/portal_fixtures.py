"""Orders for the customer portal tests, placed through the intake service."""

from __future__ import annotations

import dataclasses
import itertools
import re
from typing import Any

from django.urls import reverse

from orders.portal_links import portal_path
from tests.reliability import ordering

_skus = itertools.count(1)


def place_for(email: str = "erika@example.de", *, name: str = "Erika Mustermann", postcode: str = "10115") -> Any:
    """An order of one product for the customer ``email`` (invoice: confirmed and allocated)."""
    from orders.services.drafts import AddressDraft, CustomerDraft
    from orders.services.intake import place_order

    sku = f"PORTAL-{next(_skus)}"
    ordering.make_product(sku, units=5)
    address = AddressDraft(name=name, street="Hauptstraße 1", postcode=postcode, city="Berlin", country="DE")
    draft = dataclasses.replace(
        ordering.order_draft({sku: 1}),
        customer=CustomerDraft(email=email, name=name),
        billing_address=address,
        shipping_address=address,
    )
    return place_order(channel=ordering.make_channel("web"), draft=draft).order


def lookup(client: Any, number: str, secret: str, **extra: Any) -> Any:
    return client.post(reverse("orders:portal-lookup"), {"number": number, "secret": secret}, **extra)


def page_of(client: Any, order: Any) -> str:
    response = client.get(portal_path(order.pk))
    assert response.status_code == 200
    return response.content.decode()


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def without_csrf(body: bytes, *echoed: str) -> str:
    """A page with its CSRF token (masked afresh each time) and the echoed input blanked out."""
    text = CSRF.sub("csrf", body.decode())
    for value in echoed:
        text = text.replace(value, "ECHO")
    return text
