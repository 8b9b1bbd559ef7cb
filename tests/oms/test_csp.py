"""The Content-Security-Policy: sent on every answer, strict, and nothing in our templates needs it
relaxed. (Every page loading in Chromium without a violation is ``tests/browser/test_csp.py``.)"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
JS_URL = re.compile(r"""(href|action|hx-\w+)\s*=\s*["']\s*javascript:""", re.I)


def _directives(header: str) -> dict[str, list[str]]:
    parts = [part.strip().split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/docs/", "/api/schema/", "/zz-no-such-page/"])
def test_every_answer_carries_the_strict_policy(path):
    response = Client().get(path)

    directives = _directives(response["Content-Security-Policy"])
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        assert directives[directive] == ["'self'"], directive
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


def test_staff_pages_carry_the_policy_too(support_client):
    response = support_client.get("/support/")

    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_api_docs_page_has_no_inline_script():
    html = Client().get("/api/docs/").content.decode()

    assert "<script" in html
    assert not INLINE_SCRIPT.search(html), "Swagger UI must load its start script from a file"


def test_the_api_docs_start_script_is_a_file_served_as_javascript():
    html = Client().get("/api/docs/").content.decode()
    sources = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    own = [src for src in sources if "swagger-ui" not in src]

    assert own, sources
    response = Client().get(own[0])
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert b"SwaggerUIBundle" in response.content


def _template_files() -> list[Path]:
    """Every page template. Mail bodies (``mail/`` folders) are not pages: mail clients drop style
    sheets, so their styles are inline, and staff see them only in a sandboxed frame with a policy
    of its own (``oms.mail_views``)."""
    return sorted(p for d in TEMPLATE_DIRS for p in d.rglob("*.html") if "mail" not in p.relative_to(d).parts[:-1])


def test_the_template_search_finds_our_templates():
    names = {p.name for p in _template_files()}
    assert {"base.html", "503.html", "replenishment_detail.html"} <= names


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_no_template_needs_inline_script_or_style(path):
    text = path.read_text()

    assert not INLINE_STYLE.search(text), "style= attribute: use a class in static/css/oms.css"
    assert not STYLE_ELEMENT.search(text), "<style> element: put it in static/css/oms.css"
    assert not INLINE_SCRIPT.search(text), "inline <script>: load it from static/js/"
    assert not INLINE_HANDLER.search(text), "on...= handler: listen in static/js/oms.js"
    assert not JS_URL.search(text), "javascript: URL"


def test_the_csrf_cookie_is_out_of_reach_of_scripts():
    client = Client()
    client.get("/accounts/login/")

    assert client.cookies["csrftoken"]["httponly"]


def test_a_violation_report_is_logged_and_answered_with_no_content(caplog):
    report = {
        "csp-report": {
            "document-uri": "https://oms.example/support/",
            "violated-directive": "style-src-attr",
            "blocked-uri": "inline",
        }
    }
    with caplog.at_level(logging.WARNING, logger="oms.csp"):
        response = Client().post("/csp-report/", json.dumps(report), content_type="application/csp-report")

    assert response.status_code == 204
    assert "CSP violation on https://oms.example/support/: style-src-attr blocked inline" in caplog.text


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"csp-report": "x"}', b"\xff\xfe"])
def test_a_malformed_violation_report_is_refused_without_logging(body, caplog):
    with caplog.at_level(logging.WARNING, logger="oms.csp"):
        response = Client().post("/csp-report/", body, content_type="application/csp-report")

    assert response.status_code == 400
    assert "CSP violation" not in caplog.text


def test_an_oversized_violation_report_is_refused():
    body = json.dumps({"csp-report": {"document-uri": "x" * 20_000}})

    response = Client().post("/csp-report/", body, content_type="application/csp-report")

    assert response.status_code == 400


def test_the_report_endpoint_takes_only_post():
    assert Client().get("/csp-report/").status_code == 405
