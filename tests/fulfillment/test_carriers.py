"""The carriers' data, seeded once, each carrier bound to its integration class."""

from __future__ import annotations

import pytest

from fulfillment.carriers import integration_for
from fulfillment.carriers.base import CarrierIntegration
from fulfillment.carriers.catalogue import CARRIERS, seed_carriers
from fulfillment.eta import WEEKDAYS_AND_SATURDAY
from fulfillment.models import Carrier, CarrierService, ServiceRate


@pytest.mark.django_db
def test_seeding_the_carriers_twice_changes_nothing_and_keeps_an_admins_secret():
    seed_carriers()
    dhl = Carrier.objects.get(code="dhl")
    dhl.webhook_secret = "set-by-admin"
    dhl.save()
    counts = (Carrier.objects.count(), CarrierService.objects.count(), ServiceRate.objects.count())
    seed_carriers()
    assert (Carrier.objects.count(), CarrierService.objects.count(), ServiceRate.objects.count()) == counts
    assert counts[0] == len(CARRIERS) == 5
    assert Carrier.objects.get(code="dhl").webhook_secret == "set-by-admin"
    for carrier in Carrier.objects.all():
        integration = integration_for(carrier)
        assert isinstance(integration, CarrierIntegration)
        assert carrier.tracking_url("X1").startswith("https://") and "X1" in carrier.tracking_url("X1")
    assert set(CarrierService.objects.get(carrier__code="dhl").delivery_weekdays) == WEEKDAYS_AND_SATURDAY
