"""The project's form renderer: Django's ``DjangoTemplates`` renderer, with the everyday widgets
(inputs, selects, text areas) written out in Python instead of through their templates.

Rendering a widget through its template (and the ``attrs.html`` and option templates it
includes) cost more than a millisecond a form on the stock and order pages; the HTML written here
is byte for byte what those templates write (``tests/oms/test_form_rendering.py`` renders every
form of the project both ways), with the same escaping and localisation. Any other template name
(custom widgets, radio and checkbox lists, multi-widgets) is rendered by the template as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime

_WIDGETS = "django/forms/widgets/"
_INPUTS = (
    "text",
    "number",
    "email",
    "url",
    "password",
    "hidden",
    "date",
    "datetime",
    "time",
    "checkbox",
    "search",
    "tel",
    "color",
)


def _out(value: Any) -> str:
    """``{{ value }}``: localised, escaped."""
    return conditional_escape(localize(template_localtime(value)))


def _as_string(value: Any) -> str:
    """``{{ value|stringformat:'s' }}`` (a safe value stays unescaped, as the filter is safe)."""
    text = str(value)
    return text if isinstance(value, SafeData) else conditional_escape(text)


def _attrs(attrs: dict[str, Any]) -> str:
    """``attrs.html``."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_out(name)}" if value is True else f' {_out(name)}="{_as_string(value)}"')
    return "".join(parts)


def _input(widget: dict[str, Any]) -> str:
    value = "" if widget["value"] is None else f' value="{_as_string(widget["value"])}"'
    return f'<input type="{_out(widget["type"])}" name="{_out(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _option(option: dict[str, Any]) -> str:
    return f'<option value="{_as_string(option["value"])}"{_attrs(option["attrs"])}>{_out(option["label"])}</option>'


def _select(widget: dict[str, Any]) -> str:
    parts = [f'<select name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_out(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != _WIDGETS + "select_option.html":
                raise _NotPlain
            parts.append(f"\n  {_option(option)}\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(widget: dict[str, Any]) -> str:
    value = _out(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


class _NotPlain(Exception):
    """A widget whose parts need their templates (a custom option template)."""


_PLAIN: dict[str, Callable[[dict[str, Any]], str]] = {
    **{f"{_WIDGETS}{name}.html": _input for name in _INPUTS},
    f"{_WIDGETS}select.html": _select,
    f"{_WIDGETS}textarea.html": _textarea,
}


class FormRenderer(DjangoTemplates):
    """``FORM_RENDERER``: see the module docstring."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        write = _PLAIN.get(template_name)
        if write is not None and "widget" in context and len(context) == 1:
            try:
                return write(context["widget"])
            except _NotPlain:
                pass
        return super().render(template_name, context, request=request)
