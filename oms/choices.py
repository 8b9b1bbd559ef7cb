"""Labels of model choices, cheaply.

Django's generated ``get_FOO_display()`` builds a dict of all choices on every call, hashing each
(lazy, translated) label: on a list of 50 rows that is hundreds of translation look-ups for a
column of badges. A model overrides the method with ``choice_label`` where a page shows it per
row (order state, timeline kind, stock movement kind).
"""

from __future__ import annotations

from typing import Any

from django.db import models


def choice_label(choices: type[models.Choices], value: Any) -> Any:
    """What ``get_FOO_display()`` returns for a field with ``choices=choices.choices``: the label
    in the active language, or the stored value when it is no choice."""
    member = choices._value2member_map_.get(value)
    return str(member.label) if member is not None else value
