"""The ``chart`` embed: ``{{< chart type=line title="…" >}}`` draws the Markdown table just
above it, or the CSV between it and ``{{< /chart >}}``, as an accessible inline SVG when the
post is saved.

The Markdown extension (``markdown_ext.py``) finds the data, since an embed handler only
sees its own parameters, and hands it over URL-encoded in ``csv=``. Parameters: ``type``
(``line``, ``bar`` or ``scatter``), ``title``, ``desc`` (the description screen readers
get; written from the data when left out), ``x`` (the column for the x axis, by name or
number; the first by default), ``y`` (comma-separated columns; every other numeric column
by default; a column whose name has a comma may be named whole), ``xlabel``, ``ylabel``
and ``log`` (``x``, ``y`` or ``xy``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from urllib.parse import unquote

from pressmark.api import embed_notice
from pressmark.plugins.calculators.base import format_number
from pressmark.plugins.calculators.chart import KINDS, MAX_POINTS, Chart, Series, render_figure

EMBED_NAME = "chart"
# "1,024", "~6 ms", "$0.28", "63%", "2.5×": the leading number of a cell.
NUMBER_RE = re.compile(r"^[~≈<>$]*\s*([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?)")
MAX_CSV_BYTES = 50_000


class ChartError(ValueError):
    """What the author wrote cannot be drawn; the message says why."""


def parse_number(cell: str) -> float | None:
    match = NUMBER_RE.match(cell.strip().replace("\u2212", "-"))
    return float(match.group(1).replace(",", "")) if match else None


def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of CSV ``text``; refuses ragged or empty data."""
    if len(text) > MAX_CSV_BYTES:
        raise ChartError("The chart's data is too long (50 kB at most).")
    try:
        rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text)) if any(row)]
    except csv.Error as exc:
        raise ChartError(f"The chart's data is not valid CSV ({exc}).") from None
    if len(rows) < 2:
        raise ChartError("A chart needs a header row and at least one row of values.")
    header, body = rows[0], rows[1:]
    if any(len(row) != len(header) for row in body):
        raise ChartError("Every row of the chart's data needs as many cells as the header.")
    if len(body) * len(header) > MAX_POINTS:
        raise ChartError(f"A chart draws at most {MAX_POINTS} values.")
    return header, body


def column(header: list[str], wanted: str) -> int:
    wanted = wanted.strip()
    if wanted.isdigit() and 1 <= int(wanted) <= len(header):
        return int(wanted) - 1
    for index, name in enumerate(header):
        if name.lower() == wanted.lower():
            return index
    raise ChartError(f"The chart's data has no column “{wanted}”; it has: {', '.join(header)}.")


def y_columns(header: list[str], wanted: str) -> list[int]:
    """The columns ``y=`` names: one column (whose name may hold commas) or several,
    separated by commas."""
    if wanted.strip().lower() in (name.lower() for name in header):
        return [column(header, wanted)]
    return [column(header, name) for name in wanted.split(",") if name.strip()]


def build_chart(params: Mapping[str, str], text: str) -> Chart:
    header, body = read_rows(text)
    kind = params.get("type", "line").strip().lower()
    if kind not in KINDS:
        raise ChartError(f"Unknown chart type “{kind}”; use line, bar or scatter.")
    x_index = column(header, params.get("x", "1"))
    if "y" in params:
        y_indexes = y_columns(header, params["y"])
    else:
        y_indexes = [i for i in range(len(header)) if i != x_index
                     and all(parse_number(row[i]) is not None for row in body)]
    if not y_indexes:
        raise ChartError("The chart's data has no column of numbers to draw.")
    xs = [parse_number(row[x_index]) for row in body]
    categorical = kind == "bar" or any(x is None for x in xs)
    positions = list(range(len(body))) if categorical else xs
    series = []
    for index in y_indexes:
        points = []
        for row, x in zip(body, positions, strict=True):
            y = parse_number(row[index])
            if y is None:
                raise ChartError(f"“{row[index]}” in column “{header[index]}” is not a number.")
            points.append((float(x), y))
        series.append(Series(header[index], tuple(points)))
    log = params.get("log", "").lower()
    x_label = params.get("xlabel") or header[x_index]
    y_label = params.get("ylabel") or (header[y_indexes[0]] if len(y_indexes) == 1 else "Value")
    title = params.get("title") or f"{y_label} against {x_label}"
    return Chart(
        kind=kind if kind != "line" or not categorical else "line",
        title=title,
        description=params.get("desc") or describe(kind, x_label, series, body, x_index),
        x_label=x_label,
        y_label=y_label,
        series=tuple(series),
        categories=tuple(row[x_index] for row in body) if categorical else (),
        log_x="x" in log and not categorical,
        log_y="y" in log,
    )


def describe(kind: str, x_label: str, series: list[Series], body, x_index: int) -> str:
    """A sentence per series (first, last, lowest and highest value) for screen readers."""
    first, last = body[0][x_index], body[-1][x_index]
    parts = [f"{kind.capitalize()} chart of {len(series)} series against {x_label}, "
             f"from {first} to {last}."]
    for s in series:
        ys = [y for _, y in s.points]
        parts.append(f"{s.name}: {format_number(ys[0])} at {first}, {format_number(ys[-1])} at "
                     f"{last}; lowest {format_number(min(ys))}, highest {format_number(max(ys))}.")
    return " ".join(parts)


def render_chart_embed(params: Mapping[str, str]) -> str:
    """The ``chart`` embed handler: the figure, or a visible notice saying what is wrong."""
    if "csv" not in params:
        return embed_notice(
            "The chart embed needs data: put a Markdown table just above it, or CSV lines "
            "between {{< chart >}} and {{< /chart >}}."
        )
    try:
        chart = build_chart(params, unquote(params["csv"]))
    except ValueError as exc:
        return embed_notice(f"This chart cannot be drawn: {exc}")
    return str(render_figure(chart))
