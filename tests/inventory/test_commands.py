from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from inventory.models import StockLevel
from inventory.services.stock import receive_stock

pytestmark = pytest.mark.django_db


def test_check_stock_ledger_passes_and_finds_a_tampered_level(product, warehouse):
    receive_stock(product=product, warehouse=warehouse, quantity=4)
    out = io.StringIO()
    call_command("check_stock_ledger", stdout=out)
    assert "balances" in out.getvalue()

    StockLevel.objects.filter(product=product).update(on_hand=5)  # bypassing the services
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_stock_ledger", stdout=out, stderr=err)
    assert f"{product.sku} @ LEJ: on_hand 5, ledger 4" in err.getvalue()
