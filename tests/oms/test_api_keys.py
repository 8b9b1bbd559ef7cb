import pytest
from rest_framework.test import APIRequestFactory

from oms.api import ApiKeyAuthentication
from oms.api_keys import create_api_key, key_for_raw, revoke_api_key
from oms.models import ApiKey

pytestmark = pytest.mark.django_db


def test_a_created_key_authenticates_and_only_its_hash_is_stored():
    key, raw = create_api_key(channel_code="webshop", name="Shop")
    assert raw.startswith(f"oms_{key.prefix}.")
    assert raw.split(".", 1)[1] not in key.hashed_key
    assert key_for_raw(raw) == key


@pytest.mark.parametrize("raw", ["", "oms_", "oms_abc.def", "nonsense", "oms_12345678.", "oms_12345678.wrong"])
def test_malformed_or_wrong_keys_are_refused_without_error(raw):
    create_api_key(channel_code="webshop", name="Shop")
    assert key_for_raw(raw) is None


def test_a_revoked_key_no_longer_authenticates():
    key, raw = create_api_key(channel_code="webshop", name="Shop")
    revoke_api_key(key)
    assert key_for_raw(raw) is None


def test_authentication_class_sets_the_key_as_request_auth():
    key, raw = create_api_key(channel_code="marketplace", name="Marketplace")
    request = APIRequestFactory().get("/api/v1/stock/", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    user, auth = ApiKeyAuthentication().authenticate(request)
    assert auth == key
    assert user.username == "api:marketplace"
    assert ApiKey.objects.get(pk=key.pk).last_used_at is not None
