"""Prefill of a Llama-3-8B-shaped model on one GPU, to check the ``prefill`` calculator.

Run where PyTorch and a CUDA GPU are (it is not part of the test suite):
``python3 bench/prefill_h100.py``. Random BF16 weights in Llama-3-8B's shapes (32 layers,
hidden 4096, 32 query and 8 KV heads of 128, MLP 14336, vocabulary 128,256, untied); one
prompt per run; fused QKV and gate/up products, RMSNorm, rotary embeddings left out (they
are elementwise), causal ``scaled_dot_product_attention``; logits for the last token only,
as serving engines compute them. Prints one JSON line per prompt length: the median of 5
timed runs after 2 warm-ups, timed with CUDA events, and their spread. (PyTorch picks its
unfused attention for these inputs, so long prompts run out of memory: see
docs/calculators.md.)
"""

from __future__ import annotations

import json
import statistics

import torch
import torch.nn.functional as F  # noqa: N812 - PyTorch's own convention

LAYERS, HIDDEN, HEADS, KV_HEADS, HEAD_DIM, MLP, VOCAB = 32, 4096, 32, 8, 128, 14336, 128_256
PROMPTS = (1024, 4096, 8192, 16384, 32768)


def weights(device: str) -> list[dict[str, torch.Tensor]]:
    def w(rows: int, cols: int) -> torch.Tensor:
        return torch.randn(rows, cols, device=device, dtype=torch.bfloat16) * 0.02

    qkv = (HEADS + 2 * KV_HEADS) * HEAD_DIM
    return [{"qkv": w(HIDDEN, qkv), "o": w(HEADS * HEAD_DIM, HIDDEN),
             "up": w(HIDDEN, 2 * MLP), "down": w(MLP, HIDDEN)} for _ in range(LAYERS)]


def rms(x: torch.Tensor) -> torch.Tensor:
    return x * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + 1e-5).to(x.dtype)


def forward(x: torch.Tensor, layers, head: torch.Tensor) -> torch.Tensor:
    tokens = x.shape[0]
    for layer in layers:
        q, k, v = (rms(x) @ layer["qkv"]).split(
            [HEADS * HEAD_DIM, KV_HEADS * HEAD_DIM, KV_HEADS * HEAD_DIM], dim=-1)
        q = q.view(tokens, HEADS, HEAD_DIM).transpose(0, 1)
        k = k.view(tokens, KV_HEADS, HEAD_DIM).transpose(0, 1)
        v = v.view(tokens, KV_HEADS, HEAD_DIM).transpose(0, 1)
        attn = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        x = x + attn.transpose(0, 1).reshape(tokens, HEADS * HEAD_DIM) @ layer["o"]
        gate, up = (rms(x) @ layer["up"]).chunk(2, dim=-1)
        x = x + (F.silu(gate) * up) @ layer["down"]
    return rms(x[-1:]) @ head


def main() -> None:
    device = "cuda"
    layers = weights(device)
    head = torch.randn(HIDDEN, VOCAB, device=device, dtype=torch.bfloat16) * 0.02
    gpu = torch.cuda.get_device_name()
    with torch.inference_mode():
        for tokens in PROMPTS:
            x = torch.randn(tokens, HIDDEN, device=device, dtype=torch.bfloat16)
            times = []
            for run in range(7):
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(
                    enable_timing=True)
                start.record()
                forward(x, layers, head)
                end.record()
                torch.cuda.synchronize()
                if run >= 2:
                    times.append(start.elapsed_time(end))
            print(json.dumps({"gpu": gpu, "torch": torch.__version__, "prompt": tokens,
                              "ms": round(statistics.median(times), 2),
                              "spread": round(max(times) - min(times), 2)}), flush=True)


if __name__ == "__main__":
    main()
