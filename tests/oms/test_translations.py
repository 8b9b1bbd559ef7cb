"""The German catalogue is complete and well-formed, and pages render in the visitor's language.

The catalogue is parsed with Babel (no system gettext needed). The page tests compile the committed
.po into a temporary LOCALE_PATHS, as ``make messages`` does, so they test what is committed and do
not depend on a stale .mo in the checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse

from tests.inventory.screens import make_product, make_warehouse, put_stock

LOCALE = Path(settings.BASE_DIR) / "locale"
DE_PO = LOCALE / "de" / "LC_MESSAGES" / "django.po"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"

# %(name)s / %(n)+d / %s / %% (python-format), {name} (brace format) and HTML tags must survive.
PLACEHOLDER = re.compile(
    r"%\(\w+\)[-+ #0]*\d*[sdifr]|%[sdif]|%%|\{\w*\}|</?(?:a|abbr|b|br|code|em|i|kbd|p|small|span|strong)\b"
)


def _catalog(path: Path):
    with path.open("rb") as fileobj:
        return read_po(fileobj)


def _messages(catalog):
    return [message for message in catalog if message.id]


def _forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def _label(message) -> str:
    where = ", ".join(f"{name}:{line}" for name, line in message.locations[:2])
    return f"{message.id!r} ({where})"


def test_german_catalogue_has_no_untranslated_or_fuzzy_entries():
    catalog = _catalog(DE_PO)
    messages = _messages(catalog)

    untranslated = [_label(m) for m in messages if not all(form.strip() for form in _forms(m))]
    fuzzy = [_label(m) for m in messages if m.fuzzy]

    assert len(messages) > 500, "the catalogue looks truncated"
    assert untranslated == [], f"{len(untranslated)} untranslated: {untranslated[:20]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy: {fuzzy[:20]}"
    assert not catalog.fuzzy, "the header is marked fuzzy"
    assert str(catalog.locale) == "de"


def test_german_plural_entries_have_both_forms():
    plurals = [m for m in _messages(_catalog(DE_PO)) if m.pluralizable]

    assert plurals, "the catalogue has no plural entries to check"
    for message in plurals:
        assert len(message.string) == 2 and all(message.string), _label(message)


def test_german_translations_keep_every_placeholder_and_html_tag():
    """A lost or renamed %(name)s turns into a KeyError (a 500) when the message is formatted."""
    broken = []
    for message in _messages(_catalog(DE_PO)):
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        for index, form in enumerate(_forms(message)):
            source = sources[min(index, len(sources) - 1)]
            if sorted(PLACEHOLDER.findall(form)) != sorted(PLACEHOLDER.findall(source)):
                broken.append((source, form))

    assert broken == []


def test_english_catalogue_exists_for_the_same_strings():
    german = {(m.id, m.context) for m in _messages(_catalog(DE_PO))}
    english = {(m.id, m.context) for m in _messages(_catalog(EN_PO))}

    assert english == german, "run `make translations`: the catalogues were extracted at different times"


def test_every_translatable_string_in_the_code_is_in_the_catalogues(tmp_path):
    """Extracts the strings as ``make translations`` does, from a copy of the project, and compares
    them with the committed catalogues: a string missing there stays English on German pages, one
    left over is dead weight for translators."""
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    shutil.copytree(
        root,
        copy,
        ignore=shutil.ignore_patterns(".git", ".venv", "var", "media", "vendor", "__pycache__", "*.mo", "node_modules"),
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "oms.settings", "DJANGO_DEBUG": "true", "OMS_DEMO_MODE": "true"}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "de", "--no-obsolete", "--ignore=var"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"makemessages failed (is gettext installed?): {result.stderr[-2000:]}"
    extracted = {
        (m.id if isinstance(m.id, str) else m.id[0], m.context)
        for m in _messages(_catalog(copy / "locale" / "de" / "LC_MESSAGES" / "django.po"))
    }
    committed = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in _messages(_catalog(DE_PO))}

    assert sorted(extracted - committed) == [], (
        "strings missing from the catalogues: run `make translations` and translate them"
    )
    assert sorted(committed - extracted) == [], "strings no longer in the code: run `make translations`"


# --- rendered pages -------------------------------------------------------------------------------


@pytest.fixture
def compiled_locale(settings, tmp_path):
    """The committed .po files, compiled with Babel into a fresh LOCALE_PATHS entry."""
    for language, po in (("de", DE_PO), ("en", EN_PO)):
        target = tmp_path / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "django.mo").open("wb") as fileobj:
            write_mo(fileobj, _catalog(po))
    # Changing LOCALE_PATHS makes Django drop its cached translations (setting_changed).
    settings.LOCALE_PATHS = [tmp_path]
    return tmp_path


@pytest.mark.django_db
def test_login_page_is_german_for_a_german_browser_and_english_for_an_english_one(client, compiled_locale):
    german = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    english = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()

    assert '<html lang="de"' in german
    assert "Anmelden" in german and "Benutzername" in german and "Passwort" in german
    assert "Username" not in german
    assert '<html lang="en"' in english
    assert "Log in" in english and "Username" in english
    assert "Benutzername" not in english


@pytest.mark.django_db
def test_failed_login_explains_in_german(client, compiled_locale, django_user_model):
    django_user_model.objects.create_user("lager", password="richtig-1234")

    response = client.post(reverse("login"), {"username": "lager", "password": "falsch"}, HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 200
    assert "Benutzername und Passwort stimmen nicht überein." in response.content.decode()


@pytest.mark.django_db
def test_stock_pages_and_form_errors_are_german(warehouse_client, compiled_locale):
    berlin = make_warehouse("BER", priority=1)
    mug = make_product("MUG-001", "Emaillebecher")
    put_stock(mug, berlin, 7)

    overview = warehouse_client.get(reverse("inventory:stock-list"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    refused = warehouse_client.post(
        reverse("inventory:stock-adjust", kwargs={"sku": mug.sku}),
        {"adjust-warehouse": berlin.pk, "adjust-quantity": 0, "adjust-reason": "x"},
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert "Bestand je Artikel" in overview and "Abmelden" in overview
    assert "Stock per product" not in overview
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "Mengenänderung: Geben Sie eine Zahl ungleich 0 ein." in page
    assert "Der Bestand wurde nicht geändert" in page


def test_translation_functions_are_called_by_names_makemessages_finds():
    """``makemessages`` (xgettext) finds strings only in calls of ``_`` and the real function
    names (``gettext_lazy``, ``ngettext``, ...). A string passed to an alias such as
    ``_lazy = gettext_lazy`` never reaches the catalogue and stays English on German pages."""
    root = Path(settings.BASE_DIR)
    alias = re.compile(r"from django\.utils\.translation import .*\b(\w*gettext\w*) as (?!_\b)(\w+)")
    found = [
        f"{path.relative_to(root)}: {m.group(1)} as {m.group(2)}"
        for app in ("oms", "inventory", "orders", "fulfillment", "billing", "returns", "reporting")
        for path in (root / app).rglob("*.py")
        for m in alias.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
