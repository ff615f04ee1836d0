"""Speculative decoding: expected tokens per target step and the wall-clock speed-up."""

from __future__ import annotations

from pressmark.plugins.calculators.base import Calculator, Input, Result
from pressmark.plugins.calculators.chart import Chart, Series

MAX_DRAFT = 64
CHART_K = tuple(range(1, 17))


def expected_tokens(alpha: float, k: int) -> float:
    """Tokens a target forward pass yields: (1 - α^(k+1)) / (1 - α), or k + 1 when α = 1."""
    if alpha >= 1:
        return k + 1.0
    return (1 - alpha ** (k + 1)) / (1 - alpha)


def speedup(alpha: float, k: int, cost: float) -> float:
    return expected_tokens(alpha, k) / (k * cost + 1)


def speculative_decoding(v: dict[str, float]) -> list[Result]:
    """Leviathan et al. (2023), equation (1) and Theorem 3.8."""
    alpha, k, cost = v["alpha"], v["k"], v["cost"]
    best_k = max(range(1, MAX_DRAFT + 1), key=lambda n: speedup(alpha, n, cost))
    return [
        Result("Expected tokens per target step", expected_tokens(alpha, k), "tokens"),
        Result("Speed-up over plain decoding", speedup(alpha, k, cost), "×"),
        Result(f"Best draft length (1–{MAX_DRAFT})", best_k, "tokens"),
        Result("Speed-up at the best draft length", speedup(alpha, best_k, cost), "×"),
    ]


def speculative_chart(v: dict[str, float]) -> Chart:
    alpha, cost = v["alpha"], v["cost"]
    points = tuple((float(k), speedup(alpha, k, cost)) for k in CHART_K)
    best = max(points, key=lambda p: p[1])
    return Chart(
        kind="line",
        title=f"Speed-up against draft length at α = {alpha:g}, c = {cost:g}",
        description=f"Speed-up for draft lengths 1 to {CHART_K[-1]}; it peaks at "
        f"{best[1]:.2f}× with k = {best[0]:g}.",
        x_label="Draft length k (tokens)",
        y_label="Speed-up (×)",
        series=(Series("Speed-up", points),),
        marks=((best[0], f"best k = {best[0]:g}"),),
    )


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
    chart=speculative_chart,
    formula="E = (1 − α^(k+1)) / (1 − α) tokens per target step (k + 1 when α = 1); "
    "speed-up = E / (k·c + 1)",
    source="Leviathan, Kalman and Matias, “Fast Inference from Transformers via Speculative "
    "Decoding”, ICML 2023",
    source_url="https://arxiv.org/abs/2211.17192",
)
