"""Dates read the European way in both languages."""

import datetime
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import translation


def render_date(language: str) -> str:
    when = datetime.datetime(2026, 11, 3, 14, 5, tzinfo=ZoneInfo("Europe/Berlin"))
    with translation.override(language):
        return Template("{{ when|date:'SHORT_DATETIME_FORMAT' }}|{{ when|date }}").render(Context({"when": when}))


def test_english_uses_day_month_and_a_24_hour_clock():
    assert render_date("en") == "03/11/2026 14:05|3 Nov 2026"


def test_german_uses_its_own_format():
    assert render_date("de") == "03.11.2026 14:05|3. November 2026"
