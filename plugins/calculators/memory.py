"""Memory calculators: the KV cache and the weights at each precision."""

from __future__ import annotations

from pressmark.plugins.calculators.base import Calculator, Input, Result
from pressmark.plugins.calculators.common import (
    PRECISION_CHOICES,
    SIZES_NOTE,
    model_presets,
    size,
)


def kv_cache(v: dict[str, float]) -> list[Result]:
    """KV bytes = 2 × layers × KV heads × head dim × tokens × batch × bytes per value."""
    per_token = 2 * v["layers"] * v["kv_heads"] * v["head_dim"] * v["bytes"]
    per_sequence = per_token * v["seq_len"]
    total = per_sequence * v["batch"]
    return [
        size("Per token", per_token, key="kv_kib", feed=per_token / 1024),
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


def int4_bits(group_size: int, zero_point: float) -> float:
    """4 bits per weight plus one FP16 scale (and an FP16 zero point) per group."""
    return 4 + 16 * (1 + zero_point) / group_size


def weight_memory(v: dict[str, float]) -> list[Result]:
    """Parameters × bytes per weight at FP32, BF16, FP8 and group-scaled INT4."""
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
