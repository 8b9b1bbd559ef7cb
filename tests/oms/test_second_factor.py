"""Staff second factor: managers and admins give a code after their password before any page;
enrolment with a QR code, recovery codes that work once, wrong codes refused and counted by the
lockout, the reset by an admin, and ``second_factor_required`` for any role."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.admin.models import LogEntry
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from oms import second_factor
from oms.roles import Role
from tests.logins import authenticator_for, login_as, totp_code, verified_login

pytestmark = pytest.mark.django_db

VERIFY = "/accounts/two-factor/verify/"
SETUP = "/accounts/two-factor/setup/"
CODES = "/accounts/two-factor/recovery-codes/"


def _path_and_next(response) -> tuple[str, str]:
    parts = urlsplit(response["Location"])
    return parts.path, parse_qs(parts.query).get("next", [""])[0]


def _enrol(client, user) -> tuple[TOTPDevice, list[str]]:
    """Enrol through the pages: open the set-up page, type the app's code, read the codes."""
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    client.post(SETUP, {"code": totp_code(device), "next": "/reports/"})
    page = client.get(CODES)
    codes = list(page.context["codes"])
    return device, codes


@pytest.mark.parametrize("path", ["/reports/", "/admin/", "/support/"])
def test_a_manager_or_admin_without_a_device_is_sent_to_enrolment_from_every_page(client, admin_user, path):
    client.force_login(admin_user)

    response = client.get(path)

    assert response.status_code == 302
    assert _path_and_next(response) == (SETUP, path)


def test_a_manager_with_a_device_is_sent_to_verification_and_back_to_the_page_asked_for(client, manager_user):
    device = authenticator_for(manager_user)
    client.force_login(manager_user)

    response = client.get("/reports/replenishment/?q=x")
    assert _path_and_next(response) == (VERIFY, "/reports/replenishment/?q=x")
    answer = client.post(VERIFY, {"code": totp_code(device), "next": "/reports/replenishment/?q=x"})

    assert answer.status_code == 302 and answer["Location"] == "/reports/replenishment/?q=x"
    assert client.get("/reports/").status_code == 200


def test_the_password_login_of_a_manager_leads_to_the_verification_step(client, manager_user):
    authenticator_for(manager_user)

    response = client.post("/accounts/login/", {"username": "chefin", "password": "pw-chefin"}, follow=True)

    assert response.redirect_chain[-1][0].startswith(VERIFY)
    assert b"authenticator app" in response.content or "Authenticator-App" in response.content.decode()
    assert client.get("/reports/").status_code == 302


def test_support_and_warehouse_staff_work_without_a_second_factor(client, support_user):
    client.force_login(support_user)

    assert client.get("/support/").status_code == 200


def test_support_staff_who_enrolled_are_asked_for_it_at_the_next_login(client, support_user):
    authenticator_for(support_user)
    client.force_login(support_user)

    response = client.get("/support/")

    assert _path_and_next(response) == (VERIFY, "/support/")


def test_an_unverified_session_gets_json_from_the_api(client, manager_user):
    client.force_login(manager_user)

    response = client.get("/api/v1/orders/")

    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"


def test_htmx_requests_are_sent_to_verification_as_a_whole_page(client, manager_user):
    authenticator_for(manager_user)
    client.force_login(manager_user)

    response = client.get("/reports/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/reports/"})

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{VERIFY}?next=%2Freports%2F"


@pytest.mark.time_machine(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_a_wrong_code_is_refused_and_the_session_stays_unverified(client, manager_user, time_machine):
    device = authenticator_for(manager_user)
    client.force_login(manager_user)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"

    response = client.post(VERIFY, {"code": wrong, "next": "/reports/"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 422
    assert "That code is not right" in response.content.decode()
    assert client.get("/reports/").status_code == 302
    time_machine.shift(datetime.timedelta(seconds=2))  # each wrong code makes the next one wait
    assert client.post(VERIFY, {"code": totp_code(device), "next": "/reports/"}).status_code == 302
    assert client.get("/reports/").status_code == 200


def test_right_after_a_wrong_code_even_the_right_one_must_wait(client, manager_user):
    device = authenticator_for(manager_user)
    client.force_login(manager_user)
    client.post(VERIFY, {"code": "000000x"})
    client.post(VERIFY, {"code": f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"})

    response = client.post(VERIFY, {"code": totp_code(device)}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 422
    assert "Too many wrong codes" in response.content.decode()
    assert client.get("/reports/").status_code == 302


def test_a_code_is_accepted_once(client, manager_user):
    device = authenticator_for(manager_user)
    code = totp_code(device)
    verified_by = second_factor.verify_second_factor(manager_user, code=code)

    assert verified_by.pk == device.pk
    with pytest.raises(second_factor.SecondFactorError):
        second_factor.verify_second_factor(manager_user, code=code)


def test_enrolment_shows_a_qr_code_and_confirms_with_the_apps_code(client, manager_user):
    client.force_login(manager_user)

    page = client.get(SETUP, HTTP_ACCEPT_LANGUAGE="en")
    device = TOTPDevice.objects.get(user=manager_user, confirmed=False)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "<path" in html and "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert second_factor.secret_for_typing(device) in html
    assert client.get(SETUP).content.decode().count(second_factor.secret_for_typing(device)) == 1  # same key

    answer = client.post(SETUP, {"code": totp_code(device), "next": "/reports/"})

    assert _path_and_next(answer) == (CODES, "/reports/")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/reports/").status_code == 200


def test_enrolment_refuses_a_wrong_code_and_turns_nothing_on(client, manager_user):
    client.force_login(manager_user)
    client.get(SETUP)

    response = client.post(SETUP, {"code": "123"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 422
    assert "That code is not right" in response.content.decode()
    assert not second_factor.has_second_factor(manager_user)
    assert client.get("/reports/").status_code == 302


def test_recovery_codes_are_shown_once(client, manager_user):
    client.force_login(manager_user)
    _device, codes = _enrol(client, manager_user)

    assert len(codes) == second_factor.RECOVERY_CODE_COUNT
    again = client.get(CODES)
    assert again.context["codes"] is None
    assert not any(code in again.content.decode() for code in codes)


def test_a_recovery_code_works_once(client, manager_user):
    enrolling = client.__class__()
    enrolling.force_login(manager_user)
    _device, codes = _enrol(enrolling, manager_user)
    client.force_login(manager_user)

    first = client.post(VERIFY, {"code": codes[0].upper(), "next": "/reports/"})

    assert first.status_code == 302 and first["Location"] == "/reports/"
    assert client.get("/reports/").status_code == 200
    other = client.__class__()
    other.force_login(manager_user)
    assert other.post(VERIFY, {"code": codes[0]}).status_code == 422
    assert StaticToken.objects.filter(device__user=manager_user).count() == second_factor.RECOVERY_CODE_COUNT - 1


def test_new_recovery_codes_replace_the_old_ones(client, manager_user):
    verified_login(client, manager_user)
    old = second_factor.replace_recovery_codes(manager_user)

    client.post(CODES, {"next": "/reports/"})
    new = client.get(CODES).context["codes"]

    assert set(new).isdisjoint(old)
    assert set(StaticToken.objects.filter(device__user=manager_user).values_list("token", flat=True)) == set(new)


def test_replacing_a_device_needs_the_current_one(client, manager_user):
    authenticator_for(manager_user)
    client.force_login(manager_user)

    response = client.get(SETUP)

    assert _path_and_next(response)[0] == VERIFY
    assert not TOTPDevice.objects.filter(user=manager_user, confirmed=False).exists()


def test_a_new_phone_replaces_the_old_device(client, manager_user):
    old = authenticator_for(manager_user)
    verified_login(client, manager_user)

    _new, _codes = _enrol(client, manager_user)

    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert TOTPDevice.objects.filter(user=manager_user, confirmed=True).count() == 1


@pytest.mark.time_machine(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_wrong_codes_count_as_failed_logins_and_lock_the_username_out(client, settings, manager_user, time_machine):
    settings.AXES_FAILURE_LIMIT = 3
    authenticator_for(manager_user)
    client.post("/accounts/login/", {"username": "chefin", "password": "pw-chefin"})
    for _ in range(3):
        time_machine.shift(datetime.timedelta(minutes=1))  # past the device's own wait
        response = client.post(VERIFY, {"code": "99999x"})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    locked = client.post("/accounts/login/", {"username": "chefin", "password": "pw-chefin"})
    assert locked.status_code == 429


def test_wrong_passwords_still_lock_a_manager_out(client, settings, manager_user):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/accounts/login/", {"username": "chefin", "password": "wrong"})

    response = client.post("/accounts/login/", {"username": "chefin", "password": "pw-chefin"})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_admin_resets_a_lost_device_and_the_manager_enrols_again(client, admin_user, manager_user):
    manager = client.__class__()
    verified_login(manager, manager_user)
    second_factor.replace_recovery_codes(manager_user)
    login_as(client, admin_user)
    changelist = reverse("admin:oms_staffsecondfactor_changelist")
    assert "chefin" in client.get(changelist).content.decode()

    response = client.post(changelist, {"action": "reset", "_selected_action": [manager_user.pk]}, follow=True)

    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=manager_user).exists()
    assert not StaticToken.objects.filter(device__user=manager_user).exists()
    assert LogEntry.objects.filter(object_id=str(manager_user.pk), change_message__contains="reset").exists()
    assert _path_and_next(manager.get("/reports/")) == (SETUP, "/reports/")


def test_the_admin_shows_no_device_secrets(client, admin_user):
    login_as(client, admin_user)

    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
    change = reverse("admin:oms_staffsecondfactor_change", args=[admin_user.pk])
    page = client.get(change).content.decode()
    assert authenticator_for(admin_user).key not in page


@pytest.mark.parametrize("role", [Role.WAREHOUSE, Role.SUPPORT])
def test_second_factor_required_asks_any_role_for_it(role, users_by_role):
    calls = []

    @second_factor.second_factor_required
    def gdpr_action(request):
        calls.append(request)
        return HttpResponse("done")

    user = users_by_role[role]
    request = RequestFactory().get("/support/customers/1/export/")
    request.user = user
    request.user.is_verified = lambda: False
    request.session = {}

    refused = gdpr_action(request)
    request.user.is_verified = lambda: True
    allowed = gdpr_action(request)

    assert refused.status_code == 302 and _path_and_next(refused) == (SETUP, "/support/customers/1/export/")
    assert allowed.status_code == 200 and len(calls) == 1


def test_the_pages_speak_german(client, manager_user):
    client.force_login(manager_user)

    page = client.get(SETUP, HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "Zwei-Faktor-Authentifizierung einrichten" in page


# Empty, NUL bytes, far too long, a bidi override, injection, signs and exponents, full-width digits.
HOSTILE_CODES = ["", " ", "\x00", "12\x0034", "x" * 10_000, "\u202e123456", "' OR 1=1 --", "-1", "1e6"]
HOSTILE_CODES.append("\uff11\uff12\uff13")


@pytest.mark.parametrize("path", [VERIFY, SETUP])
def test_hostile_codes_are_refused_with_a_message_never_a_server_error(client, manager_user, path):
    if path == VERIFY:
        authenticator_for(manager_user)
    client.force_login(manager_user)
    client.get(path)

    for code in HOSTILE_CODES:
        response = client.post(path, {"code": code, "next": "https://evil.example/"})
        assert response.status_code == 422, (code[:20], response.status_code)
    response = client.post(path, {"code": ["123456", "654321"]})

    assert response.status_code == 422
    assert client.get("/reports/").status_code == 302


def test_next_never_leads_off_the_site(client, manager_user):
    device = authenticator_for(manager_user)
    client.force_login(manager_user)

    response = client.post(VERIFY, {"code": totp_code(device), "next": "https://evil.example/reports/"})

    assert response.status_code == 302 and response["Location"] == "/"


def test_the_mixin_asks_class_based_views_for_the_second_factor(support_user):
    from django.views import View

    class ErasureView(second_factor.SecondFactorRequiredMixin, View):
        def get(self, request):
            return HttpResponse("erased")

    request = RequestFactory().get("/support/customers/1/erase/")
    request.user = support_user
    request.user.is_verified = lambda: False
    refused = ErasureView.as_view()(request)
    request.user.is_verified = lambda: True
    allowed = ErasureView.as_view()(request)

    assert refused.status_code == 302 and _path_and_next(refused)[0] == SETUP
    assert allowed.status_code == 200


def _closed_routes():
    from oms.middleware import SecondFactorMiddleware
    from tests.security.urlmap import all_routes

    return [
        r
        for r in all_routes()
        if r.path.startswith(("/warehouse/", "/support/", "/reports/", "/documents/", "/admin/"))
        and r.name not in SecondFactorMiddleware.OPEN_VIEWS
    ]


@pytest.mark.parametrize("route", _closed_routes(), ids=lambda r: r.route)
def test_no_staff_or_admin_page_opens_to_an_admin_without_a_second_factor(route, client, admin_user):
    client.force_login(admin_user)

    for response in (client.get(route.path), client.post(route.path, {})):
        assert response.status_code == 302, (route.path, response.status_code)
        assert _path_and_next(response) == (SETUP, route.path)
