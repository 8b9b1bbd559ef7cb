"""Areas answer by role: anonymous -> login, wrong role -> 403, own role -> 200."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from oms.roles import Role
from tests.logins import login_as

pytestmark = pytest.mark.django_db

AREAS = {
    "/warehouse/": {Role.WAREHOUSE, Role.ADMIN},
    "/support/": {Role.SUPPORT, Role.ADMIN},
    "/reports/": {Role.MANAGER, Role.ADMIN},
    "/admin/": {Role.ADMIN},
}


@pytest.mark.parametrize("path", list(AREAS))
def test_anonymous_visitors_are_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("path", list(AREAS))
@pytest.mark.parametrize("role", list(Role))
def test_each_area_admits_exactly_its_roles(client, users_by_role, path, role):
    login_as(client, users_by_role[role])
    response = client.get(path)
    assert response.status_code == (200 if role in AREAS[path] else 403)


@pytest.mark.parametrize("path", ["/warehouse/", "/support/", "/reports/"])
def test_area_home_pages_only_read(client, admin_user, path):
    """A home page changes nothing, so a POST to it is refused (405) instead of showing the page."""
    login_as(client, admin_user)
    response = client.post(path, {"anything": "1"})
    assert response.status_code == 405
    assert response["Allow"] == "GET"


def test_a_user_without_any_role_gets_403_everywhere_and_a_hint_at_home(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x")
    login_as(client, user)
    for path in AREAS:
        assert client.get(path).status_code == 403
    assert "no role yet" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_single_role_user_lands_in_their_area(client, warehouse_user):
    login_as(client, warehouse_user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == "/warehouse/"


def test_navigation_shows_only_own_areas(client, support_user):
    login_as(client, support_user)
    html = client.get("/support/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/support/"' in html
    assert 'href="/warehouse/"' not in html
    assert 'href="/admin/"' not in html


def test_role_groups_exist_after_migrate_and_get_granted_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    admin_perms = Permission.objects.filter(group__name=Role.ADMIN).values_list("codename", flat=True)
    assert "view_outboxmessage" in admin_perms


def test_failed_logins_lock_the_username_out(client, settings, support_user):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/accounts/login/", {"username": support_user.username, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": support_user.username, "password": "pw-agent"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.time_machine(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_a_locked_out_username_may_log_in_again_after_the_cool_off(client, settings, support_user, time_machine):
    settings.AXES_FAILURE_LIMIT = 3
    credentials = {"username": support_user.username, "password": "pw-agent"}
    for _ in range(3):
        client.post("/accounts/login/", {**credentials, "password": "wrong"})

    # Trying during the lockout (even with the right password) starts the cool-off again.
    time_machine.shift(settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1))
    assert client.post("/accounts/login/", credentials).status_code == 429
    time_machine.shift(settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1))
    assert client.post("/accounts/login/", credentials).status_code == 429
    time_machine.shift(settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1))
    response = client.post("/accounts/login/", credentials)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(support_user.pk)


def test_correct_login_works_before_lockout(client, support_user):
    response = client.post("/accounts/login/", {"username": support_user.username, "password": "pw-agent"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(support_user.pk)
