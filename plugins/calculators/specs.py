"""Published model shapes the built-in calculators use as presets, and the GPU table.

Model shapes come from each model's ``config.json`` on Hugging Face (``num_hidden_layers``,
``hidden_size``, ``num_attention_heads``, ``num_key_value_heads``, ``head_dim`` or
``hidden_size / num_attention_heads``, ``vocab_size``, ``tie_word_embeddings``). Parameter
counts, in billions, are the totals the Llama and Mistral configs imply (embeddings and
output head included) and the figures on the Qwen2.5 model cards. The GPU figures live in
``gpus.py``, each with its datasheet source.
"""

from __future__ import annotations

from dataclasses import dataclass

from pressmark.plugins.calculators.gpus import GPU_BY_SLUG, GPUS, LINKS, GpuSpec, LinkSpec

__all__ = ["GPUS", "GPU_BY_SLUG", "LINKS", "MODELS", "GpuSpec", "LinkSpec", "ModelSpec"]


@dataclass(frozen=True)
class ModelSpec:
    slug: str
    label: str
    params_b: float
    layers: int
    kv_heads: int
    head_dim: int
    hidden: int
    heads: int
    vocab: int
    tied: bool = False

    def kv_bytes_per_token(self, bytes_per_value: float = 2) -> float:
        """Keys and values for one token across all layers (FP16/BF16 by default)."""
        return 2 * self.layers * self.kv_heads * self.head_dim * bytes_per_value

    @property
    def embed_b(self) -> float:
        """Parameters (billions) of the input embedding table that a decode step does not
        read in full (one row per token). Tied embeddings are the output head too, read
        whole for the logits, so none are left out."""
        return 0.0 if self.tied else self.vocab * self.hidden / 1e9

    @property
    def attn_dim(self) -> int:
        """Query heads × head dimension: the width of attention's score and value products."""
        return self.heads * self.head_dim


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("llama-3-8b", "Llama-3-8B", 8.03, 32, 8, 128, 4096, 32, 128_256),
    ModelSpec("llama-3-70b", "Llama-3-70B", 70.55, 80, 8, 128, 8192, 64, 128_256),
    ModelSpec("llama-3.1-405b", "Llama-3.1-405B", 405.85, 126, 8, 128, 16_384, 128, 128_256),
    ModelSpec("llama-3.2-1b", "Llama-3.2-1B (tied embeddings)", 1.24, 16, 8, 64, 2048, 32,
              128_256, tied=True),
    ModelSpec("llama-2-7b", "Llama-2-7B (multi-head attention)", 6.74, 32, 32, 128, 4096, 32,
              32_000),
    ModelSpec("mistral-7b", "Mistral-7B", 7.24, 32, 8, 128, 4096, 32, 32_000),
    ModelSpec("qwen2.5-7b", "Qwen2.5-7B", 7.61, 28, 4, 128, 3584, 28, 152_064),
    ModelSpec("qwen2.5-72b", "Qwen2.5-72B", 72.7, 80, 8, 128, 8192, 64, 152_064),
)
