"""The ``Calculator`` type plugins implement, and ``evaluate``: the one place input is checked.

A calculator is data (inputs with bounds, presets) plus one pure function,
``compute(values) -> list[Result]``. Everything else (the embed, the no-JavaScript page, the
JSON endpoint the live script calls) goes through ``evaluate``, so a formula and its
validation exist once, in Python.

``evaluate`` never raises on request input: every bad value becomes a message keyed by the
field's name. Definitions are checked when they are built, so a contributor's mistake
(a default out of bounds, a preset naming an unknown input) fails loudly at import time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PARAM_RE = re.compile(r"^[a-z][a-z0-9_]*$")
PRESET_RE = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")
NUMBER_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
NON_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
# Longer than any number a person types; refusing early keeps parsing cheap.
MAX_RAW_LENGTH = 40
# The hidden field ``was_<group>`` holds the preset the form was showing, so a reader who
# picks another preset without JavaScript gets its values, not the stale ones in the fields.
WAS_PREFIX = "was_"
# Units written without a space ("2.8×") or before the number ("$0.28").
TIGHT_UNITS = {"×", "%"}
PREFIX_UNITS = {"$"}
GENERAL = "_"  # error key for problems that belong to no single field

Compute = Callable[[dict[str, float]], Sequence["Result"]]
# ``chart(values) -> Chart``: the calculator's natural curve (see ``chart.py``).
ChartFor = Callable[[dict[str, float]], Any]


def format_number(value: float, digits: int = 4) -> str:
    """``value`` to ``digits`` significant figures, with thousands separators.

    Large values keep every integer digit (``3,600,000``); trailing zeros are dropped
    (``1``, ``0.5556``, ``3.362``).
    """
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude < -4:
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{exponent}"
    decimals = max(0, digits - 1 - magnitude)
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def with_unit(number: str, unit: str) -> str:
    if not unit:
        return number
    if unit in PREFIX_UNITS:
        return f"-{unit}{number[1:]}" if number.startswith("-") else f"{unit}{number}"
    if unit in TIGHT_UNITS:
        return f"{number}{unit}"
    return f"{number} {unit}"


class InputError(ValueError):
    """A value a reader gave that an input refuses; the message is shown next to the field."""


@dataclass(frozen=True)
class Input:
    """One number the calculator needs.

    ``min``/``max`` bound it (``min_exclusive`` makes ``min`` a strict bound, for inputs
    that are divided by); ``integer`` asks for a whole number; ``choices`` (value, label)
    turns it into a select. ``unit`` is shown beside the field, ``help`` under it.
    """

    name: str
    label: str
    default: float
    unit: str = ""
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    integer: bool = False
    choices: tuple[tuple[float, str], ...] = ()
    help: str = ""

    def __post_init__(self) -> None:
        if not PARAM_RE.match(self.name) or self.name.startswith(WAS_PREFIX):
            raise ValueError(f"input name {self.name!r}: use lowercase letters, digits and _")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"input {self.name!r}: min is above max")
        self.check(self.default)

    @property
    def step(self) -> str:
        return "1" if self.integer else "any"

    def check(self, value: float) -> float:
        """Return ``value`` (an int for integer inputs) or raise ``InputError``."""
        label = self.label
        if not math.isfinite(value):
            raise InputError(f"{label} must be a finite number.")
        if self.choices:
            for choice, _ in self.choices:
                if math.isclose(value, choice, rel_tol=1e-9, abs_tol=1e-12):
                    return choice
            allowed = ", ".join(format_number(c, 6) for c, _ in self.choices)
            raise InputError(f"{label} must be one of {allowed}.")
        if self.integer:
            if not float(value).is_integer():
                raise InputError(f"{label} must be a whole number.")
            value = int(value)
        if self.min is not None:
            if self.min_exclusive and value <= self.min:
                raise InputError(f"{label} must be greater than {format_number(self.min, 6)}.")
            if value < self.min:
                raise InputError(f"{label} must be at least {format_number(self.min, 6)}.")
        if self.max is not None and value > self.max:
            raise InputError(f"{label} must be at most {format_number(self.max, 6)}.")
        return value

    def parse(self, raw: str) -> float:
        """Turn what a reader typed into a checked number, or raise ``InputError``."""
        text = str(raw).strip()
        if not text:
            raise InputError(f"{self.label} needs a value.")
        if len(text) > MAX_RAW_LENGTH:
            raise InputError(f"{self.label} is too long to be a number.")
        if text.lower() in NON_FINITE:
            raise InputError(f"{self.label} must be a finite number.")
        if not NUMBER_RE.match(text):
            hint = " Use a dot for decimals." if "," in text else ""
            raise InputError(f"{self.label} must be a number, not “{text}”.{hint}")
        value = float(text)
        if not math.isfinite(value):
            raise InputError(f"{self.label} is too large.")
        return self.check(value)

    def format(self, value: float) -> str:
        """The value as it goes back into the field (plain digits, no separators)."""
        if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
            return str(int(value))
        return format(value, ".15g")


@dataclass(frozen=True)
class Preset:
    """A named set of input values, e.g. a model's shape or a GPU's datasheet figures."""

    name: str
    label: str
    values: Mapping[str, float]

    def __post_init__(self) -> None:
        if not PRESET_RE.match(self.name):
            raise ValueError(f"preset name {self.name!r}: use lowercase letters, digits, . and -")


@dataclass(frozen=True)
class PresetGroup:
    """A choice of presets under one parameter name (``model=llama-3-8b``, ``gpu=h100``)."""

    name: str
    label: str
    presets: tuple[Preset, ...]

    def __post_init__(self) -> None:
        if not PARAM_RE.match(self.name) or self.name.startswith(WAS_PREFIX):
            raise ValueError(f"preset group name {self.name!r}: use lowercase letters and _")
        names = [p.name for p in self.presets]
        if len(set(names)) != len(names):
            raise ValueError(f"preset group {self.name!r} repeats a preset name")

    def get(self, name: str) -> Preset | None:
        return next((p for p in self.presets if p.name == name), None)


@dataclass(frozen=True)
class Result:
    """One computed figure. ``text`` overrides the formatted value when words say more.

    ``key`` names the figure for other calculators on the same page (a chain): a later
    calculator with an input of that name takes ``feed`` (or ``value`` when ``feed`` is
    ``None``), which is the figure in that input's unit.
    """

    label: str
    value: float
    unit: str = ""
    digits: int = 4
    text: str | None = None
    key: str = ""
    feed: float | None = None

    @property
    def display(self) -> str:
        if self.text:
            return self.text
        if self.unit == "$" and abs(self.value) >= 1:
            return with_unit(f"{self.value:,.2f}", self.unit)  # whole cents, as prices are
        return with_unit(format_number(self.value, self.digits), self.unit)

    @property
    def feed_value(self) -> float:
        return self.value if self.feed is None else self.feed

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "label": self.label, "value": self.value, "unit": self.unit, "text": self.display
        }
        if self.key:
            # What a chained calculator's field receives, already written as a field value.
            data["key"] = self.key
            data["feed"] = format(self.feed_value, ".6g")
        return data


@dataclass(frozen=True)
class Calculator:
    """A calculator for the ``calc`` embed: ``{{< calc NAME key=value ... >}}``.

    ``compute`` receives every input by name (ints for integer inputs, already validated)
    and returns the results in display order. It may raise ``ValueError("message")`` for a
    combination of values it cannot handle; the message is shown to the reader.
    ``formula`` and ``source`` are shown under "How this is calculated". ``chart``, when
    given, maps the same values to a ``Chart`` (its natural curve), drawn under the results.
    """

    name: str
    title: str
    description: str
    inputs: tuple[Input, ...]
    compute: Compute
    presets: tuple[PresetGroup, ...] = ()
    formula: str = ""
    source: str = ""
    source_url: str = ""
    note: str = ""
    chart: ChartFor | None = None

    def __post_init__(self) -> None:
        if not NAME_RE.match(self.name):
            raise ValueError(f"calculator name {self.name!r}: use lowercase words and hyphens")
        names = [i.name for i in self.inputs] + [g.name for g in self.presets]
        if not self.inputs or len(set(names)) != len(names):
            raise ValueError(f"calculator {self.name!r} needs inputs, all names unique")
        by_name = self.input_map
        for group in self.presets:
            for preset in group.presets:
                for key, value in preset.values.items():
                    if key not in by_name:
                        raise ValueError(f"preset {preset.name!r} sets unknown input {key!r}")
                    by_name[key].check(value)

    @property
    def input_map(self) -> dict[str, Input]:
        return {i.name: i for i in self.inputs}

    @property
    def parameters(self) -> set[str]:
        """Every parameter name a link or an embed may carry."""
        groups = {g.name for g in self.presets}
        return set(self.input_map) | groups | {WAS_PREFIX + g for g in groups}

    def defaults(self) -> dict[str, float]:
        return {i.name: i.default for i in self.inputs}


@dataclass
class Evaluation:
    """What ``evaluate`` found: the values used, what each field shows, errors and results.

    ``applied`` names the preset groups whose values replaced the fields because the reader
    just picked them; ``unknown`` lists parameters the calculator does not take.
    ``failure`` holds the exception when ``compute`` itself broke (a bug, not bad input).
    """

    calculator: Calculator
    values: dict[str, float]
    shown: dict[str, str]
    presets: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    results: list[Result] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    failure: Exception | None = None
    chart: Any = None
    chart_failure: Exception | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.failure is None

    def as_dict(self) -> dict[str, object]:
        """The JSON the live script reads (and any other client may)."""
        valid = {k: v for k, v in self.values.items() if k not in self.errors}
        return {
            "calculator": self.calculator.name,
            "ok": self.ok,
            "values": valid,
            "fields": self.shown,
            "presets": self.presets,
            "applied": self.applied,
            "results": [r.as_dict() for r in self.results],
            "errors": self.errors,
        }


def _matches(preset: Preset, values: Mapping[str, float]) -> bool:
    return all(
        math.isclose(values[k], v, rel_tol=1e-9, abs_tol=1e-12) for k, v in preset.values.items()
    )


def evaluate(calc: Calculator, params: Mapping[str, str]) -> Evaluation:
    """Resolve ``params`` (query arguments or embed parameters) and compute.

    Order: defaults, then the named presets, then explicit inputs, which win over a
    preset, except when ``was_<group>`` shows the reader has just switched that preset.
    Missing inputs keep their default; parameters the calculator does not take are listed
    in ``unknown`` and otherwise ignored.
    """
    values = calc.defaults()
    errors: dict[str, str] = {}
    raw_shown: dict[str, str] = {}
    requested: dict[str, str] = {}
    overridden: set[str] = set()
    applied: list[str] = []
    for group in calc.presets:
        raw = params.get(group.name)
        if raw is None:
            continue
        key = str(raw).strip().lower()
        if key in ("", "custom"):
            requested[group.name] = ""
            continue
        preset = group.get(key)
        if preset is None:
            choices = ", ".join(p.name for p in group.presets)
            shown = str(raw).strip()[:MAX_RAW_LENGTH]
            label = group.label.lower()
            errors[group.name] = f"Unknown {label} “{shown}”. Choose one of: {choices}."
            continue
        requested[group.name] = preset.name
        values.update(preset.values)
        was = params.get(WAS_PREFIX + group.name)
        if was is not None and str(was).strip().lower() != preset.name:
            overridden.update(preset.values)
            applied.append(group.name)
    for item in calc.inputs:
        raw = params.get(item.name)
        if raw is None or item.name in overridden:
            continue
        try:
            values[item.name] = item.parse(raw)
        except InputError as exc:
            errors[item.name] = str(exc)
            raw_shown[item.name] = str(raw)[:MAX_RAW_LENGTH]
    inputs = calc.input_map
    shown = {name: raw_shown.get(name, inputs[name].format(v)) for name, v in values.items()}
    evaluation = Evaluation(
        calculator=calc,
        values=values,
        shown=shown,
        presets=_selected_presets(calc, values, requested),
        errors=errors,
        applied=applied,
        unknown=sorted(set(params) - calc.parameters - {GENERAL}),
    )
    if not errors:
        _compute(evaluation)
    return evaluation


def _selected_presets(
    calc: Calculator, values: Mapping[str, float], requested: Mapping[str, str]
) -> dict[str, str]:
    """The preset each group shows: the one asked for while the values still match it,
    else the first preset the values match, else "" (custom)."""
    selected = {}
    for group in calc.presets:
        wanted = group.get(requested.get(group.name) or "")
        if group.name in requested and wanted is None:
            selected[group.name] = ""
        elif wanted is not None and _matches(wanted, values):
            selected[group.name] = wanted.name
        else:
            match = next((p for p in group.presets if _matches(p, values)), None)
            selected[group.name] = match.name if match else ""
    return selected


def _compute(evaluation: Evaluation) -> None:
    calc = evaluation.calculator
    try:
        results = list(calc.compute(dict(evaluation.values)))
    except (ArithmeticError, ValueError) as exc:
        # Input-driven: a combination the formula cannot take, or an overflow.
        message = str(exc) if isinstance(exc, ValueError) and str(exc) else ""
        evaluation.errors[GENERAL] = message or "These values are out of range for this calculator."
        return
    except Exception as exc:  # noqa: BLE001 - a plugin's bug must not become a 500 page
        evaluation.failure = exc
        evaluation.errors[GENERAL] = "This calculator failed; the error has been logged."
        return
    for result in results:
        if not isinstance(result, Result):
            evaluation.failure = TypeError(f"{calc.name}: compute returned {result!r}")
            evaluation.errors[GENERAL] = "This calculator failed; the error has been logged."
            return
        if not math.isfinite(result.value):
            evaluation.errors[GENERAL] = "The result is too large to compute; try smaller values."
            return
    evaluation.results = results
    if calc.chart is not None:
        try:
            evaluation.chart = calc.chart(dict(evaluation.values))
        except (ArithmeticError, ValueError):
            pass  # values too extreme to draw (a chart refuses beyond 10¹⁵): numbers only
        except Exception as exc:  # noqa: BLE001 - the numbers stand without their chart
            evaluation.chart_failure = exc
