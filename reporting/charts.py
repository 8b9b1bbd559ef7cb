"""Charts drawn on the server as SVG (no script, no inline style: the strict CSP holds): the
geometry is computed here, the templates only place the shapes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

WIDTH = 640
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 10, 28


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    url: str = ""


@dataclass
class Tick:
    pos: float
    label: str


@dataclass
class BarChart:
    title: str
    bars: list[Bar] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    # A second series drawn beside the first (``paired_bar_chart``), with both series' names.
    second: list[Bar] = field(default_factory=list)
    names: tuple[str, str] = ("", "")
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return not any(b.height > 0 for b in [*self.bars, *self.second])


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(
    title: str,
    points: Sequence[tuple[str, float | Decimal | int | None, str, str]],
    *,
    tick_format: str = "{:,.0f}",
    max_x_labels: int = 12,
) -> BarChart:
    """A bar per point ``(label, value, shown value, link)``; None draws no bar."""
    chart = BarChart(title=title)
    values = [float(v) for _l, v, _s, _u in points if v is not None]
    top_value = _nice_max(max(values, default=0.0))
    plot_w = chart.right - chart.left
    plot_h = chart.bottom - chart.top
    n = max(len(points), 1)
    slot = plot_w / n
    gap = min(slot * 0.2, 6)
    for i, (label, value, shown, url) in enumerate(points):
        height = 0.0 if value is None else plot_h * float(value) / top_value
        chart.bars.append(
            Bar(
                x=round(chart.left + i * slot + gap / 2, 1),
                y=round(chart.bottom - height, 1),
                width=round(max(slot - gap, 1), 1),
                height=round(height, 1),
                label=label,
                value=shown,
                url=url,
            )
        )
    for k in range(5):
        value = top_value * k / 4
        chart.y_ticks.append(Tick(round(chart.bottom - plot_h * k / 4, 1), tick_format.format(value)))
    every = max(1, -(-len(points) // max_x_labels))
    for i, (label, _v, _s, _u) in enumerate(points):
        if i % every == 0:
            chart.x_ticks.append(Tick(round(chart.left + (i + 0.5) * slot, 1), label))
    return chart


def paired_bar_chart(
    title: str,
    names: tuple[str, str],
    points: Sequence[tuple[str, float | int, str, float | int, str]],
    *,
    tick_format: str = "{:,.0f}",
) -> BarChart:
    """Two bars per point ``(label, first value, shown, second value, shown)``, side by side on
    one scale (e.g. actual demand beside its forecast)."""
    chart = BarChart(title=title, names=names)
    top_value = _nice_max(max([float(p[1]) for p in points] + [float(p[3]) for p in points], default=0.0))
    plot_w = chart.right - chart.left
    plot_h = chart.bottom - chart.top
    slot = plot_w / max(len(points), 1)
    gap = min(slot * 0.2, 6)
    width = max((slot - gap) / 2, 1)
    for i, (label, first, first_shown, second, second_shown) in enumerate(points):
        x = chart.left + i * slot + gap / 2
        for series, value, shown, offset in (
            (chart.bars, first, first_shown, 0),
            (chart.second, second, second_shown, 1),
        ):
            height = plot_h * float(value) / top_value
            series.append(
                Bar(
                    x=round(x + offset * width, 1),
                    y=round(chart.bottom - height, 1),
                    width=round(width, 1),
                    height=round(height, 1),
                    label=f"{label} {names[offset]}",
                    value=shown,
                )
            )
    for k in range(5):
        chart.y_ticks.append(Tick(round(chart.bottom - plot_h * k / 4, 1), tick_format.format(top_value * k / 4)))
    for i, (label, *_rest) in enumerate(points):
        chart.x_ticks.append(Tick(round(chart.left + (i + 0.5) * slot, 1), label))
    return chart
