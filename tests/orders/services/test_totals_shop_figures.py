"""Totals with what shops add to an order: their own VAT per rate, a tip, gift cards sold."""

from __future__ import annotations

from decimal import Decimal

from orders.services.totals import PricedLine, compute_totals

D = Decimal
NINETEEN = D("19.00")


def test_the_shop_s_vat_replaces_ours_for_the_rate_it_names_in_net_mode():
    lines = [PricedLine(D("10.03"), NINETEEN), PricedLine(D("10.03"), NINETEEN)]

    ours = compute_totals(lines=lines, price_mode="net", shipping_total=D(0), discount_total=D(0))
    shops = compute_totals(
        lines=lines, price_mode="net", shipping_total=D(0), discount_total=D(0), shop_vat={D("19"): D("3.82")}
    )

    assert (ours.vat_total, ours.total) == (D("3.81"), D("23.87"))
    assert (shops.vat_total, shops.total) == (D("3.82"), D("23.88"))


def test_a_tip_is_gross_in_either_price_mode_and_taxed_at_the_standard_rate():
    for mode in ("gross", "net"):
        totals = compute_totals(
            lines=[PricedLine(D("100.00"), D("7.00"))],
            price_mode=mode,
            shipping_total=D(0),
            discount_total=D(0),
            tip_total=D("5.00"),
        )
        goods = D("100.00") if mode == "gross" else D("107.00")
        assert totals.total == goods + D("5.00")
        assert totals.vat_breakdown["19.00"] == {"net": "4.20", "vat": "0.80", "gross": "5.00"}


def test_gift_cards_sold_sit_in_the_zero_rate_row_and_take_no_share_of_shipping_or_discount():
    totals = compute_totals(
        lines=[PricedLine(D("50.00"), NINETEEN)],
        price_mode="gross",
        shipping_total=D("4.90"),
        discount_total=D("5.00"),
        gift_card_total=D("25.00"),
    )

    assert totals.total == D("74.90")
    assert totals.vat_breakdown["0.00"] == {"net": "25.00", "vat": "0.00", "gross": "25.00"}
    assert totals.vat_breakdown["19.00"]["gross"] == "49.90"
    assert totals.vat_total == D("7.97")
