"""What the built-in calculators share: byte sizes with their units, the precision choice,
and the model, GPU and link presets, all built from the one table in ``specs.py``/``gpus.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pressmark.plugins.calculators.base import Preset, PresetGroup, Result
from pressmark.plugins.calculators.specs import GPUS, LINKS, MODELS, GpuSpec, ModelSpec

BINARY_UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")
DECIMAL_UNITS = ("bytes", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
SIZES_NOTE = "GiB = 2³⁰ bytes (binary units); GB = 10⁹ bytes (decimal units)."
GPU_SOURCE = "NVIDIA and AMD datasheets (H100, H200, B200, A100, L40S, MI300X); dense rates"
GPU_SOURCE_URL = "https://www.nvidia.com/en-us/data-center/h100/"

PRECISION_CHOICES: tuple[tuple[float, str], ...] = (
    (4, "FP32 (4 bytes)"),
    (2, "FP16 / BF16 (2 bytes)"),
    (1, "FP8 / INT8 (1 byte)"),
    (0.5, "INT4 (½ byte)"),
)
# Tensor-core precisions: BF16 runs at the BF16 rate, FP8 at the FP8 rate.
TENSOR_CHOICES: tuple[tuple[float, str], ...] = (
    (2, "BF16 / FP16 (2 bytes)"),
    (1, "FP8 (1 byte)"),
)


def size(label: str, n_bytes: float, binary: bool = True, **extra) -> Result:
    """A byte count in the largest unit that keeps the number at or above 1."""
    base, units = (1024, BINARY_UNITS) if binary else (1000, DECIMAL_UNITS)
    value, index = float(n_bytes), 0
    while abs(value) >= base and index < len(units) - 1:
        value /= base
        index += 1
    return Result(label, value, units[index], **extra)


def peak_tflops(v: Mapping[str, float], precision: float) -> float:
    """The dense tensor rate for ``precision`` bytes: FP8 at 1 byte or less, else BF16."""
    return v["fp8_tflops"] if precision <= 1 else v["bf16_tflops"]


def model_presets(values_for: Callable[[ModelSpec], dict[str, float]]) -> PresetGroup:
    return PresetGroup(
        "model", "Model", tuple(Preset(m.slug, m.label, values_for(m)) for m in MODELS)
    )


def gpu_presets(*fields: str) -> PresetGroup:
    """The GPU table as presets setting ``fields`` (any of ``bandwidth``, ``memory``,
    ``bf16_tflops``, ``fp8_tflops``)."""

    def values(g: GpuSpec) -> dict[str, float]:
        every = {
            "bandwidth": g.bandwidth_tbs, "memory": g.memory_gb,
            "bf16_tflops": g.bf16_tflops, "fp8_tflops": g.fp8_or_bf16_tflops,
        }
        return {name: every[name] for name in fields}

    return PresetGroup("gpu", "GPU", tuple(Preset(g.slug, g.label, values(g)) for g in GPUS))


def link_presets() -> PresetGroup:
    return PresetGroup(
        "link", "GPU link", tuple(Preset(k.slug, k.label, {"link_gbs": k.gbs}) for k in LINKS)
    )


def series_points(xs, y_of: Callable[[float], float]) -> tuple[tuple[float, float], ...]:
    return tuple((float(x), float(y_of(x))) for x in xs)


def powers_of_two(low: int, high: int) -> list[int]:
    out, n = [], 1
    while n <= high:
        if n >= low:
            out.append(n)
        n *= 2
    return out
