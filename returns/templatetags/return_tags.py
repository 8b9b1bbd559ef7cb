"""``{% refund_due rma %}``: when the refund of a return request is due, as a badge that turns
amber shortly before the day and red after it (``returns.policy``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from returns.policy import REFUND_WARN_DAYS
from returns.selectors import refund_due_on

register = template.Library()


@register.simple_tag
def refund_due(rma: Any) -> SafeString | str:
    due = refund_due_on(rma)
    if due is None:
        return ""
    left = (due - timezone.localdate()).days
    if left < 0:
        css, label = "badge-bad", _("overdue since %(day)s")
    elif left <= REFUND_WARN_DAYS:
        css, label = "badge-warn", _("due by %(day)s")
    else:
        css, label = "", _("due by %(day)s")
    return format_html(
        '<span class="badge {}" data-refund-due="{}">{}</span>',
        css,
        due.isoformat(),
        label % {"day": date_format(due, "SHORT_DATE_FORMAT")},
    )
