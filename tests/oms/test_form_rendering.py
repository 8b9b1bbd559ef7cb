"""The project's form renderer writes the HTML Django's widget templates write, byte for byte."""

from __future__ import annotations

import datetime
import importlib
import inspect
import pkgutil
from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.safestring import mark_safe

from oms.form_rendering import FormRenderer

TEMPLATES = DjangoTemplates()
PYTHON = FormRenderer()


class Everything(forms.Form):
    text = forms.CharField(max_length=20, help_text="Hilfe", initial='Straße "4" <b>&</b>')
    number = forms.IntegerField(min_value=0, initial=1234567)
    amount = forms.DecimalField(decimal_places=2, initial=Decimal("1234.50"), localize=True)
    plain_amount = forms.DecimalField(decimal_places=2, initial=Decimal("1234.50"))
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), initial="x")
    hidden = forms.CharField(widget=forms.HiddenInput, initial=7)
    day = forms.DateField(initial=datetime.date(2026, 5, 1), widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(initial=datetime.datetime(2026, 5, 1, 10, 30, tzinfo=datetime.UTC))
    agree = forms.BooleanField(required=False, initial=True)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "data-x": mark_safe("<i>")}), initial="a\n<b>")
    empty_note = forms.CharField(widget=forms.Textarea, required=False)
    choice = forms.ChoiceField(
        choices=[("", "---"), (1, "eins & zwei"), ("Gruppe <G>", [(2, "zwei"), (3, mark_safe("<b>drei</b>"))])],
        initial=3,
    )
    many = forms.MultipleChoiceField(choices=[(1, "a"), (2, "b")], initial=[1, 2])
    flags = forms.CharField(
        widget=forms.TextInput(attrs={"autofocus": True, "disabled": False, "inputmode": "decimal"})
    )


def _forms_of_the_project() -> list[type[forms.BaseForm]]:
    found = []
    for config in apps.get_app_configs():
        if config.module.__name__.split(".")[0] not in {
            "oms",
            "orders",
            "inventory",
            "fulfillment",
            "billing",
            "returns",
            "reporting",
        }:
            continue
        for info in pkgutil.walk_packages(config.module.__path__, config.module.__name__ + "."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            try:
                module = importlib.import_module(info.name)
            except Exception:
                continue
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    found.append(cls)
    return found


def _both(form: forms.BaseForm) -> tuple[list[str], list[str]]:
    by_templates, by_python = [], []
    for name in form.fields:
        field = form[name]
        by_templates.append(_render(field, TEMPLATES))
        by_python.append(_render(field, PYTHON))
    return by_templates, by_python


def _render(bound: forms.BoundField, renderer) -> str:
    widget = bound.field.widget
    attrs = bound.build_widget_attrs({}, widget)
    if bound.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound.auto_id)
    return widget.render(name=bound.html_name, value=bound.value(), attrs=attrs, renderer=renderer)


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("bound", [False, True])
def test_every_kind_of_widget_is_written_as_its_template_writes_it(language, bound):
    data = {"text": "a<b", "number": "12", "choice": "2", "many": ["2"], "note": "x & y", "agree": "on"}
    with translation.override(language):
        form = Everything(data) if bound else Everything()
        by_templates, by_python = _both(form)

    assert by_python == by_templates


@pytest.mark.django_db
def test_every_form_of_the_project_that_builds_without_arguments_renders_the_same():
    compared = 0
    for cls in _forms_of_the_project():
        try:
            form = cls()
        except Exception:
            continue
        by_templates, by_python = _both(form)
        assert by_python == by_templates, cls
        compared += 1
    assert compared >= 10
