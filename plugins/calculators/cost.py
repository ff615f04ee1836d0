"""Cost per million tokens: GPU price, GPUs and throughput, input against output tokens."""

from __future__ import annotations

from pressmark.plugins.calculators.base import Calculator, Input, Result
from pressmark.plugins.calculators.chart import Chart, Series

UTILISATION_STEPS = tuple(u / 10 for u in range(1, 11))


def per_million(price_per_hour: float, tokens_per_s: float, utilisation: float) -> float:
    """Dollars per million tokens when the GPUs are busy ``utilisation`` of the time."""
    return price_per_hour / (tokens_per_s * utilisation * 3600) * 1e6


def token_cost(v: dict[str, float]) -> list[Result]:
    per_hour = v["price"] * v["gpus"]
    used = v["utilisation"]
    tokens_per_hour = v["tokens_per_s"] * 3600 * used
    return [
        Result("Cost per million output tokens", per_million(per_hour, v["tokens_per_s"], used),
               "$"),
        Result("Cost per million input tokens",
               per_million(per_hour, v["input_tokens_per_s"], used), "$"),
        Result("Output tokens per dollar", tokens_per_hour / per_hour, "tokens"),
        Result("Output tokens per hour", tokens_per_hour, "tokens"),
        Result("Cost per hour", per_hour, "$"),
    ]


def cost_chart(v: dict[str, float]) -> Chart:
    per_hour = v["price"] * v["gpus"]
    output = tuple(
        (u * 100, per_million(per_hour, v["tokens_per_s"], u)) for u in UTILISATION_STEPS
    )
    prompt = tuple(
        (u * 100, per_million(per_hour, v["input_tokens_per_s"], u)) for u in UTILISATION_STEPS
    )
    return Chart(
        kind="line",
        title="Cost per million tokens against utilisation",
        description=f"At ${per_hour:,.2f} an hour, a million output tokens cost "
        f"${output[-1][1]:,.4g} when the GPUs are always busy and ${output[0][1]:,.4g} when "
        f"they are busy 10% of the time; input tokens cost ${prompt[-1][1]:,.4g} to "
        f"${prompt[0][1]:,.4g}.",
        x_label="Utilisation (% of the time the GPUs are busy)",
        y_label="$ per million tokens",
        series=(Series("Output tokens", output), Series("Input tokens", prompt)),
        log_y=True,
    )


TOKEN_COST = Calculator(
    name="token-cost",
    title="Cost per million tokens",
    description="What a token costs from the GPU price and the throughput you sustain, for "
    "prompt (input) and generated (output) tokens.",
    inputs=(
        Input("price", "GPU price", 2.5, "$ per GPU-hour", min=0, min_exclusive=True, max=1e6),
        Input("gpus", "GPUs", 1, "GPUs", min=1, max=1_000_000, integer=True),
        Input(
            "tokens_per_s", "Output throughput", 2500, "tokens/s", min=0, min_exclusive=True,
            max=1e12, help="Generated tokens per second across all the GPUs together (the "
            "decode calculators' whole-batch figure).",
        ),
        Input(
            "input_tokens_per_s", "Input throughput", 25_000, "tokens/s", min=0,
            min_exclusive=True, max=1e12, help="Prompt tokens per second (prefill), across "
            "all the GPUs (the prefill calculator's figure).",
        ),
        Input(
            "utilisation", "Utilisation", 1, "(0 to 1)", min=0, min_exclusive=True, max=1,
            help="Share of the hours paid for that the GPUs spend working; idle time is "
            "paid for too.",
        ),
    ),
    compute=token_cost,
    chart=cost_chart,
    formula="cost per million tokens = price per GPU-hour × GPUs ÷ (tokens per second × "
    "utilisation × 3600) × 1,000,000, for output and input tokens each",
    source="Unit arithmetic: an hour has 3,600 seconds",
    note="Input tokens are cheaper because prefill processes a whole prompt in one pass; "
    "priced separately, as API providers do.",
)
