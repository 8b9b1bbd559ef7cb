"""A lost database connection is a clean 503, wherever in the request it happens; other errors a 500."""

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import path

from oms.urls import urlpatterns as root_patterns


def db_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


def plain_bug(request):
    raise ZeroDivisionError


urlpatterns = [
    path("support/broken/", db_gone),
    path("api/v1/broken/", db_gone),
    path("support/bug/", plain_bug),
    *root_patterns,
]
handler500 = "oms.views.server_error"


@pytest.fixture
def raw_client(settings):
    settings.ROOT_URLCONF = __name__
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_lost_database_gives_a_503_page_with_retry_after(raw_client):
    response = raw_client.get("/support/broken/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "briefly unavailable" in response.content.decode()


@pytest.mark.django_db
def test_lost_database_gives_json_in_the_api(raw_client):
    response = raw_client.get("/api/v1/broken/")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


@pytest.mark.django_db
def test_other_errors_are_a_plain_500(raw_client):
    response = raw_client.get("/support/bug/")
    assert response.status_code == 500
    assert b"Server error" in response.content
