"""Prefill and time to first token: the prompt's FLOPs at a given MFU.

FLOPs per prompt = 2 × (parameters − input embedding table) × tokens, the matrix products
(Kaplan et al., 2020), plus attention's quadratic term: the scores QKᵀ and the weighted sum
AV take 2 × T² × (heads × head dim) FLOPs each per layer (Hoffmann et al., 2022, appendix F),
halved by the causal mask, so 2 × layers × T² × heads × head dim in all.
"""

from __future__ import annotations

from pressmark.plugins.calculators.base import Calculator, Input, Result, format_number
from pressmark.plugins.calculators.chart import Chart, Series
from pressmark.plugins.calculators.common import (
    GPU_SOURCE,
    TENSOR_CHOICES,
    gpu_presets,
    model_presets,
    peak_tflops,
    powers_of_two,
)


def prompt_flops(v: dict[str, float], tokens: float) -> tuple[float, float]:
    """(matrix-product FLOPs, attention FLOPs) for one prompt of ``tokens`` tokens."""
    if v["embed_b"] >= v["params_b"]:
        raise ValueError("The input embedding table must be smaller than the whole model.")
    linear = 2 * (v["params_b"] - v["embed_b"]) * 1e9 * tokens
    attention = 2 * v["layers"] * tokens**2 * v["attn_dim"]
    return linear, attention


def seconds(v: dict[str, float], flops: float) -> float:
    return flops / (v["gpus"] * peak_tflops(v, v["precision"]) * 1e12 * v["mfu"])


def prefill(v: dict[str, float]) -> list[Result]:
    linear, attention = prompt_flops(v, v["prompt"])
    per_prompt = linear + attention
    ttft = seconds(v, per_prompt * v["batch"])
    tokens = v["prompt"] * v["batch"]
    return [
        Result("FLOPs per prompt", per_prompt / 1e12, "TFLOP"),
        Result("Attention's share of the FLOPs", attention / per_prompt * 100, "%", digits=3),
        Result("TTFT for the batch", ttft * 1000, "ms"),
        Result("Prefill throughput", tokens / ttft, "tokens/s", key="input_tokens_per_s"),
    ]


def prefill_chart(v: dict[str, float]) -> Chart:
    lengths = powers_of_two(256, max(131_072, v["prompt"]))
    full = tuple((float(t), seconds(v, sum(prompt_flops(v, t)) * v["batch"]) * 1000)
                 for t in lengths)
    linear = tuple((float(t), seconds(v, prompt_flops(v, t)[0] * v["batch"]) * 1000)
                   for t in lengths)
    return Chart(
        kind="line",
        title="Time to first token against prompt length",
        description=f"TTFT for prompts of {lengths[0]:,} to {lengths[-1]:,} tokens "
        f"(batch of {v['batch']:g}): {format_number(full[0][1], 3)} ms to "
        f"{format_number(full[-1][1], 3)} ms; without attention's quadratic term the longest "
        f"would take {format_number(linear[-1][1], 3)} ms.",
        x_label="Prompt length (tokens)",
        y_label="TTFT (ms)",
        series=(Series("With attention", full), Series("Matrix products only", linear)),
        log_x=True, log_y=True, marks=((float(v["prompt"]), "this prompt"),),
    )


PREFILL = Calculator(
    name="prefill",
    title="Prefill FLOPs and time to first token",
    description="How long a batch of prompts takes to prefill on given GPUs at a given MFU.",
    inputs=(
        Input("bf16_tflops", "BF16 tensor rate", 989.5, "TFLOP/s per GPU", min=0,
              min_exclusive=True, max=1e6),
        Input("fp8_tflops", "FP8 tensor rate", 1979, "TFLOP/s per GPU", min=0,
              min_exclusive=True, max=1e6),
        Input("precision", "Compute precision", 2, choices=TENSOR_CHOICES),
        Input("mfu", "MFU", 0.5, "of peak", min=0, min_exclusive=True, max=1,
              help="Model FLOPs utilisation: the share of the dense tensor rate the prefill "
              "reaches (PaLM's definition). Set it from a measurement of your engine."),
        Input("gpus", "GPUs", 1, "GPUs", min=1, max=4096, integer=True),
        Input("params_b", "Parameters", 8.03, "billion", min=0, min_exclusive=True,
              max=100_000),
        Input("embed_b", "Input embedding table", 0.525, "billion parameters", min=0,
              max=10_000, help="Looked up, not multiplied: left out of the FLOPs."),
        Input("layers", "Layers", 32, "layers", min=1, max=1000, integer=True),
        Input("attn_dim", "Attention width", 4096, "heads × head dim", min=1, max=1_000_000,
              integer=True),
        Input("prompt", "Prompt length", 8192, "tokens", min=1, max=10_000_000, integer=True),
        Input("batch", "Prompts", 1, "prompts", min=1, max=100_000, integer=True,
              help="Prompts prefilled together; the first token of each comes at the end."),
    ),
    presets=(
        gpu_presets("bf16_tflops", "fp8_tflops"),
        model_presets(lambda m: {"params_b": m.params_b, "embed_b": m.embed_b,
                                 "layers": m.layers, "attn_dim": m.attn_dim}),
    ),
    compute=prefill,
    chart=prefill_chart,
    formula="FLOPs = 2 × (parameters − input embedding table) × tokens + 2 × layers × tokens² "
    "× heads × head dim (causal attention); TTFT = prompts × FLOPs ÷ (GPUs × tensor rate × MFU)",
    source="Kaplan et al., “Scaling Laws for Neural Language Models” (2020), table 1; "
    "Hoffmann et al. (2022), appendix F; PaLM's MFU (Chowdhery et al., 2022); " + GPU_SOURCE,
    source_url="https://arxiv.org/abs/2001.08361",
    note="Queueing, tokenisation and the network are not counted; TTFT here is compute time.",
)
