"""Manual phone order entry: live customer and product search, totals preview, placing the order."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from orders.models import Order, OrderState
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)
from tests.orders.support_fixtures import place

NEW = "orders:support-phone-order"


def _form(**extra):
    data = {
        "customer-email": "neu@example.com",
        "customer-customer_name": "Nina Neu",
        "customer-customer_phone": "0301234",
        "ship-name": "Nina Neu",
        "ship-street": "Am Markt 1",
        "ship-postcode": "04109",
        "ship-city": "Leipzig",
        "ship-country": "DE",
        "currency": "EUR",
        "payment_method": "invoice",
        "shipping_amount": "4.90",
        "sku": ["SHIRT-BLK-M", "MUG-WHT"],
        "quantity": ["2", "1"],
    }
    data.update(extra)
    return data


def test_product_search_shows_available_stock(support_client, catalogue):
    response = support_client.get(reverse("orders:support-phone-products"), {"product_q": "shirt"})
    body = response.content.decode()
    assert "SHIRT-BLK-M" in body and "50 available" in body
    assert "MUG-WHT" not in body
    lamp = support_client.get(reverse("orders:support-phone-products"), {"product_q": "LAMP"}).content.decode()
    assert "0 available" in lamp


def test_customer_search_finds_by_email_and_pick_fills_the_address(support_client, catalogue, webshop):
    order = place(webshop)
    hits = support_client.get(reverse("orders:support-phone-customers"), {"customer_q": "anna@"}).content.decode()
    assert "anna@example.com" in hits
    picked = support_client.get(
        reverse("orders:support-phone-customer-pick", args=[order.customer.pk])
    ).content.decode()
    assert 'id="phone-customer"' in picked
    assert 'value="anna@example.com"' in picked and 'value="10115"' in picked


def test_preview_adds_a_product_and_totals_use_the_domain_money_code(support_client, catalogue):
    response = support_client.post(
        reverse("orders:support-phone-preview"),
        {"sku": ["SHIRT-BLK-M"], "quantity": ["2"], "add_sku": "MUG-WHT", "shipping_amount": "4.90", "currency": "EUR"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="phone-lines"')
    assert 'data-sku="MUG-WHT"' in body
    totals = body[body.index('id="order-totals"') :]
    assert "67,20" in totals or "67.20" in totals  # 2 x 24.90 + 12.50 + 4.90

    removed = support_client.post(
        reverse("orders:support-phone-preview"),
        {"sku": ["SHIRT-BLK-M", "MUG-WHT"], "quantity": ["2", "1"], "remove_sku": "MUG-WHT", "currency": "EUR"},
    ).content.decode()
    assert 'data-sku="MUG-WHT"' not in removed


def test_submit_places_an_allocated_phone_order_and_redirects_to_it(support_client, catalogue):
    response = support_client.post(reverse(NEW), _form(), headers={"HX-Request": "true"})

    order = Order.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("orders:support-order-detail", args=[order.number])
    assert order.channel.code == "phone"
    assert order.state == OrderState.ALLOCATED
    assert order.customer.email == "neu@example.com"
    assert order.total == Decimal("67.20")


def test_a_placed_phone_order_is_confirmed_with_its_number_and_a_link_to_it(support_client, catalogue):
    response = support_client.post(reverse(NEW), _form(), follow=True, HTTP_ACCEPT_LANGUAGE="en")

    order = Order.objects.get()
    url = reverse("orders:support-order-detail", args=[order.number])
    assert response.redirect_chain == [(url, 302)]
    assert f'Order <a href="{url}">{order.number}</a> placed for Nina Neu.' in response.content.decode()


def test_submit_without_lines_or_with_bad_fields_is_422_and_creates_nothing(support_client, catalogue):
    response = support_client.post(reverse(NEW), _form(sku=[], quantity=[]), headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Add at least one product" in response.content.decode() or "mindestens" in response.content.decode()

    response = support_client.post(reverse(NEW), _form(**{"customer-email": "nope", "ship-country": "1"}))
    assert response.status_code == 422
    assert Order.objects.count() == 0


def test_out_of_stock_phone_order_is_backordered_not_refused(support_client, catalogue):
    support_client.post(reverse(NEW), _form(sku=["LAMP-XL"], quantity=["1"]))
    assert Order.objects.get().state == OrderState.BACKORDERED


def test_preview_survives_absurd_input(support_client, catalogue):
    for shipping in ("Infinity", "NaN", "1e40", "-5", "abc"):
        response = support_client.post(
            reverse("orders:support-phone-preview"),
            {"sku": ["SHIRT-BLK-M", "NOPE"], "quantity": ["99999999999", "x"], "shipping_amount": shipping},
        )
        assert response.status_code == 200
        assert "Unknown SKU NOPE" in response.content.decode() or "NOPE" in response.content.decode()


def test_a_phone_order_is_in_euros_because_the_catalogue_prices_are(support_client, catalogue):
    page = support_client.get(reverse(NEW)).content.decode()
    assert 'value="EUR"' in page and 'value="CHF"' not in page

    response = support_client.post(reverse(NEW), _form(currency="CHF"))

    assert response.status_code == 422
    assert Order.objects.count() == 0
