"""No entry point decodes a request body with a codec the client names in the Content-Type
``charset``: a decompressor or transform (bz2, zlib, base64, hex, rot13, …) is a JSON 415 before
anything reads the body, on pages, uploads and webhooks alike. (The JSON API accepts UTF-8 only:
tests/orders/test_api_request_bodies.py.)"""

from __future__ import annotations

import pytest

from oms.middleware import is_codec_but_no_charset

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
MULTIPART = b'--x\r\nContent-Disposition: form-data; name="username"\r\n\r\nanna\r\n--x--\r\n'
NON_CHARSETS = ["bz2", "zlib", "base64", "hex", "rot13", "uu", "quopri", "BZ2_codec"]


def test_the_codecs_that_are_no_character_sets():
    assert all(is_codec_but_no_charset(name) for name in NON_CHARSETS)
    assert not any(is_codec_but_no_charset(name) for name in ["utf-8", "UTF-8", "latin-1", "utf-16", "cp1252"])
    assert not is_codec_but_no_charset("no-such-charset")  # unknown: Django reads UTF-8


@pytest.mark.parametrize("charset", NON_CHARSETS)
def test_a_multipart_form_with_a_codec_as_charset_is_415_not_a_500(client, charset):
    response = client.generic(
        "POST", LOGIN, MULTIPART, content_type=f"multipart/form-data; boundary=x; charset={charset}"
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_charset"
    assert charset in response.json()["message"] and "UTF-8" in response.json()["message"]


def test_an_urlencoded_form_with_a_codec_as_charset_is_415(client):
    response = client.generic(
        "POST",
        LOGIN,
        b"username=anna&password=x",
        content_type="application/x-www-form-urlencoded; charset=bz2",
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert response.status_code == 415
    assert "kein Zeichensatz" in response.json()["message"]


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "latin-1"])
def test_forms_in_a_real_character_set_still_reach_the_page(client, charset):
    response = client.generic(
        "POST", LOGIN, MULTIPART, content_type=f"multipart/form-data; boundary=x; charset={charset}"
    )

    assert response.status_code != 415
    assert response.status_code < 500


def test_a_webhook_with_a_codec_as_charset_is_a_json_415_and_never_decoded(client):
    response = client.generic(
        "POST",
        "/webhooks/shopify/webshop/orders-create/",
        bytes.fromhex("425a683917724538509000000000"),  # an empty bz2 stream
        content_type="application/json; charset=bz2",
    )

    assert response.status_code == 415
    assert response["Content-Type"] == "application/json"
