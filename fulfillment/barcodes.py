"""Code 128 barcodes as inline SVG for printed documents (labels, delivery notes, manifests).

python-barcode encodes the value (code set choice, check symbol, start and stop); the bars are
drawn here as plain ``<rect>`` elements with ``fill`` attributes, without the ``style``
attributes python-barcode's own SVG writer emits, so the markup stays within what our templates
allow (no inline styles) and WeasyPrint draws it crisply at any size.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

import barcode
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

QUIET_ZONE_MODULES = 10  # Code 128 needs ten modules of white on each side


def code128_modules(value: str) -> str:
    """The bar pattern of ``value``: one character per module, ``1`` for a bar, ``0`` for a space."""
    return "".join(barcode.get("code128", value).build())


def code128_svg(value: str, *, height: float = 18.0, module: float = 0.33, label: str = "") -> SafeString:
    """An inline ``<svg>`` of ``value`` in Code 128, ``height`` and ``module`` (one bar width) in mm."""
    modules = code128_modules(value)
    width = (len(modules) + 2 * QUIET_ZONE_MODULES) * module
    rects = []
    x = QUIET_ZONE_MODULES
    for run_start, run_length in _bars(modules):
        rects.append(
            f'<rect x="{(x + run_start) * module:.3f}" y="0" width="{run_length * module:.3f}" '
            f'height="{height:.3f}" fill="#000"/>'
        )
    title = format_html("<title>{}</title>", label or value)
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" role="img" aria-label={quoteattr(label or value)} '
        f'width="{width:.3f}mm" height="{height:.3f}mm" viewBox="0 0 {width:.3f} {height:.3f}">'
        f"{title}{''.join(rects)}</svg>"
    )


def _bars(modules: str) -> list[tuple[int, int]]:
    """(start, length) of each run of bars."""
    runs = []
    start = None
    for i, m in enumerate(modules + "0"):
        if m == "1" and start is None:
            start = i
        elif m == "0" and start is not None:
            runs.append((start, i - start))
            start = None
    return runs
