"""Decode: the bandwidth-bound throughput with a measured efficiency, and the per-token
latency (TPOT) against batch size, memory-bound below the ridge and compute-bound above.

Every decode step reads the weights once (shared by the batch) plus each sequence's KV
cache. The input embedding table is left out of that read: a step looks up one row per
token, not the whole table. Tied embeddings are the output head as well, which is read
whole for the logits, so they count once.
"""

from __future__ import annotations

from pressmark.plugins.calculators.base import Calculator, Input, Result, format_number
from pressmark.plugins.calculators.chart import Chart, Series
from pressmark.plugins.calculators.common import (
    GPU_SOURCE,
    GPU_SOURCE_URL,
    PRECISION_CHOICES,
    gpu_presets,
    model_presets,
    peak_tflops,
    powers_of_two,
    size,
)

EFFICIENCY_HELP = (
    "Share of the datasheet bandwidth real kernels reach. 0.7 is what plain PyTorch "
    "kernels reached on an H100 in our measurement (0.63–0.70); tuned engines reach more."
)


def _inputs(*extra: Input, context: int = 1024) -> tuple[Input, ...]:
    return (
        Input("bandwidth", "Memory bandwidth", 3.35, "TB/s per GPU", min=0,
              min_exclusive=True, max=1000),
        Input("efficiency", "Bandwidth efficiency", 0.7, "of datasheet", min=0,
              min_exclusive=True, max=1, help=EFFICIENCY_HELP),
        *extra,
        Input("gpus", "GPUs", 1, "GPUs", min=1, max=4096, integer=True,
              help="Tensor-parallel GPUs sharing the weights and the KV cache."),
        Input("params_b", "Parameters", 8.03, "billion", min=0, min_exclusive=True,
              max=100_000),
        Input("embed_b", "Input embedding table", 0.525, "billion parameters", min=0,
              max=10_000, help="vocabulary × hidden size; a step reads one row per token, so "
              "it is left out of the read. 0 for tied embeddings (read whole as the output "
              "head)."),
        Input("weight_bytes", "Weight precision", 2, choices=PRECISION_CHOICES),
        Input("kv_kib", "KV cache per token", 128, "KiB", min=0, max=1_000_000,
              help="All layers, at the precision you store it (the model presets are FP16)."),
        Input("context", "Context length", context, "tokens", min=0, max=100_000_000,
              integer=True, help="Tokens already in each sequence's KV cache."),
        Input("batch", "Batch size", 1, "sequences", min=1, max=1_000_000, integer=True),
    )


def _model(m) -> dict[str, float]:
    return {"params_b": m.params_b, "embed_b": m.embed_b, "kv_kib": m.kv_bytes_per_token() / 1024}


def step_bytes(v: dict[str, float], batch: float | None = None) -> tuple[float, float]:
    """(weight bytes read per step, KV bytes read per step) for the whole model."""
    if v["embed_b"] >= v["params_b"]:
        raise ValueError("The input embedding table must be smaller than the whole model.")
    weights = (v["params_b"] - v["embed_b"]) * 1e9 * v["weight_bytes"]
    kv = (v["batch"] if batch is None else batch) * v["context"] * v["kv_kib"] * 1024
    return weights, kv


def decode_throughput(v: dict[str, float]) -> list[Result]:
    weights, kv = step_bytes(v)
    read = weights + kv
    bound_s = read / (v["gpus"] * v["bandwidth"] * 1e12)
    expected_s = bound_s / v["efficiency"]
    stored = (v["params_b"] * 1e9 * v["weight_bytes"] + kv) / v["gpus"]
    fit = size("Memory needed per GPU", stored, binary=False)
    verdict = "fits" if stored <= v["memory"] * 1e9 else "does not fit"
    capacity = f"{format_number(v['memory'], 6)} GB"
    batch = v["batch"]
    return [
        size("Bytes read per decode step", read, binary=False),
        Result("Step time, bound", bound_s * 1000, "ms"),
        Result("Step time, expected", expected_s * 1000, "ms"),
        Result("Per sequence, bound", 1 / bound_s, "tokens/s"),
        Result("Per sequence, expected", 1 / expected_s, "tokens/s"),
        Result("Whole batch, bound", batch / bound_s, "tokens/s"),
        Result("Whole batch, expected", batch / expected_s, "tokens/s", key="tokens_per_s"),
        Result(fit.label, fit.value, fit.unit, text=f"{fit.display} of {capacity}: {verdict}"),
    ]


DECODE_THROUGHPUT = Calculator(
    name="decode-throughput",
    title="Decode throughput (memory-bandwidth bound)",
    description="Decode speed when every step reads the weights and the KV cache from GPU "
    "memory: the datasheet bound and what kernels reaching a share of it deliver.",
    inputs=_inputs(Input("memory", "GPU memory", 80, "GB per GPU", min=0, min_exclusive=True,
                         max=100_000)),
    presets=(gpu_presets("bandwidth", "memory"), model_presets(_model)),
    compute=decode_throughput,
    formula="bytes per step = (parameters − input embedding table) × bytes per weight + batch "
    "× context × KV per token; step time ≥ bytes ÷ (GPUs × bandwidth); expected = bound ÷ "
    "efficiency; tokens/s per sequence = 1 ÷ step time; whole batch = batch ÷ step time",
    source=GPU_SOURCE + "; efficiency from a measured H100 decode step (docs/calculators.md)",
    source_url=GPU_SOURCE_URL,
    note="The bound ignores compute, communication between GPUs and launch overheads. The "
    "memory needed per GPU counts every weight, embeddings included. GB = 10⁹ bytes.",
)


# --- decode latency (TPOT) with batching --------------------------------------------------------


def step_times(v: dict[str, float], batch: float) -> tuple[float, float]:
    """(memory time, compute time) of one decode step for ``batch`` sequences, seconds."""
    weights, kv = step_bytes(v, batch)
    memory_s = (weights + kv) / (v["gpus"] * v["bandwidth"] * 1e12 * v["efficiency"])
    flops = 2 * (v["params_b"] - v["embed_b"]) * 1e9 * batch
    compute_s = flops / (v["gpus"] * peak_tflops(v, v["weight_bytes"]) * 1e12 * v["mfu"])
    return memory_s, compute_s


def ridge_batch(v: dict[str, float]) -> float | None:
    """The batch size where compute time overtakes memory time (``None``: never, since the
    KV read grows with the batch as fast as the compute does)."""
    weights, _ = step_bytes(v)
    rate_bw = v["gpus"] * v["bandwidth"] * 1e12 * v["efficiency"]
    rate_flops = v["gpus"] * peak_tflops(v, v["weight_bytes"]) * 1e12 * v["mfu"]
    per_sequence = 2 * (v["params_b"] - v["embed_b"]) * 1e9 / rate_flops
    per_sequence -= v["context"] * v["kv_kib"] * 1024 / rate_bw
    return None if per_sequence <= 0 else (weights / rate_bw) / per_sequence


def decode_batching(v: dict[str, float]) -> list[Result]:
    batch = v["batch"]
    memory_s, compute_s = step_times(v, batch)
    step_s = max(memory_s, compute_s)
    ridge = ridge_batch(v)
    regime = "memory-bound" if memory_s >= compute_s else "compute-bound"
    return [
        Result("Time per output token (TPOT)", step_s * 1000, "ms"),
        Result("Per sequence", 1 / step_s, "tokens/s"),
        Result("Whole batch", batch / step_s, "tokens/s", key="tokens_per_s"),
        Result("Regime at this batch", 0, text=regime),
        Result("Ridge batch (compute takes over)", ridge or 0, "sequences",
               text=None if ridge else "never: the KV read grows as fast as compute"),
    ]


def batching_chart(v: dict[str, float]) -> Chart:
    batches = powers_of_two(1, max(1024, v["batch"]))
    best, bandwidth_only = [], []
    for b in batches:
        memory_s, compute_s = step_times(v, b)
        best.append((float(b), b / max(memory_s, compute_s)))
        bandwidth_only.append((float(b), b / memory_s))
    ridge = ridge_batch(v)
    marks = ((ridge, f"ridge ≈ {format_number(ridge, 3)}"),) if ridge else ()
    return Chart(
        kind="line",
        title="Whole-batch decode throughput against batch size",
        description=f"Tokens per second for batches of 1 to {batches[-1]:,}: "
        f"{format_number(best[0][1], 3)} at batch 1 and {format_number(best[-1][1], 3)} at "
        f"{batches[-1]:,}. "
        + (f"Compute takes over from memory bandwidth near batch {format_number(ridge, 3)}."
           if ridge else "The step stays memory-bound at every batch size."),
        x_label="Batch size (sequences)",
        y_label="Tokens/s, whole batch",
        series=(Series("Expected", tuple(best)),
                Series("Memory bandwidth alone", tuple(bandwidth_only))),
        log_x=True, log_y=True, marks=marks,
    )


DECODE_BATCHING = Calculator(
    name="decode-batching",
    title="Decode latency and throughput with batching",
    description="Time per output token and whole-batch throughput against batch size, from "
    "memory-bound to compute-bound at the roofline's ridge.",
    inputs=_inputs(
        Input("bf16_tflops", "BF16 tensor rate", 989.5, "TFLOP/s per GPU", min=0,
              min_exclusive=True, max=1e6),
        Input("fp8_tflops", "FP8 tensor rate", 1979, "TFLOP/s per GPU", min=0,
              min_exclusive=True, max=1e6, help="Used for FP8 (or smaller) weights."),
        Input("mfu", "Compute efficiency (MFU)", 0.7, "of peak", min=0, min_exclusive=True,
              max=1, help="Share of the dense tensor rate the matrix products reach."),
        context=128,
    ),
    presets=(gpu_presets("bandwidth", "bf16_tflops", "fp8_tflops"), model_presets(_model)),
    compute=decode_batching,
    chart=batching_chart,
    formula="memory time = (weights read + batch × context × KV per token) ÷ (GPUs × bandwidth "
    "× efficiency); compute time = 2 × (parameters − input embedding table) × batch ÷ (GPUs × "
    "tensor rate × MFU); TPOT = the larger of the two",
    source="The roofline model (Williams, Waterman and Patterson, 2009) applied to decode; "
    + GPU_SOURCE,
    source_url="https://doi.org/10.1145/1498765.1498785",
    note="Attention's own FLOPs, communication and launch overheads are left out; the KV "
    "read is counted in memory time.",
)
