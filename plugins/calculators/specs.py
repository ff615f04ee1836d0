"""Published figures the built-in calculators use as presets: model shapes and GPU specs.

Model shapes come from each model's ``config.json`` on Hugging Face (``num_hidden_layers``,
``num_key_value_heads``, ``hidden_size / num_attention_heads``). Parameter counts, in
billions, are the totals the Llama and Mistral configs imply (embeddings and output head
included) and the figures on the Qwen2.5 model cards.
GPU figures are NVIDIA's datasheet numbers: memory in GB (10^9 bytes) and peak memory
bandwidth in TB/s (10^12 bytes per second). See docs/calculators.md for the sources.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSpec:
    slug: str
    label: str
    params_b: float
    layers: int
    kv_heads: int
    head_dim: int

    def kv_bytes_per_token(self, bytes_per_value: float = 2) -> float:
        """Keys and values for one token across all layers (FP16/BF16 by default)."""
        return 2 * self.layers * self.kv_heads * self.head_dim * bytes_per_value


@dataclass(frozen=True)
class GpuSpec:
    slug: str
    label: str
    memory_gb: float
    bandwidth_tbs: float


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("llama-3-8b", "Llama-3-8B", 8.03, 32, 8, 128),
    ModelSpec("llama-3-70b", "Llama-3-70B", 70.55, 80, 8, 128),
    ModelSpec("llama-3.1-405b", "Llama-3.1-405B", 405.85, 126, 8, 128),
    ModelSpec("llama-2-7b", "Llama-2-7B (multi-head attention)", 6.74, 32, 32, 128),
    ModelSpec("mistral-7b", "Mistral-7B", 7.24, 32, 8, 128),
    ModelSpec("qwen2.5-7b", "Qwen2.5-7B", 7.61, 28, 4, 128),
    ModelSpec("qwen2.5-72b", "Qwen2.5-72B", 72.7, 80, 8, 128),
)

GPUS: tuple[GpuSpec, ...] = (
    GpuSpec("h100", "NVIDIA H100 SXM (80 GB HBM3)", 80, 3.35),
    GpuSpec("h100-pcie", "NVIDIA H100 PCIe (80 GB HBM2e)", 80, 2.0),
    GpuSpec("h200", "NVIDIA H200 SXM (141 GB HBM3e)", 141, 4.8),
    GpuSpec("b200", "NVIDIA B200 (192 GB HBM3e)", 192, 8.0),
    GpuSpec("a100", "NVIDIA A100 80GB SXM (HBM2e)", 80, 2.039),
    GpuSpec("l40s", "NVIDIA L40S (48 GB GDDR6)", 48, 0.864),
)
