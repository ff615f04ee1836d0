"""The built-in calculators, in the order the index lists them. Each formula is written
once, in its own module; docs/calculators.md states assumptions and sources.

Each calculator's ``compute`` is a plain function ``compute(values: dict) -> list[Result]``
and ``evaluate(calculator, params)`` validates raw inputs first; ``compute_by_name`` is the
entry point for other callers (the API, MCP tools): inputs in, results as dicts out.
"""

from __future__ import annotations

from collections.abc import Mapping

from pressmark.plugins.calculators.allreduce import TP_ALLREDUCE
from pressmark.plugins.calculators.base import Calculator, evaluate
from pressmark.plugins.calculators.common import PRECISION_CHOICES, size
from pressmark.plugins.calculators.cost import TOKEN_COST
from pressmark.plugins.calculators.decode import DECODE_BATCHING, DECODE_THROUGHPUT
from pressmark.plugins.calculators.memory import KV_CACHE, WEIGHT_MEMORY
from pressmark.plugins.calculators.prefill import PREFILL
from pressmark.plugins.calculators.roofline import ROOFLINE
from pressmark.plugins.calculators.speculative import SPECULATIVE_DECODING

__all__ = ["BUILTIN_CALCULATORS", "PRECISION_CHOICES", "compute_by_name", "size"]

BUILTIN_CALCULATORS: tuple[Calculator, ...] = (
    KV_CACHE,
    WEIGHT_MEMORY,
    TOKEN_COST,
    SPECULATIVE_DECODING,
    DECODE_THROUGHPUT,
    DECODE_BATCHING,
    PREFILL,
    ROOFLINE,
    TP_ALLREDUCE,
)
BY_NAME = {c.name: c for c in BUILTIN_CALCULATORS}


def compute_by_name(name: str, inputs: Mapping[str, object]) -> dict[str, object]:
    """Run built-in calculator ``name`` on ``inputs`` (input or preset names to numbers or
    strings) and return what the JSON endpoint returns, less the chart: ``ok``, ``values``,
    ``results`` (label, value, unit, text), ``errors`` (by field). Raises ``KeyError`` for an
    unknown name; never for bad values, which come back in ``errors``."""
    evaluation = evaluate(BY_NAME[name], {k: str(v) for k, v in inputs.items()})
    return evaluation.as_dict()
