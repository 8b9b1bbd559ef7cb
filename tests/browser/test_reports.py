"""The manager's morning look at the dashboard: changes the range, sees the charts drawn, drills
down to the orders behind a bar and downloads a table as CSV."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from reporting.services.rollups import rebuild_rollups
from tests.browser.conftest import login
from tests.reporting.world import channel, order_with_history

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_changes_the_range_sees_charts_drills_down_and_downloads_csv(browser_page, live_url, manager_user):
    web = channel("web")
    shipped = order_with_history(
        {
            "placed": "2026-03-02 09:00",
            "confirmed": "2026-03-02 09:30",
            "released": "2026-03-02 11:00",
            "picked": "2026-03-02 11:45",
            "shipped": "2026-03-02 13:10",
        },
        shop=web,
    )
    waiting = order_with_history({"placed": "2026-03-04 10:00"}, shop=web)
    rebuild_rollups()

    page = browser_page
    login(page, live_url, manager_user.username, f"pw-{manager_user.username}")
    page.goto(f"{live_url}/reports/")
    page.get_by_role("button", name="Dashboard").click()  # area entries are links styled as buttons
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()

    filters = page.get_by_role("search", name="Report filters")
    filters.get_by_label("From").fill("2026-03-01")
    filters.get_by_label("To").fill("2026-03-07")
    filters.get_by_role("button", name="Show").click()
    expect(page.get_by_text("Orders placed from 01/03/2026 to 07/03/2026.")).to_be_visible()
    assert "date_from=2026-03-01" in page.url

    bars = page.locator("#orders-chart rect.bar")
    expect(bars).to_have_count(2)  # 2 and 4 March
    assert float(bars.first.get_attribute("height")) > 0

    page.get_by_role("link", name="02.03.: 1", exact=True).click()
    expect(page.get_by_role("heading", name="Orders behind the figures")).to_be_visible()
    table = page.get_by_role("region", name="Orders")
    expect(table).to_contain_text(shipped.number)
    expect(table).not_to_contain_text(waiting.number)

    page.go_back()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV: Channel mix").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[1].startswith("Web;2;100,0;2;")

    # Inventory health: the units ordered per day are drawn (2 and 4 March), each bar a link to the orders.
    demand = page.locator("#demand-chart rect.bar")
    expect(demand).to_have_count(2)
    assert float(demand.first.get_attribute("height")) > 0
    expect(page.get_by_role("heading", name="Inventory health")).to_be_visible()
    expect(page.get_by_role("link", name="02.03.: 1 unit ordered")).to_be_visible()
