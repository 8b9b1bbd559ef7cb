"""How the JSON API reads a request body, through HTTP as an outside probe sent it: UTF-8 only
(no codec a client names, no decompression bomb), within the body limit, duplicate keys refused."""

# Fixtures come from tests/orders/api_fixtures.py by import; pytest injects them by parameter name.
# ruff: noqa: F811

from __future__ import annotations

import base64
import bz2
import codecs
import json
import tracemalloc
import uuid
import zlib

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from oms.api_parsers import StrictJSONParser
from orders.models import IdempotencyKey, Order
from tests.orders.api_fixtures import (  # noqa: F401  (fixtures)
    api,
    api_key,
    channel,
    products,
)
from tests.orders.test_api import URL, order_body

pytestmark = pytest.mark.django_db

# 212 bytes of bz2 that inflate to a 200 MiB JSON document ({"notes": "aaaa…"}), the size of the
# probe's body: bz2.compress(b'{"notes": "' + b"a" * 200 * 2**20 + b'"}', 9).
BZ2_BOMB = bytes.fromhex(
    "425a6839314159265359840907df057e391980d000001022018c0800082000508069a6813554d191931ee37e5c51"
    "5012d42920aab9def7cd6a45404bf314159265359c26d2af3015f8e0100a0000008200030804d4642a025a90a80"
    "97314159265359c26d2af3015f8e0100a0000008200030804d4642a025a90a8097314159265359c26d2af3015f8e"
    "0100a0000008200030804d4642a025a90a809731415926535974dda58300c80e11c09000200000020040000820005"
    "066802950f53da94022d892052370a8045f177245385090aa4a71cd0"
)


def _zlib_bomb() -> bytes:
    """About 32 KB of zlib that inflate to a 32 MiB JSON document."""
    return zlib.compress(b'{"notes": "' + b"a" * (32 * 2**20) + b'"}', 9)


def _inflates_past_the_body_limit(decompressor, body: bytes) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return len(decompressor.decompress(body, limit + 1)) > limit


def send(client, body: bytes, content_type: str, *, url: str = URL, **extra):
    """POST the bytes exactly as given (the test client's post() would re-encode them)."""
    headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())} if url == URL else {}
    return client.generic(
        "POST", url, body, content_type=content_type, **{"HTTP_ACCEPT_LANGUAGE": "en", **headers, **extra}
    )


def _valid_order() -> bytes:
    return json.dumps(order_body()).encode()


def test_the_bombs_are_real():
    """Control: the bodies below are small and really inflate past the body limit."""
    assert len(BZ2_BOMB) < 400 and len(_zlib_bomb()) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert _inflates_past_the_body_limit(bz2.BZ2Decompressor(), BZ2_BOMB)
    assert _inflates_past_the_body_limit(zlib.decompressobj(), _zlib_bomb())


@pytest.mark.parametrize(
    ("charset", "body"),
    [
        ("bz2", BZ2_BOMB),
        ("zlib", None),  # the zlib bomb, built in the test
        ("rot13", codecs.encode(_valid_order().decode(), "rot13").encode()),
        ("base64", base64.b64encode(_valid_order())),
        ("hex", _valid_order().hex().encode()),
        ("utf-16", _valid_order().decode().encode("utf-16")),
        ("latin-1", _valid_order()),
        ("no-such-codec", _valid_order()),
        ("", _valid_order()),
    ],
)
def test_a_body_in_any_charset_but_utf8_is_415_and_stores_nothing(api, products, charset, body):
    response = send(api, body if body is not None else _zlib_bomb(), f"application/json; charset={charset}")

    assert response.status_code == 415, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "unsupported_charset"
    assert "UTF-8" in response.json()["message"]
    assert not Order.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_the_415_says_which_charset_was_refused_in_the_clients_language(api, products):
    response = send(api, _valid_order(), "application/json; charset=ISO-8859-1", HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 415
    assert response.json()["message"] == (
        "JSON-Inhalte müssen UTF-8 sein: Senden Sie Content-Type application/json ohne charset oder mit "
        "charset=utf-8, nicht „iso-8859-1“."
    )


@pytest.mark.parametrize("charset", ["bz2", "zlib"])
def test_a_decompression_bomb_never_costs_more_memory_than_the_body_limit(api, products, charset):
    body = BZ2_BOMB if charset == "bz2" else _zlib_bomb()
    send(api, b"{}", "application/json")  # warm up: imports, translations, the URL resolver
    tracemalloc.start()
    try:
        response = send(api, body, f"application/json; charset={charset}")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert response.status_code == 415
    # The old parser inflated the body in memory (200 MiB for bz2, 32 MiB for zlib).
    assert peak < 2 * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 4 * 2**20, f"peak {peak / 2**20:.1f} MiB"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=UTF-8",
        'application/json; charset="utf-8"',
        "application/json;charset=Utf-8",
    ],
)
def test_utf8_with_or_without_its_charset_is_accepted(api, products, content_type):
    body = json.dumps(order_body(customer={"email": "elias@example.de", "name": "Elias Müller"}), ensure_ascii=False)

    response = send(api, body.encode(), content_type)

    assert response.status_code == 201, response.content[:500]
    assert response.json()["customer"]["name"] == "Elias Müller"


def test_a_byte_order_mark_is_tolerated_and_invalid_utf8_is_a_400_naming_the_byte(api, products):
    assert send(api, codecs.BOM_UTF8 + _valid_order(), "application/json").status_code == 201

    response = send(api, b'{"external_id": "A\xe4B"}', "application/json; charset=utf-8")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "UTF-8" in response.json()["message"]


def test_a_rot13_or_base64_body_sent_as_utf8_is_just_malformed_json(api, products):
    for body in (codecs.encode(_valid_order().decode(), "rot13").encode(), base64.b64encode(_valid_order())):
        response = send(api, body, "application/json")

        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"
    assert not Order.objects.exists()


def test_the_cancel_endpoint_refuses_other_charsets_too(api, products):
    number = send(api, _valid_order(), "application/json").json()["number"]

    response = send(api, BZ2_BOMB, "application/json; charset=bz2", url=f"{URL}{number}/cancel/")

    assert response.status_code == 415
    assert Order.objects.get(number=number).state != "cancelled"


def _api_views(patterns=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "cls", None)
            if view_class is not None and issubclass(view_class, APIView):
                yield view_class


def test_every_api_view_parses_bodies_with_the_strict_utf8_parser():
    """No API entry point keeps DRF's JSONParser (which decodes with the client's charset)."""
    views = list(_api_views())
    assert len(views) >= 5  # control: the walk finds the API
    for view_class in views:
        for parser in view_class.parser_classes:
            assert issubclass(parser, StrictJSONParser), (view_class, parser)


# --- duplicate keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('{"external_id": "A-1", "external_id": "A-2"}', "external_id"),
        ('{"customer": {"email": "a@example.com", "email": "b@example.com"}}', "email"),
        ('{"lines": [{"sku": "MUG-WHT", "quantity": 1, "quantity": 100}]}', "quantity"),
    ],
    ids=["top-level", "nested-object", "in-a-list"],
)
def test_a_key_given_twice_is_400_naming_the_key_and_stores_nothing(api, products, body, key):
    response = send(api, body.encode(), "application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "duplicate_key"
    assert f"“{key}”" in response.json()["message"]
    assert not Order.objects.exists()


def test_a_whole_order_with_one_duplicated_total_is_refused_not_the_last_one_taken(api, products):
    text = _valid_order().decode()
    twice = text[:-1] + ', "total": "0.01"}'

    response = send(api, twice.encode(), "application/json")

    assert response.status_code == 400
    assert "“total”" in response.json()["message"]
    assert not Order.objects.exists()


def test_cancel_refuses_a_duplicated_reason(api, products):
    number = send(api, _valid_order(), "application/json").json()["number"]

    response = send(api, b'{"reason": "a", "reason": "b"}', "application/json", url=f"{URL}{number}/cancel/")

    assert response.status_code == 400
    assert response.json()["code"] == "duplicate_key"
    assert Order.objects.get(number=number).state != "cancelled"


def test_an_unpaired_surrogate_escape_is_a_400_not_a_500(api, products):
    body = json.dumps(order_body(notes="x")).replace('"x"', '"Anna\\ud800"')

    response = send(api, body.encode(), "application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not Order.objects.exists()


def test_a_valid_surrogate_pair_escape_is_one_character(api, products):
    body = json.dumps(order_body(notes="x")).replace('"x"', '"Danke \\ud83d\\ude00"')

    response = send(api, body.encode(), "application/json")

    assert response.status_code == 201, response.content[:300]
    assert Order.objects.get().customer_note == "Danke \U0001f600"
