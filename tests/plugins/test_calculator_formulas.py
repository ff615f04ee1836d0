"""The calculators against figures others published or measured: the H100 decode table in
issue 19, NCCL's bus-bandwidth definition, Megatron-LM's two all-reduces per layer, the
roofline ridge points of NVIDIA's datasheets, the FLOP counts of Kaplan et al. and of
Chinchilla, PaLM's MFU; and every displayed number's rounding and unit.
"""

from __future__ import annotations

import pytest
from pressmark.plugins.calculators import evaluate
from pressmark.plugins.calculators.builtins import BUILTIN_CALCULATORS, compute_by_name
from pressmark.plugins.calculators.specs import MODELS

CALCS = {c.name: c for c in BUILTIN_CALCULATORS}
MODEL = {m.slug: m for m in MODELS}


def results(name: str, **params) -> dict:
    evaluation = evaluate(CALCS[name], {k: str(v) for k, v in params.items()})
    assert evaluation.ok, evaluation.errors
    return {r.label: r for r in evaluation.results}


# One decode step of a Llama-3-8B-shaped model on one H100 80GB HBM3 (issue 19): PyTorch,
# bf16, matrix-vector products and SDPA in a CUDA graph.
# (batch, context, step ms, tokens/s whole batch, GB read per step, effective TB/s)
MEASURED_H100 = [
    (1, 1024, 6.89, 145, 15.14, 2.20),
    (1, 8192, 7.21, 139, 16.08, 2.23),
    (8, 1024, 7.70, 1040, 16.08, 2.09),
    (8, 8192, 10.06, 795, 23.60, 2.35),
    (32, 1024, 8.93, 3585, 19.31, 2.16),
]
# The default efficiency (0.7) predicts the measured step within this share: the runs
# reached 0.62 to 0.70 of the datasheet bandwidth.
DEFAULT_EFFICIENCY_TOLERANCE = 0.13


@pytest.mark.parametrize(("batch", "context", "ms", "tps", "gb", "tbs"), MEASURED_H100)
def test_decode_reads_what_the_measured_h100_step_read(batch, context, ms, tps, gb, tbs):
    found = results("decode-throughput", gpu="h100", model="llama-3-8b", batch=batch,
                    context=context)
    # Weights less the 1.05 GB input embedding table, plus every sequence's KV cache. The
    # table's figures also count the new token's own K and V (context + 1): 0.01 GB at most.
    read = found["Bytes read per decode step"]
    assert read.unit == "GB" and read.value == pytest.approx(gb, abs=0.011)


@pytest.mark.parametrize(("batch", "context", "ms", "tps", "gb", "tbs"), MEASURED_H100)
def test_decode_at_the_default_efficiency_predicts_the_measured_step(
    batch, context, ms, tps, gb, tbs
):
    found = results("decode-throughput", gpu="h100", model="llama-3-8b", batch=batch,
                    context=context)
    assert found["Step time, expected"].value == pytest.approx(ms, rel=DEFAULT_EFFICIENCY_TOLERANCE)
    assert found["Whole batch, expected"].value == pytest.approx(
        tps, rel=DEFAULT_EFFICIENCY_TOLERANCE
    )
    # The datasheet bound is faster than anything measured.
    assert found["Step time, bound"].value < ms


@pytest.mark.parametrize(("batch", "context", "ms", "tps", "gb", "tbs"), MEASURED_H100)
def test_decode_at_the_measured_efficiency_reproduces_the_step(batch, context, ms, tps, gb, tbs):
    found = results("decode-throughput", gpu="h100", model="llama-3-8b", batch=batch,
                    context=context, efficiency=tbs / 3.35)
    # The table's TB/s is rounded to 3 figures: 1.5% covers it.
    assert found["Step time, expected"].value == pytest.approx(ms, rel=0.015)
    found = results("decode-batching", gpu="h100", model="llama-3-8b", batch=batch,
                    context=context, efficiency=tbs / 3.35)
    assert found["Time per output token (TPOT)"].value == pytest.approx(ms, rel=0.015)
    assert found["Regime at this batch"].display == "memory-bound"


def test_the_input_embedding_table_is_left_out_and_tied_embeddings_count_once():
    untied = MODEL["llama-3-8b"]
    assert untied.embed_b == pytest.approx(128_256 * 4096 / 1e9)  # 0.525 B, 1.05 GB in BF16
    full = results("decode-throughput", model="llama-3-8b", context=0, embed_b=0)
    lean = results("decode-throughput", model="llama-3-8b", context=0)
    difference = full["Bytes read per decode step"].value - lean["Bytes read per decode step"].value
    assert difference == pytest.approx(1.05, abs=0.005)  # GB: the "1 GB difference"
    # Llama-3.2-1B ties its embeddings to the output head, read whole: nothing is left out.
    tied = results("decode-throughput", model="llama-3.2-1b", context=0)
    assert MODEL["llama-3.2-1b"].embed_b == 0
    assert tied["Bytes read per decode step"].display == "2.48 GB"


def test_an_embedding_table_larger_than_the_model_is_refused():
    evaluation = evaluate(CALCS["decode-throughput"], {"params_b": "1", "embed_b": "2"})
    assert evaluation.errors == {
        "_": "The input embedding table must be smaller than the whole model."
    }


# --- decode with batching: memory-bound below the ridge, compute-bound above -----------------


def test_the_batching_ridge_is_the_roofline_ridge_when_both_efficiencies_match():
    # With no KV cache, the crossover batch is peak ÷ bandwidth × bytes per weight ÷ 2: for
    # BF16 on an H100 SXM, 989.5 ÷ 3.35 = 295.4, NVIDIA's datasheet figures.
    found = results("decode-batching", gpu="h100", model="llama-3-70b", context=0,
                    efficiency=0.7, mfu=0.7)
    assert found["Ridge batch (compute takes over)"].value == pytest.approx(989.5 / 3.35)
    assert found["Ridge batch (compute takes over)"].display == "295.4 sequences"
    below = results("decode-batching", gpu="h100", model="llama-3-70b", context=0, batch=256)
    above = results("decode-batching", gpu="h100", model="llama-3-70b", context=0, batch=512)
    assert below["Regime at this batch"].display == "memory-bound"
    assert above["Regime at this batch"].display == "compute-bound"
    # Above the ridge, doubling the batch no longer doubles throughput's rate per sequence.
    assert above["Per sequence"].value < below["Per sequence"].value


def test_long_contexts_stay_memory_bound_at_every_batch():
    # Each sequence reads 1 GiB of KV at 8k tokens: that grows as fast as its compute.
    found = results("decode-batching", gpu="h100", model="llama-3-8b", context=8192,
                    batch=4096)
    assert found["Regime at this batch"].display == "memory-bound"
    assert found["Ridge batch (compute takes over)"].display.startswith("never")


def test_fp8_weights_use_the_fp8_rate_and_the_a100_its_bf16_rate():
    fp8 = results("decode-batching", gpu="h100", context=0, weight_bytes=1, batch=4096)
    bf16 = results("decode-batching", gpu="h100", context=0, weight_bytes=2, batch=4096)
    assert fp8["Time per output token (TPOT)"].value == pytest.approx(
        bf16["Time per output token (TPOT)"].value / 2
    )
    a100 = results("decode-batching", gpu="a100", context=0, weight_bytes=1, batch=4096)
    assert a100["Regime at this batch"].display == "compute-bound"


# --- prefill and TTFT --------------------------------------------------------------------------


def test_prefill_matrix_flops_are_kaplans_two_n_per_token():
    # Kaplan et al. (2020), table 1: a forward pass costs 2N FLOPs per token, N the
    # non-embedding parameters; Llama-3-8B has 8.03 - 0.525 = 7.505 B.
    found = results("prefill", model="llama-3-8b", prompt=1, attn_dim=1)
    assert found["FLOPs per prompt"].value == pytest.approx(2 * 7.505e9 / 1e12, rel=1e-3)


def test_prefill_attention_is_chinchillas_count_halved_by_the_causal_mask():
    # Hoffmann et al. (2022), appendix F: per layer, logits 2·T·T·(key size · heads) and the
    # softmax-weighted reduction as much again; a causal mask needs half of both.
    model, tokens = MODEL["llama-3-70b"], 32_768
    chinchilla = 2 * (2 * tokens * tokens * model.attn_dim) * model.layers
    matrices = 2 * (model.params_b - model.embed_b) * 1e9 * tokens
    found = results("prefill", model="llama-3-70b", prompt=tokens)
    assert found["FLOPs per prompt"].value * 1e12 == pytest.approx(matrices + chinchilla / 2)
    share = chinchilla / 2 / (matrices + chinchilla / 2) * 100
    assert found["Attention's share of the FLOPs"].value == pytest.approx(share)


def test_prefill_throughput_at_the_peak_rate_is_palms_mfu():
    # PaLM (Chowdhery et al., 2022, appendix B): MFU = tokens/s × FLOPs per token ÷ peak.
    found = results("prefill", gpu="h100", model="llama-3-8b", prompt=4096, batch=4, mfu=0.4)
    flops_per_token = found["FLOPs per prompt"].value * 1e12 / 4096
    mfu = found["Prefill throughput"].value * flops_per_token / 989.5e12
    assert mfu == pytest.approx(0.4)
    # Four prompts prefilled together: the first token of each arrives after all four.
    one = results("prefill", gpu="h100", model="llama-3-8b", prompt=4096, batch=1, mfu=0.4)
    assert found["TTFT for the batch"].value == pytest.approx(4 * one["TTFT for the batch"].value)


# --- roofline -------------------------------------------------------------------------------


@pytest.mark.parametrize(("gpu", "ridge"), [("h100", "295.4"), ("a100", "153"),
                                            ("h200", "206.1"), ("mi300x", "246.7")])
def test_roofline_ridge_points_from_the_datasheets(gpu, ridge):
    # Dense BF16 rate ÷ memory bandwidth: 989.5 ÷ 3.35, 312 ÷ 2.039, 989.5 ÷ 4.8, 1307.4 ÷ 5.3.
    found = results("roofline", gpu=gpu)
    assert found["Ridge point of the GPU"].display == f"{ridge} FLOP/byte"


def test_a_gemv_does_one_flop_per_byte_and_is_memory_bound():
    # Williams et al.'s roofline: a BF16 matrix-vector product does 2 FLOPs per 2-byte weight.
    found = results("roofline", gpu="h100", m=1, n=8192, k=8192)
    assert found["Arithmetic intensity"].value == pytest.approx(1, rel=1e-3)
    assert found["Bound"].display == "memory-bound"
    assert found["Attainable rate"].value == pytest.approx(3.35, rel=1e-3)


def test_the_measured_batch_32_step_is_still_memory_bound():
    # Issue 19's table: from batch 1 to 32 the step grows only from 6.89 to 8.93 ms, because
    # a 32-row GEMM at 4096 × 4096 does about 31 FLOPs per byte, far below the ridge.
    found = results("roofline", gpu="h100", m=32, n=4096, k=4096)
    assert found["Arithmetic intensity"].display == "31.51 FLOP/byte"
    assert found["Bound"].display == "memory-bound"
    big = results("roofline", gpu="h100", m=4096, n=4096, k=4096, bytes=1)
    assert big["Bound"].display == "compute-bound"
    assert big["Attainable rate"].value == 1979  # the FP8 peak


# --- tensor-parallel all-reduce ---------------------------------------------------------------


@pytest.mark.parametrize("tp", [2, 4, 8])
def test_allreduce_time_inverts_nccls_bus_bandwidth(tp):
    # nccl-tests: algbw = bytes ÷ time, busbw = algbw × 2(n − 1)/n.
    found = results("tp-allreduce", link="nvlink-h100", tp=tp, tokens=8192, hidden=8192)
    message = 8192 * 8192 * 2
    algbw = message / (found["Time per all-reduce"].value / 1e6)
    assert algbw * 2 * (tp - 1) / tp == pytest.approx(450e9)


def test_megatron_does_two_allreduces_per_layer():
    # Shoeybi et al. (2019): one all-reduce after attention, one after the MLP. Llama-3-70B
    # decoding one token at TP 8: 16 KiB each, 160 per step.
    found = results("tp-allreduce", model="llama-3-70b", link="nvlink-h100", tokens=1)
    assert found["Bytes per all-reduce"].display == "16 KiB"
    one = found["Time per all-reduce"].value
    assert found["Per layer (2 all-reduces)"].value == pytest.approx(2 * one)
    assert found["Per forward step (all layers)"].value * 1000 == pytest.approx(160 * one)
    # A fixed 10 µs per all-reduce, not bandwidth, is what small decode messages cost.
    slow = results("tp-allreduce", model="llama-3-70b", link="nvlink-h100", latency_us=10)
    assert slow["Per forward step (all layers)"].display == "1.61 ms"


def test_pcie_is_seven_times_slower_than_nvlink_for_prefill():
    nvlink = results("tp-allreduce", link="nvlink-h100", tokens=8192)
    pcie = results("tp-allreduce", link="pcie5", tokens=8192)
    ratio = pcie["Time per all-reduce"].value / nvlink["Time per all-reduce"].value
    assert ratio == pytest.approx(450 / 64)


# --- cost per million tokens ------------------------------------------------------------------


def test_cost_of_the_measured_batch_32_throughput():
    # Issue 19's table: 3,585 tokens/s at batch 32 on one H100, at $2.50 per GPU-hour.
    found = results("token-cost", price=2.5, gpus=1, tokens_per_s=3585)
    assert found["Cost per million output tokens"].display == "$0.1937"
    half = results("token-cost", price=2.5, gpus=1, tokens_per_s=3585, utilisation=0.5)
    assert half["Cost per million output tokens"].display == "$0.3874"


def test_input_tokens_are_priced_from_the_prefill_throughput():
    found = results("token-cost", price=2, gpus=8, tokens_per_s=2000, input_tokens_per_s=40000)
    assert found["Cost per million output tokens"].display == "$2.22"
    assert found["Cost per million input tokens"].display == "$0.1111"


# --- every displayed number: rounding and units -------------------------------------------------

# Each calculator at its defaults, as a reader first sees it. Rules: 4 significant figures
# with thousands separators; "$" before the number, in whole cents from $1; "%" and "×"
# right after it; any other unit after a space; words where words say more.
DISPLAYS = {
    "kv-cache": ["128 KiB", "1 GiB", "1 GiB", "1.074 GB"],
    "weight-memory": ["32.12 GB", "16.06 GB", "8.03 GB", "4.14 GB", "4.125 bits"],
    "token-cost": ["$0.2778", "$0.02778", "3,600,000 tokens", "9,000,000 tokens", "$2.50"],
    "speculative-decoding": ["3.362 tokens", "2.801×", "8 tokens", "3.092×"],
    "decode-throughput": ["15.14 GB", "4.521 ms", "6.458 ms", "221.2 tokens/s",
                          "154.8 tokens/s", "221.2 tokens/s", "154.8 tokens/s",
                          "16.19 GB of 80 GB: fits"],
    "decode-batching": ["6.408 ms", "156.1 tokens/s", "156.1 tokens/s", "memory-bound",
                        "441 sequences"],
    "prefill": ["140.6 TFLOP", "12.5%", "284.1 ms", "28,836 tokens/s"],
    "roofline": ["0.9995 FLOP/byte", "295.4 FLOP/byte", "memory-bound", "3.348 TFLOP/s",
                 "0.338%", "10.02 µs"],
    "tp-allreduce": ["16 KiB", "0.06372 µs", "0.1274 µs", "0.01019 ms", "10.19 µs",
                     "4.588 MB"],
}


def test_every_calculator_is_listed_here():
    assert set(DISPLAYS) == set(CALCS)


@pytest.mark.parametrize("name", DISPLAYS)
def test_every_displayed_number_has_its_rounding_and_unit(name):
    evaluation = evaluate(CALCS[name], {})
    assert [r.display for r in evaluation.results] == DISPLAYS[name]


def test_the_compute_function_other_callers_use_returns_the_same_figures():
    data = compute_by_name("decode-throughput", {"gpu": "h100", "batch": 8, "context": 8192})
    assert data["ok"] is True
    expected = {r["label"]: r for r in data["results"]}["Whole batch, expected"]
    assert expected["key"] == "tokens_per_s" and float(expected["feed"]) == pytest.approx(
        expected["value"], rel=1e-5
    )
    bad = compute_by_name("decode-throughput", {"batch": "many"})
    assert bad["errors"] == {"batch": "Batch size must be a number, not “many”."}
