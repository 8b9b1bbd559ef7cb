"""The dunning admin: reminders are shown read-only (a document the customer has), pauses too,
and the only change is the action that resumes dunning through the service."""

from __future__ import annotations

import datetime

import pytest

from billing.models import DunningNotice, DunningPause
from billing.services.dunning import pause_dunning, send_reminder_if_due
from orders.models import OrderEvent
from tests.billing.dunning_flows import at, invoice_issued_on

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2026, 11, 2)
REMINDED = ISSUED + datetime.timedelta(days=14 + 7)


@pytest.fixture
def reminded():
    invoice = invoice_issued_on(ISSUED)
    with at(REMINDED):
        notice = send_reminder_if_due(invoice_id=invoice.pk, today=REMINDED)
    assert notice is not None
    return notice


def test_admins_read_reminders_but_cannot_add_change_or_delete_them(admin_client_, reminded):
    listing = admin_client_.get("/admin/billing/dunningnotice/", {"q": reminded.invoice.number})
    assert listing.status_code == 200
    assert reminded.invoice.number in listing.content.decode()

    page = admin_client_.get(f"/admin/billing/dunningnotice/{reminded.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client_.get("/admin/billing/dunningnotice/add/").status_code == 403
    assert admin_client_.post(f"/admin/billing/dunningnotice/{reminded.pk}/delete/", {"post": "yes"}).status_code == 403
    before = DunningNotice.objects.values().get(pk=reminded.pk)
    admin_client_.post(f"/admin/billing/dunningnotice/{reminded.pk}/change/", {"fee": "99.00", "level": "3"})
    assert DunningNotice.objects.values().get(pk=reminded.pk) == before

    invoice_page = admin_client_.get(f"/admin/billing/invoice/{reminded.invoice.pk}/change/").content.decode()
    assert "Payment reminder" in invoice_page or "Zahlungserinnerung" in invoice_page


def test_the_resume_action_resumes_a_paused_dunning_through_the_service(admin_client_, reminded):
    invoice = reminded.invoice
    pause = pause_dunning(invoice=invoice, reason="Kunde bestreitet die Lieferung")
    listing = admin_client_.get("/admin/billing/dunningpause/").content.decode()
    assert "Kunde bestreitet die Lieferung" in listing
    assert admin_client_.get(f"/admin/billing/dunningpause/{pause.pk}/change/").status_code == 200
    assert admin_client_.get("/admin/billing/dunningpause/add/").status_code == 403

    response = admin_client_.post(
        "/admin/billing/dunningpause/",
        {"action": "resume", "_selected_action": [pause.pk]},
        follow=True,
    )

    assert response.status_code == 200
    pause.refresh_from_db()
    assert pause.resumed_at is not None and pause.resumed_by is not None
    assert not DunningPause.objects.filter(invoice=invoice, resumed_at__isnull=True).exists()
    assert OrderEvent.objects.filter(order=invoice.order, data__dunning_pause_id=pause.pk).count() == 2
    # Resuming again changes nothing: the action skips pauses already resumed.
    admin_client_.post("/admin/billing/dunningpause/", {"action": "resume", "_selected_action": [pause.pk]})
    assert OrderEvent.objects.filter(order=invoice.order, data__dunning_pause_id=pause.pk).count() == 2
