"""Charts as data (``Chart``, ``Series``) and their accessible figure: inline SVG plus the
numbers as a table in a ``<details>``, drawn on the server.

The SVG carries no ``style`` attribute and no script: colours, dashes and type sizes come
from classes that ``charts.css`` maps to the site's light and dark palettes, so the strict
``style-src 'self'`` holds and the chart follows the theme. Each series has a colour *and*
a marker shape and a dash pattern, so readers who cannot tell the colours apart can still
tell the lines apart. ``role="img"`` with a ``<title>`` and a ``<desc>`` give it a name and a
description; the table gives the exact values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from pressmark.plugins.calculators.base import format_number

KINDS = ("line", "bar", "scatter")
MAX_SERIES = 6
MAX_POINTS = 500
MAX_VALUE = 1e15
# The drawing area inside a 640 × 360 viewBox (the SVG scales to the column's width).
WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 72, 30, 16, 64
# Marker shapes in series order: circle, square, triangle, diamond, cross, plus.
SHAPES = ("circle", "square", "triangle", "diamond", "cross", "plus")
# Dash patterns in series order (the first solid). Presentation attributes, which the CSP
# allows; colours come from charts.css, and without it (a feed reader) the chart is drawn
# in the text colour, still told apart by dashes and shapes.
DASHES = ("", "9 4", "2 4", "12 4 3 4", "5 5", "1 3")


@dataclass(frozen=True)
class Series:
    """One named line (or set of bars, or points): ``(x, y)`` pairs in drawing order."""

    name: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Chart:
    """What to draw. ``categories`` (bar charts) label the x positions 0, 1, 2...;
    ``log_x``/``log_y`` use a logarithmic axis (all values must then be positive);
    ``marks`` are labelled vertical lines at given x values (a ridge point, say)."""

    kind: str
    title: str
    description: str
    x_label: str
    y_label: str
    series: tuple[Series, ...]
    categories: tuple[str, ...] = ()
    log_x: bool = False
    log_y: bool = False
    marks: tuple[tuple[float, str], ...] = field(default=())

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"chart type must be one of {', '.join(KINDS)}")
        if not self.series or len(self.series) > MAX_SERIES:
            raise ValueError(f"a chart needs 1 to {MAX_SERIES} series")
        points = [p for s in self.series for p in s.points]
        if not points or len(points) > MAX_POINTS:
            raise ValueError(f"a chart needs 1 to {MAX_POINTS} values")
        if not all(math.isfinite(v) and abs(v) <= MAX_VALUE for p in points for v in p):
            raise ValueError("chart values must be finite numbers no larger than 10¹⁵")
        if (self.log_x and min(p[0] for p in points) <= 0) or (
            self.log_y and min(p[1] for p in points) <= 0
        ):
            raise ValueError("a logarithmic axis needs values above 0")


@dataclass(frozen=True)
class Axis:
    low: float
    high: float
    log: bool
    ticks: tuple[float, ...]

    def position(self, value: float, start: float, length: float) -> float:
        if self.log:
            low, high, value = math.log10(self.low), math.log10(self.high), math.log10(value)
        else:
            low, high = self.low, self.high
        span = (high - low) or 1.0
        return start + (value - low) / span * length


def nice_step(span: float, count: int = 5) -> float:
    """A 1, 2 or 5 × 10ⁿ step that cuts ``span`` into about ``count`` parts."""
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def linear_axis(values: list[float], from_zero: bool) -> Axis:
    low, high = min(values), max(values)
    if from_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    if high - low <= 1e-9 * max(1.0, abs(high)):  # one value (or rounding noise): pad it
        low, high = (low - 1, high + 1) if low == 0 else (low - abs(low) / 2, high + abs(high) / 2)
    step = nice_step(high - low)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    count = round((high - low) / step)
    return Axis(low, high, False, tuple(low + i * step for i in range(count + 1)))


def log_axis(values: list[float], extra: tuple[float, ...] = ()) -> Axis:
    """A logarithmic axis over ``values`` (and ``extra``, such as marks, which get no tick):
    ticks at the values when they are a few powers of two (batch sizes), else at 1, 2 and
    5 × 10ⁿ over up to three decades and at 10ⁿ beyond."""
    distinct = sorted(set(values))
    low, high = min([*values, *extra]), max([*values, *extra])
    if len(distinct) <= 12 and all(math.log2(v).is_integer() for v in distinct) and high > low:
        return Axis(low, high, True, tuple(distinct))
    low, high = 10 ** math.floor(math.log10(low)), 10 ** math.ceil(math.log10(high))
    if low == high:
        high = low * 10
    decades = round(math.log10(high / low))
    steps = (1, 2, 5) if decades <= 3 else (1,)
    ticks = [low * 10**i * f for i in range(decades + 1) for f in steps]
    return Axis(low, high, True, tuple(t for t in ticks if t <= high * (1 + 1e-9)))


def axes(chart: Chart) -> tuple[Axis, Axis]:
    xs = [p[0] for s in chart.series for p in s.points]
    marks = tuple(m[0] for m in chart.marks)
    ys = [p[1] for s in chart.series for p in s.points]
    if chart.kind == "bar":
        count = max(len(chart.categories), int(max(xs)) + 1)
        x_axis = Axis(-0.5, count - 0.5, False, tuple(range(count)))
    else:
        x_axis = log_axis(xs, marks) if chart.log_x else linear_axis([*xs, *marks], False)
    y_axis = log_axis(ys) if chart.log_y else linear_axis(ys, from_zero=chart.kind == "bar")
    return x_axis, y_axis


def marker(shape: str, x: float, y: float, css: str) -> str:
    """The series' marker at (x, y): a distinct shape per series, not only a colour."""
    r = 4.5
    if shape == "circle":
        return f'<circle class="{css}" cx="{x:.1f}" cy="{y:.1f}" r="{r}"/>'
    if shape == "square":
        return (f'<rect class="{css}" x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" '
                f'height="{2 * r}"/>')
    if shape == "triangle":
        pts = f"{x:.1f},{y - r - 1:.1f} {x - r - 1:.1f},{y + r:.1f} {x + r + 1:.1f},{y + r:.1f}"
        return f'<polygon class="{css}" points="{pts}"/>'
    if shape == "diamond":
        pts = (f"{x:.1f},{y - r - 1:.1f} {x + r + 1:.1f},{y:.1f} {x:.1f},{y + r + 1:.1f} "
               f"{x - r - 1:.1f},{y:.1f}")
        return f'<polygon class="{css}" points="{pts}"/>'
    d = r + 0.5
    if shape == "cross":
        path = (f"M{x - d:.1f},{y - d:.1f}L{x + d:.1f},{y + d:.1f}"
                f"M{x - d:.1f},{y + d:.1f}L{x + d:.1f},{y - d:.1f}")
    else:
        path = f"M{x - d:.1f},{y:.1f}H{x + d:.1f}M{x:.1f},{y - d:.1f}V{y + d:.1f}"
    return (f'<path class="{css} chart-stroke-only" d="{path}" fill="none" '
            f'stroke="currentColor" stroke-width="2.5"/>')


def wrap(label: str, room: int) -> list[str]:
    """``label`` in at most two lines of about ``room`` characters; the rest is cut with an
    ellipsis (the data table has every label whole)."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= room:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > 2 or any(len(line) > room for line in lines[:2]):
        lines = [line if len(line) <= room else line[: room - 1] + "…" for line in lines[:2]]
        if not lines[-1].endswith("…"):
            lines[-1] = lines[-1][: room - 1] + "…"
    return lines or [""]


def dash_attribute(index: int) -> str:
    dash = DASHES[index]
    return f' stroke-dasharray="{dash}"' if dash else ""


def tick_label(value: float) -> str:
    return format_number(value, 3)


def _frame(x_axis: Axis, y_axis: Axis, chart: Chart) -> list[str]:
    """Grid lines, tick labels and axis titles."""
    width, height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    out = ['<g class="chart-grid" aria-hidden="true">']
    for tick in y_axis.ticks:
        y = y_axis.position(tick, TOP + height, -height)
        out.append(f'<line x1="{LEFT}" x2="{LEFT + width}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="gray" stroke-width="0.5"/>')
        out.append(
            f'<text class="chart-tick" x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(tick_label(tick))}</text>"
        )
    room = max(4, int(width / max(len(x_axis.ticks), 1) / 7.5))  # characters per label
    for i, tick in enumerate(x_axis.ticks):
        x = x_axis.position(tick, LEFT, width)
        label = chart.categories[i] if chart.kind == "bar" and i < len(chart.categories) else (
            tick_label(tick)
        )
        lines = "".join(
            f'<tspan x="{x:.1f}" dy="{0 if n == 0 else 15}">{escape(line)}</tspan>'
            for n, line in enumerate(wrap(label, room))
        )
        out.append(
            f'<text class="chart-tick" x="{x:.1f}" y="{TOP + height + 18}" text-anchor="middle">'
            f"{lines}</text>"
        )
    out.append(f'<line class="chart-axis" x1="{LEFT}" x2="{LEFT + width}" y1="{TOP + height}" '
               f'y2="{TOP + height}" stroke="currentColor"/>')
    out.append(f'<line class="chart-axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + height}" '
               'stroke="currentColor"/>')
    out.append(
        f'<text class="chart-label" x="{LEFT + width / 2:.1f}" y="{HEIGHT - 24}" '
        f'text-anchor="middle">{escape(chart.x_label)}</text>'
    )
    out.append(
        f'<text class="chart-label" x="14" y="{TOP + height / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + height / 2:.1f})">{escape(chart.y_label)}</text>'
    )
    out.append("</g>")
    return out


def _series(chart: Chart, x_axis: Axis, y_axis: Axis) -> list[str]:
    width, height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    out = []
    bar_width = 0.8 / len(chart.series)
    for index, series in enumerate(chart.series):
        css, shape = f"chart-s{index + 1}", SHAPES[index]
        out.append(f'<g class="chart-series {css}">')
        if chart.kind == "bar":
            base = y_axis.position(max(y_axis.low, 0.0), TOP + height, -height)
            for x, y in series.points:
                left = x_axis.position(x - 0.4 + index * bar_width, LEFT, width)
                right = x_axis.position(x - 0.4 + (index + 1) * bar_width, LEFT, width)
                top = y_axis.position(y, TOP + height, -height)
                out.append(
                    f'<rect class="chart-bar" x="{left:.1f}" y="{min(top, base):.1f}" '
                    f'width="{right - left - 1:.1f}" height="{abs(base - top):.1f}"'
                    f'{dash_attribute(index)}/>'
                )
                middle, above = (left + right) / 2, min(top, base)
                out.append(
                    f'<text class="chart-tick" x="{middle:.1f}" y="{above - 6:.1f}" '
                    f'text-anchor="middle">{escape(format_number(y, 3))}</text>'
                )
                if len(chart.series) > 1:  # the legend's shape, so bars differ by more than hue
                    out.append(marker(shape, middle, above - 26, "chart-marker"))
        else:
            coords = [
                (x_axis.position(x, LEFT, width), y_axis.position(y, TOP + height, -height))
                for x, y in series.points
            ]
            if chart.kind == "line" and len(coords) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
                out.append(f'<polyline class="chart-line" points="{path}" fill="none" '
                           f'stroke="currentColor" stroke-width="2.5"{dash_attribute(index)}/>')
            out.extend(marker(shape, x, y, "chart-marker") for x, y in coords)
        out.append("</g>")
    return out


def _marks(chart: Chart, x_axis: Axis) -> list[str]:
    width, height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    out = []
    for x, label in chart.marks:
        if not x_axis.low <= x <= x_axis.high:
            continue
        px = x_axis.position(x, LEFT, width)
        anchor = "end" if px > LEFT + width * 0.7 else "start"
        dx = -4 if anchor == "end" else 4
        out.append(
            f'<g class="chart-mark"><line stroke="currentColor" stroke-dasharray="3 3" '
            f'x1="{px:.1f}" x2="{px:.1f}" y1="{TOP}" '
            f'y2="{TOP + height}"/><text class="chart-tick" x="{px + dx:.1f}" y="{TOP + 12}" '
            f'text-anchor="{anchor}">{escape(label)}</text></g>'
        )
    return out


def _legend(chart: Chart) -> list[str]:
    if len(chart.series) < 2:
        return []
    out = ['<g class="chart-legend">']
    x, y = LEFT, HEIGHT - 10
    for index, series in enumerate(chart.series):
        css = f"chart-s{index + 1}"
        out.append(f'<g class="{css}">')
        if chart.kind == "line":
            out.append(
                f'<line class="chart-line" x1="{x}" x2="{x + 24}" y1="{y - 4}" y2="{y - 4}" '
                f'stroke="currentColor" stroke-width="2.5"{dash_attribute(index)}/>'
            )
        out.append(marker(SHAPES[index], x + 12, y - 4, "chart-marker"))
        out.append(f'<text class="chart-tick" x="{x + 30}" y="{y}">{escape(series.name)}</text>')
        out.append("</g>")
        x += 40 + 7 * len(series.name)
    out.append("</g>")
    return out


def render_svg(chart: Chart) -> str:
    """The chart as an inline ``<svg role="img">`` with its title and description."""
    x_axis, y_axis = axes(chart)
    parts = [
        f'<svg class="chart-svg" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" fill="currentColor" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(chart.title)}</title>",
        f"<desc>{escape(chart.description)}</desc>",
        *_frame(x_axis, y_axis, chart),
        *_marks(chart, x_axis),
        *_series(chart, x_axis, y_axis),
        *_legend(chart),
        "</svg>",
    ]
    return "".join(parts)


def data_table(chart: Chart) -> str:
    """The values as a table: one row per x, one column per series."""
    xs: list[float] = []
    for series in chart.series:
        xs.extend(x for x, _ in series.points if x not in xs)
    head = "".join(f'<th scope="col">{escape(s.name)}</th>' for s in chart.series)
    rows = []
    for x in xs:
        label = chart.categories[int(x)] if chart.kind == "bar" and chart.categories else (
            format_number(x, 6)
        )
        cells = []
        for series in chart.series:
            value = next((y for px, y in series.points if px == x), None)
            cells.append(f"<td>{'' if value is None else escape(format_number(value, 4))}</td>")
        rows.append(f'<tr><th scope="row">{escape(label)}</th>{"".join(cells)}</tr>')
    return (
        f'<table class="chart-table"><thead><tr><th scope="col">{escape(chart.x_label)}</th>'
        f'{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def render_figure(chart: Chart) -> Markup:
    """The whole accessible figure: caption, SVG, and the data table in a ``<details>``."""
    return Markup(
        f'<figure class="chart chart-{chart.kind}">'
        f'<figcaption class="chart-caption">{escape(chart.title)}</figcaption>'
        f"{render_svg(chart)}"
        f'<details class="chart-data"><summary>The numbers</summary>{data_table(chart)}'
        f"</details></figure>"
    )
