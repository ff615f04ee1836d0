"""The built-in calculators. Each formula is written once, here; docs/calculators.md
states its assumptions and sources.
"""

from __future__ import annotations

from pressmark.plugins.calculators.base import (
    Calculator,
    Input,
    Preset,
    PresetGroup,
    Result,
    format_number,
)
from pressmark.plugins.calculators.specs import GPUS, MODELS

BINARY_UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")
DECIMAL_UNITS = ("bytes", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
SIZES_NOTE = "GiB = 2³⁰ bytes (binary units); GB = 10⁹ bytes (decimal units)."

PRECISION_CHOICES: tuple[tuple[float, str], ...] = (
    (4, "FP32 (4 bytes)"),
    (2, "FP16 / BF16 (2 bytes)"),
    (1, "FP8 / INT8 (1 byte)"),
    (0.5, "INT4 (½ byte)"),
)


def size(label: str, n_bytes: float, binary: bool = True) -> Result:
    """A byte count in the largest unit that keeps the number at or above 1."""
    base, units = (1024, BINARY_UNITS) if binary else (1000, DECIMAL_UNITS)
    value, index = float(n_bytes), 0
    while abs(value) >= base and index < len(units) - 1:
        value /= base
        index += 1
    return Result(label, value, units[index])


def model_presets(values_for) -> PresetGroup:
    return PresetGroup(
        "model", "Model", tuple(Preset(m.slug, m.label, values_for(m)) for m in MODELS)
    )


def gpu_presets() -> PresetGroup:
    return PresetGroup(
        "gpu",
        "GPU",
        tuple(
            Preset(g.slug, g.label, {"bandwidth": g.bandwidth_tbs, "memory": g.memory_gb})
            for g in GPUS
        ),
    )


# --- (1) KV-cache size -----------------------------------------------------------------------


def kv_cache(v: dict[str, float]) -> list[Result]:
    per_token = 2 * v["layers"] * v["kv_heads"] * v["head_dim"] * v["bytes"]
    per_sequence = per_token * v["seq_len"]
    total = per_sequence * v["batch"]
    return [
        size("Per token", per_token),
        size("Per sequence", per_sequence),
        size("Whole batch", total),
        size("Whole batch (decimal units)", total, binary=False),
    ]


KV_CACHE = Calculator(
    name="kv-cache",
    title="KV-cache size",
    description="Memory the attention keys and values take for a batch of sequences.",
    inputs=(
        Input("layers", "Layers", 32, "layers", min=1, max=1000, integer=True),
        Input(
            "kv_heads", "KV heads", 8, "heads", min=1, max=1024, integer=True,
            help="Key/value heads per layer: fewer than query heads with GQA or MQA.",
        ),
        Input("head_dim", "Head dimension", 128, "values", min=1, max=4096, integer=True),
        Input("seq_len", "Sequence length", 8192, "tokens", min=1, max=100_000_000, integer=True),
        Input("batch", "Batch size", 1, "sequences", min=1, max=1_000_000, integer=True),
        Input("bytes", "KV-cache precision", 2, choices=PRECISION_CHOICES),
    ),
    presets=(
        model_presets(
            lambda m: {"layers": m.layers, "kv_heads": m.kv_heads, "head_dim": m.head_dim}
        ),
    ),
    compute=kv_cache,
    formula="2 (K and V) × layers × KV heads × head dimension × sequence length × batch size "
    "× bytes per value",
    source="Pope et al., “Efficiently Scaling Transformer Inference” (2022); model shapes "
    "from each model's config.json",
    source_url="https://arxiv.org/abs/2211.05102",
    note=SIZES_NOTE,
)


# --- (2) Model weight memory by precision ---------------------------------------------------------


def int4_bits(group_size: int, zero_point: float) -> float:
    """4 bits per weight plus one FP16 scale (and an FP16 zero point) per group."""
    return 4 + 16 * (1 + zero_point) / group_size


def weight_memory(v: dict[str, float]) -> list[Result]:
    params = v["params_b"] * 1e9
    bits = int4_bits(v["group_size"], v["zero_point"])
    return [
        size("FP32", params * 4, binary=False),
        size("FP16 / BF16", params * 2, binary=False),
        size("FP8 / INT8", params * 1, binary=False),
        size("INT4 with group scales", params * bits / 8, binary=False),
        Result("INT4 bits per weight", bits, "bits"),
    ]


WEIGHT_MEMORY = Calculator(
    name="weight-memory",
    title="Model weight memory",
    description="Memory the weights alone take at each precision, before KV cache and "
    "activations.",
    inputs=(
        Input(
            "params_b", "Parameters", 8.03, "billion", min=0, min_exclusive=True, max=100_000
        ),
        Input(
            "group_size", "INT4 group size", 128, "weights per group", min=1, max=1_000_000,
            integer=True, help="Weights that share one scale (32, 64 and 128 are common).",
        ),
        Input(
            "zero_point", "INT4 zero point", 0,
            choices=((0, "No (scale only)"), (1, "Yes (FP16 zero per group)")),
        ),
    ),
    presets=(model_presets(lambda m: {"params_b": m.params_b}),),
    compute=weight_memory,
    formula="parameters × bytes per weight; INT4 bits per weight = 4 + 16 / group size "
    "(+ 16 / group size with a zero point)",
    source="Group-wise 4-bit quantization as in GPTQ (Frantar et al., 2022) and AWQ "
    "(Lin et al., 2023)",
    source_url="https://arxiv.org/abs/2210.17323",
    note=SIZES_NOTE,
)


# --- (3) Cost per million tokens ------------------------------------------------------------------


def token_cost(v: dict[str, float]) -> list[Result]:
    per_hour = v["price"] * v["gpus"]
    tokens_per_hour = v["tokens_per_s"] * 3600
    return [
        Result("Cost per million tokens", per_hour / tokens_per_hour * 1e6, "$"),
        Result("Tokens per dollar", tokens_per_hour / per_hour, "tokens"),
        Result("Tokens per hour", tokens_per_hour, "tokens"),
        Result("Cost per hour", per_hour, "$"),
    ]


TOKEN_COST = Calculator(
    name="token-cost",
    title="Cost per million tokens",
    description="What a token costs from the GPU price and the throughput you sustain.",
    inputs=(
        Input("price", "GPU price", 2.5, "$ per GPU-hour", min=0, min_exclusive=True, max=1e6),
        Input("gpus", "GPUs", 1, "GPUs", min=1, max=1_000_000, integer=True),
        Input(
            "tokens_per_s", "Throughput", 2500, "tokens/s", min=0, min_exclusive=True, max=1e12,
            help="Sustained output tokens per second across all the GPUs together.",
        ),
    ),
    compute=token_cost,
    formula="cost per million tokens = price per GPU-hour × GPUs ÷ (tokens per second × 3600) "
    "× 1,000,000",
    source="Unit arithmetic: an hour has 3,600 seconds",
)


# --- (4) Speculative decoding ---------------------------------------------------------------------

MAX_DRAFT = 64


def expected_tokens(alpha: float, k: int) -> float:
    """Tokens a target forward pass yields: (1 - α^(k+1)) / (1 - α), or k + 1 when α = 1."""
    if alpha >= 1:
        return k + 1.0
    return (1 - alpha ** (k + 1)) / (1 - alpha)


def speedup(alpha: float, k: int, cost: float) -> float:
    return expected_tokens(alpha, k) / (k * cost + 1)


def speculative_decoding(v: dict[str, float]) -> list[Result]:
    alpha, k, cost = v["alpha"], v["k"], v["cost"]
    best_k = max(range(1, MAX_DRAFT + 1), key=lambda n: speedup(alpha, n, cost))
    return [
        Result("Expected tokens per target step", expected_tokens(alpha, k), "tokens"),
        Result("Speed-up over plain decoding", speedup(alpha, k, cost), "×"),
        Result(f"Best draft length (1–{MAX_DRAFT})", best_k, "tokens"),
        Result("Speed-up at the best draft length", speedup(alpha, best_k, cost), "×"),
    ]


SPECULATIVE_DECODING = Calculator(
    name="speculative-decoding",
    title="Speculative decoding speed-up",
    description="Expected tokens per target step and wall-clock speed-up for a draft model.",
    inputs=(
        Input(
            "alpha", "Acceptance rate α", 0.8, "(0 to 1)", min=0, max=1,
            help="Probability that the target accepts a drafted token.",
        ),
        Input("k", "Draft length k", 4, "tokens per step", min=1, max=MAX_DRAFT, integer=True),
        Input(
            "cost", "Draft cost ratio c", 0.05, "× a target step", min=0, max=10,
            help="Time of one draft step as a fraction of one target step.",
        ),
    ),
    compute=speculative_decoding,
    formula="E = (1 − α^(k+1)) / (1 − α) tokens per target step (k + 1 when α = 1); "
    "speed-up = E / (k·c + 1)",
    source="Leviathan, Kalman and Matias, “Fast Inference from Transformers via Speculative "
    "Decoding”, ICML 2023",
    source_url="https://arxiv.org/abs/2211.17192",
)


# --- (5) Memory-bandwidth-bound decode throughput -----------------------------------------------


def decode_throughput(v: dict[str, float]) -> list[Result]:
    weights = v["params_b"] * 1e9 * v["weight_bytes"]
    kv = v["batch"] * v["context"] * v["kv_kib"] * 1024
    step_bytes = weights + kv
    step_s = step_bytes / (v["gpus"] * v["bandwidth"] * 1e12)
    per_gpu = step_bytes / v["gpus"]
    memory = v["memory"] * 1e9
    fit = size("Memory needed per GPU", per_gpu, binary=False)
    verdict = "fits" if per_gpu <= memory else "does not fit"
    capacity = f"{format_number(v['memory'], 6)} GB"
    return [
        size("Bytes read per decode step", step_bytes, binary=False),
        Result("Step time, lower bound", step_s * 1000, "ms"),
        Result("Per sequence, upper bound", 1 / step_s, "tokens/s"),
        Result("Whole batch, upper bound", v["batch"] / step_s, "tokens/s"),
        Result(fit.label, fit.value, fit.unit, text=f"{fit.display} of {capacity}: {verdict}"),
    ]


DECODE_THROUGHPUT = Calculator(
    name="decode-throughput",
    title="Decode throughput (memory-bandwidth bound)",
    description="Upper bound on decode speed when every step reads the weights and the "
    "KV cache from GPU memory.",
    inputs=(
        Input(
            "bandwidth", "Memory bandwidth", 3.35, "TB/s per GPU", min=0, min_exclusive=True,
            max=1000,
        ),
        Input("memory", "GPU memory", 80, "GB per GPU", min=0, min_exclusive=True, max=100_000),
        Input(
            "gpus", "GPUs", 8, "GPUs", min=1, max=4096, integer=True,
            help="Tensor-parallel GPUs sharing the weights and the KV cache.",
        ),
        Input(
            "params_b", "Parameters", 70.55, "billion", min=0, min_exclusive=True, max=100_000
        ),
        Input("weight_bytes", "Weight precision", 2, choices=PRECISION_CHOICES),
        Input(
            "kv_kib", "KV cache per token", 320, "KiB", min=0, max=1_000_000,
            help="All layers, at the precision you store it (the model presets are FP16).",
        ),
        Input("context", "Context length", 4096, "tokens", min=0, max=100_000_000, integer=True),
        Input("batch", "Batch size", 1, "sequences", min=1, max=1_000_000, integer=True),
    ),
    presets=(
        gpu_presets(),
        model_presets(
            lambda m: {"params_b": m.params_b, "kv_kib": m.kv_bytes_per_token() / 1024}
        ),
    ),
    compute=decode_throughput,
    formula="step time ≥ (weights + batch × context × KV per token) ÷ (GPUs × bandwidth); "
    "tokens/s per sequence = 1 ÷ step time; whole batch = batch ÷ step time",
    source="NVIDIA H100, H200, B200 and A100 datasheets (peak memory bandwidth)",
    source_url="https://www.nvidia.com/en-us/data-center/h100/",
    note="An upper bound: it ignores compute, communication between GPUs and kernel "
    "overheads, and assumes the datasheet's peak bandwidth. GB = 10⁹ bytes.",
)


BUILTIN_CALCULATORS: tuple[Calculator, ...] = (
    KV_CACHE,
    WEIGHT_MEMORY,
    TOKEN_COST,
    SPECULATIVE_DECODING,
    DECODE_THROUGHPUT,
)
