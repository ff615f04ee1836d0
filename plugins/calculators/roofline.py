"""The roofline of one matrix product: arithmetic intensity, the GPU's ridge point and the
attainable rate (Williams, Waterman and Patterson, 2009)."""

from __future__ import annotations

from pressmark.plugins.calculators.base import Calculator, Input, Result, format_number
from pressmark.plugins.calculators.chart import Chart, Series
from pressmark.plugins.calculators.common import (
    GPU_SOURCE,
    TENSOR_CHOICES,
    gpu_presets,
    peak_tflops,
)

INTENSITIES = tuple(2.0**i for i in range(-1, 14))


def intensity(v: dict[str, float]) -> tuple[float, float, float]:
    """(FLOPs, bytes moved, FLOPs per byte) of C[M×N] = A[M×K] · B[K×N], each matrix read or
    written once at the given precision."""
    m, n, k, b = v["m"], v["n"], v["k"], v["bytes"]
    flops = 2 * m * n * k
    moved = (m * k + k * n + m * n) * b
    return flops, moved, flops / moved


def roofline(v: dict[str, float]) -> list[Result]:
    flops, moved, ai = intensity(v)
    peak = peak_tflops(v, v["bytes"])
    ridge = peak / v["bandwidth"]  # TFLOP/s ÷ TB/s = FLOPs per byte
    attainable = min(peak, ai * v["bandwidth"])
    seconds = max(flops / (peak * 1e12), moved / (v["bandwidth"] * 1e12))
    bound = "compute-bound" if ai >= ridge else "memory-bound"
    return [
        Result("Arithmetic intensity", ai, "FLOP/byte"),
        Result("Ridge point of the GPU", ridge, "FLOP/byte"),
        Result("Bound", 0, text=bound),
        Result("Attainable rate", attainable, "TFLOP/s"),
        Result("Share of peak", attainable / peak * 100, "%", digits=3),
        Result("Time at the roofline", seconds * 1e6, "µs"),
    ]


def roofline_chart(v: dict[str, float]) -> Chart:
    peak = peak_tflops(v, v["bytes"])
    _, _, ai = intensity(v)
    ridge = peak / v["bandwidth"]
    xs = sorted(set(INTENSITIES) | {ai, ridge})
    roof = tuple((x, min(peak, x * v["bandwidth"])) for x in xs)
    here = ((ai, min(peak, ai * v["bandwidth"])),)
    return Chart(
        kind="line",
        title="Roofline: attainable TFLOP/s against arithmetic intensity",
        description=f"The roof rises with memory bandwidth ({v['bandwidth']:g} TB/s) up to the "
        f"ridge at {format_number(ridge, 3)} FLOP/byte, then stays at the peak of {peak:g} "
        f"TFLOP/s. This product's intensity, {format_number(ai, 3)} FLOP/byte, reaches "
        f"{format_number(here[0][1], 3)} TFLOP/s.",
        x_label="Arithmetic intensity (FLOP/byte)",
        y_label="Attainable TFLOP/s",
        series=(Series("Roof", roof), Series("This product", here)),
        log_x=True, log_y=True, marks=((ridge, "ridge"),),
    )


ROOFLINE = Calculator(
    name="roofline",
    title="Roofline of a matrix product",
    description="Is a GEMM (or a GEMV, with M = 1) compute- or memory-bound on this GPU, and "
    "what rate can it reach?",
    inputs=(
        Input("bandwidth", "Memory bandwidth", 3.35, "TB/s", min=0, min_exclusive=True,
              max=1000),
        Input("bf16_tflops", "BF16 tensor rate", 989.5, "TFLOP/s", min=0, min_exclusive=True,
              max=1e6),
        Input("fp8_tflops", "FP8 tensor rate", 1979, "TFLOP/s", min=0, min_exclusive=True,
              max=1e6),
        Input("bytes", "Precision", 2, choices=TENSOR_CHOICES),
        Input("m", "M (rows: tokens in the batch)", 1, "", min=1, max=10_000_000, integer=True),
        Input("n", "N (output features)", 4096, "", min=1, max=10_000_000, integer=True),
        Input("k", "K (input features)", 4096, "", min=1, max=10_000_000, integer=True),
    ),
    presets=(gpu_presets("bandwidth", "bf16_tflops", "fp8_tflops"),),
    compute=roofline,
    chart=roofline_chart,
    formula="FLOPs = 2MNK; bytes = (MK + KN + MN) × bytes per value; intensity = FLOPs ÷ bytes; "
    "ridge = peak ÷ bandwidth; attainable = min(peak, intensity × bandwidth)",
    source="Williams, Waterman and Patterson, “Roofline” (CACM, 2009); " + GPU_SOURCE,
    source_url="https://doi.org/10.1145/1498765.1498785",
    note="Assumes each matrix crosses memory once (perfect reuse in on-chip memory).",
)
