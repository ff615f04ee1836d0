"""Tensor-parallel all-reduce: ring time from NCCL's bus-bandwidth formula, per layer and
per token.

NCCL's tests report an all-reduce's bus bandwidth as busbw = algbw × 2(n − 1)/n, where
algbw = bytes ÷ time: a ring all-reduce moves 2(n − 1)/n of the buffer through each GPU's
link. So time = 2(n − 1)/n × bytes ÷ bus bandwidth. Megatron-LM's tensor parallelism
all-reduces twice per layer in the forward pass (after attention and after the MLP).
"""

from __future__ import annotations

from pressmark.plugins.calculators.base import Calculator, Input, Result
from pressmark.plugins.calculators.common import TENSOR_CHOICES, link_presets, model_presets, size

NCCL_URL = "https://github.com/NVIDIA/nccl-tests/blob/master/doc/PERFORMANCE.md"
ALLREDUCES_PER_LAYER = 2


def ring_seconds(n: float, n_bytes: float, bus_gbs: float, latency_s: float = 0.0) -> float:
    """One ring all-reduce of ``n_bytes`` over ``n`` GPUs at ``bus_gbs`` GB/s bus bandwidth."""
    return latency_s + 2 * (n - 1) / n * n_bytes / (bus_gbs * 1e9)


def tp_allreduce(v: dict[str, float]) -> list[Result]:
    n = v["tp"]
    message = v["tokens"] * v["hidden"] * v["bytes"]
    one = ring_seconds(n, message, v["link_gbs"], v["latency_us"] / 1e6)
    per_layer = ALLREDUCES_PER_LAYER * one
    per_step = per_layer * v["layers"]
    return [
        size("Bytes per all-reduce", message),
        Result("Time per all-reduce", one * 1e6, "µs"),
        Result("Per layer (2 all-reduces)", per_layer * 1e6, "µs"),
        Result("Per forward step (all layers)", per_step * 1000, "ms"),
        Result("Per token of the step", per_step / v["tokens"] * 1e6, "µs"),
        size("Sent by each GPU per step", 2 * (n - 1) / n * message * ALLREDUCES_PER_LAYER
             * v["layers"], binary=False),
    ]


TP_ALLREDUCE = Calculator(
    name="tp-allreduce",
    title="Tensor-parallel all-reduce time",
    description="What the all-reduces of tensor parallelism cost per layer and per token, "
    "from the message size, the TP degree and the link's bus bandwidth.",
    inputs=(
        Input("tp", "TP degree n", 8, "GPUs", min=2, max=1024, integer=True),
        Input("link_gbs", "Bus bandwidth", 450, "GB/s each way", min=0, min_exclusive=True,
              max=1e6, help="The link's one-direction rate per GPU; NCCL's measured bus "
              "bandwidth is lower, so put yours here if you have it."),
        Input("latency_us", "Fixed cost per all-reduce", 0, "µs", min=0, max=1e6,
              help="Launch and synchronisation time, which dominates small decode messages; "
              "0 gives the bandwidth term alone."),
        Input("hidden", "Hidden size", 8192, "values", min=1, max=1_000_000, integer=True),
        Input("layers", "Layers", 80, "layers", min=1, max=1000, integer=True),
        Input("bytes", "Activation precision", 2, choices=TENSOR_CHOICES),
        Input("tokens", "Tokens per step", 1, "tokens", min=1, max=100_000_000, integer=True,
              help="The batch size while decoding; prompt tokens × prompts while prefilling."),
    ),
    presets=(link_presets(), model_presets(lambda m: {"hidden": m.hidden, "layers": m.layers})),
    compute=tp_allreduce,
    formula="time = fixed cost + 2(n − 1)/n × tokens × hidden × bytes ÷ bus bandwidth; "
    "2 all-reduces per layer; per step = layers × per layer",
    source="NCCL tests, “Performance reported by NCCL tests” (bus bandwidth); Shoeybi et al., "
    "“Megatron-LM” (2019), section 3",
    source_url=NCCL_URL,
    note="Link presets: the datasheet's bidirectional figure halved (one direction).",
)
