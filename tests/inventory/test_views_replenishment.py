"""Manager screens: replenishment suggestions and the forecast page with its rule form."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from inventory.models import DemandForecast, ReplenishmentRule, RuleSource
from inventory.services.replenishment import recompute_forecasts
from tests.inventory.replenishment_data import (
    AS_OF,
    add_history,
    make_product,
    make_warehouse,
    put_stock,
    seasonal_history,
)

pytestmark = pytest.mark.django_db
LIST = reverse("inventory:replenishment-list")
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def forecasts():
    """LOW-1 has almost nothing left (must reorder), FULL-1 plenty; both sell ~20 a day in BER."""
    ber, muc = make_warehouse("BER"), make_warehouse("MUC", priority=20)
    low, full = make_product("LOW-1"), make_product("FULL-1")
    put_stock(low, ber, 5)
    put_stock(full, ber, 5000)
    put_stock(full, muc, 5000)
    add_history(low, ber, seasonal_history(2 * 365 + 70, base=10, trend=0.02, seed=1))
    add_history(full, ber, seasonal_history(40, seed=2))
    add_history(full, muc, seasonal_history(30, seed=3))
    recompute_forecasts(as_of=AS_OF)
    return {
        f"{f.product.sku}@{f.warehouse.code}": f for f in DemandForecast.objects.select_related("product", "warehouse")
    }


def detail_url(forecast: DemandForecast) -> str:
    return reverse("inventory:replenishment-detail", kwargs={"pk": forecast.pk})


def test_manager_sees_products_at_or_below_reorder_point_first(manager_client, forecasts):
    response = manager_client.get(LIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("LOW-1") < html.index("FULL-1")
    assert "<html" in html
    low = forecasts["LOW-1@BER"]
    assert str(low.suggested_target - 5) in html.replace(".", "")  # the order quantity (German: 1.103)


@pytest.mark.parametrize("client_fixture", ["support_client", "warehouse_client"])
def test_other_roles_get_403_on_both_pages(request, client_fixture, forecasts):
    client = request.getfixturevalue(client_fixture)

    assert client.get(LIST).status_code == 403
    assert client.get(detail_url(forecasts["LOW-1@BER"])).status_code == 403
    assert client.post(detail_url(forecasts["LOW-1@BER"]), {"action": "accept"}).status_code == 403
    assert not ReplenishmentRule.objects.exists()


def test_anonymous_is_sent_to_login(client, forecasts):
    response = client.get(LIST)
    assert response.status_code == 302 and "login" in response["Location"]


def test_list_filters_by_warehouse_and_searches_sku(manager_client, forecasts):
    muc = forecasts["FULL-1@MUC"].warehouse

    by_warehouse = manager_client.get(LIST, {"warehouse": muc.pk}).content.decode()
    by_sku = manager_client.get(LIST, {"q": "low"}).content.decode()

    assert "FULL-1" in by_warehouse and "LOW-1" not in by_warehouse
    assert "LOW-1" in by_sku and "FULL-1" not in by_sku


def test_list_htmx_request_gets_only_the_table(manager_client, forecasts):
    response = manager_client.get(LIST, {"q": "FULL"}, HTTP_HX_TARGET="replenishment-table", **HX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="replenishment-table"')
    assert "<html" not in html and "FULL-1" in html


def test_list_shows_trust_badge_when_the_model_beats_naive(manager_client, forecasts):
    low = forecasts["LOW-1@BER"]
    assert low.model_beats_naive  # two years of seasonal history

    html = manager_client.get(LIST, {"q": "LOW"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "trust" in html


def test_list_paginates_and_bad_page_numbers_do_not_fail(manager_client, forecasts, monkeypatch):
    monkeypatch.setattr("inventory.views.replenishment.PER_PAGE", 1)

    first = manager_client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    last = manager_client.get(LIST, {"page": "999"}, HTTP_ACCEPT_LANGUAGE="en")
    junk = manager_client.get(LIST, {"page": "abc", "warehouse": "nope"})

    assert "Page 1 of 3" in first
    assert last.status_code == 200 and "Page 3 of 3" in last.content.decode()
    assert junk.status_code == 200


def test_detail_page_draws_the_chart_and_the_backtest(manager_client, forecasts):
    response = manager_client.get(detail_url(forecasts["LOW-1@BER"]), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<svg id="forecast-chart"' in html
    assert 'class="history"' in html and 'class="forecast"' in html and 'class="backtest"' in html
    assert "holt_winters_yearly" not in html and "Seasonal, with a yearly pattern" in html
    assert 'id="rule-panel"' in html


def test_german_page_draws_the_chart_with_plain_numbers(manager_client, forecasts):
    """German decimal commas inside SVG coordinates ("232,0") pile the chart up in a corner."""
    import re

    html = manager_client.get(detail_url(forecasts["LOW-1@BER"]), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    chart = html[html.index('<svg id="forecast-chart"') : html.index("</svg>")]
    number = r"-?\d+(?:\.\d+)?"
    points = re.findall(r'\bpoints="([^"]*)"', chart)
    scalars = re.findall(r'\b(?:x|y|x1|x2|y1|y2|cx|cy|width|height)="([^"%]*)"', chart)
    assert points and scalars
    assert all(re.fullmatch(f"{number},{number}", pair) for value in points for pair in value.split())
    assert all(re.fullmatch(number, value) for value in scalars), scalars


def test_detail_of_unknown_forecast_is_404(manager_client, forecasts):
    assert manager_client.get(reverse("inventory:replenishment-detail", kwargs={"pk": 99999})).status_code == 404


def test_htmx_post_saves_the_rule_and_returns_only_the_panel(manager_client, manager_user, forecasts):
    forecast = forecasts["FULL-1@BER"]

    response = manager_client.post(
        detail_url(forecast),
        {"action": "save", "reorder_point": "6000", "target_level": "8000", "service_level": "0.95"},
        **HX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="rule-panel"')
    assert "<html" not in html
    rule = ReplenishmentRule.objects.get()
    assert (rule.reorder_point, rule.target_level, rule.source, rule.updated_by) == (
        6000,
        8000,
        RuleSource.MANUAL,
        manager_user,
    )
    assert "<strong>3000</strong>" in html.replace(".", "").replace(",", "")  # 8000 - 5000 available


def test_plain_post_redirects_back_to_the_page(manager_client, forecasts):
    forecast = forecasts["FULL-1@BER"]

    response = manager_client.post(
        detail_url(forecast), {"reorder_point": "1", "target_level": "2", "service_level": "0.9"}
    )

    assert response.status_code == 302 and response["Location"] == detail_url(forecast)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reorder_point": "10", "target_level": "5", "service_level": "0.95"}, "target_level"),
        ({"reorder_point": "-1", "target_level": "5", "service_level": "0.95"}, "reorder_point"),
        ({"reorder_point": "abc", "target_level": "5", "service_level": "0.95"}, "reorder_point"),
        ({"reorder_point": "1", "target_level": "5", "service_level": "1.2"}, "service_level"),
        ({"reorder_point": "1", "target_level": "5", "service_level": "NaN"}, "service_level"),
        ({"reorder_point": "", "target_level": "", "service_level": ""}, "reorder_point"),
    ],
)
def test_bad_rule_input_answers_422_with_the_error_and_saves_nothing(manager_client, forecasts, data, field):
    forecast = forecasts["LOW-1@BER"]

    partial = manager_client.post(detail_url(forecast), {"action": "save", **data}, **HX)
    full = manager_client.post(detail_url(forecast), {"action": "save", **data})

    assert partial.status_code == 422 and full.status_code == 422
    # The field with the problem is marked invalid and its error is listed right under it.
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', partial.content.decode())
    assert 'class="errorlist"' in partial.content.decode()
    assert partial.content.decode().lstrip().startswith('<section id="rule-panel"')
    assert "<html" in full.content.decode()
    assert not ReplenishmentRule.objects.exists()


def test_accepting_the_suggestion_sets_the_rule_from_it(manager_client, forecasts):
    forecast = forecasts["LOW-1@BER"]

    response = manager_client.post(detail_url(forecast), {"action": "accept"}, **HX, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    rule = ReplenishmentRule.objects.get()
    assert (rule.reorder_point, rule.target_level, rule.source) == (
        forecast.suggested_reorder_point,
        forecast.suggested_target,
        RuleSource.SUGGESTED,
    )
    assert "Accepted suggestion" in response.content.decode()


def test_list_and_detail_query_counts_do_not_grow_with_rows(manager_client, forecasts, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        manager_client.get(LIST)
    with django_assert_max_num_queries(12):
        manager_client.get(detail_url(forecasts["LOW-1@BER"]))


def test_replenishment_is_in_the_managers_navigation(manager_client):
    html = manager_client.get(reverse("reports-home")).content.decode()
    assert f'href="{LIST}"' in html


def test_detail_of_a_pair_without_any_demand_renders_an_empty_chart(manager_client):
    from inventory.services.replenishment import set_replenishment_rule

    warehouse, product = make_warehouse("BER"), make_product("NEW-1")
    set_replenishment_rule(product_id=product.pk, warehouse_id=warehouse.pk, reorder_point=3, target_level=9)
    recompute_forecasts(as_of=AS_OF)

    response = manager_client.get(detail_url(DemandForecast.objects.get()))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<svg id="forecast-chart"' in html and 'class="history"' not in html
    assert "<strong>9</strong>" in html  # nothing available: fill up to the rule's target


def test_german_page_shows_and_takes_the_service_level_with_a_decimal_comma(manager_client, forecasts):
    forecast = forecasts["FULL-1@BER"]

    html = manager_client.get(detail_url(forecast), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert re.search(r'<input type="text" name="service_level" value="0,95" inputmode="decimal"', html), html
    assert "0.950" not in html and "0,950" not in html

    response = manager_client.post(
        detail_url(forecast),
        {"action": "save", "reorder_point": "1", "target_level": "2", "service_level": "0,9"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 302
    assert str(ReplenishmentRule.objects.get().service_level) == "0.900"


def test_the_forecast_page_names_its_method_and_explains_wape_in_words(manager_client, forecasts):
    forecast = forecasts["LOW-1@BER"]

    html = manager_client.get(detail_url(forecast), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert forecast.method not in html  # holt_winters_yearly and friends are stored names
    assert forecast.method_label in html
    assert "weighted absolute percentage error" in html
    listing = manager_client.get(LIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<abbr title="Weighted absolute percentage error' in listing
