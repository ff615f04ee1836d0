"""The calculators plugin: formulas against published figures, the embed in a saved post,
the no-JavaScript page, the JSON endpoint and its 400s, and calculators from other plugins.

Every request goes through the real app and a real SQLite file; HTML is parsed with
html5lib (strictly where the markup is ours).
"""

from __future__ import annotations

import json
import re
import sys
import types
from datetime import timedelta
from urllib.parse import urlencode

import html5lib
import pytest
from pressmark.api import hookimpl
from pressmark.content.models import PUBLISHED, utcnow
from pressmark.content.store import PostData, save_post
from pressmark.plugin_system.manager import recent_failures
from pressmark.plugins.calculators import Calculator, Input, Preset, PresetGroup, Result, evaluate
from pressmark.plugins.calculators.base import format_number
from pressmark.plugins.calculators.builtins import BUILTIN_CALCULATORS
from pressmark.plugins.calculators.registry import owner
from pressmark.plugins.calculators.specs import GPUS
from pressmark.state import app_state

from tests.conftest import make_test_app

CALCS = {c.name: c for c in BUILTIN_CALCULATORS}
GIB = 2**30

# Values people (and bots) send: none of them may ever produce a 500.
GARBAGE = [
    "", " ", "abc", "nan", "NaN", "-nan", "inf", "-Infinity", "1e999", "-1e999", "1e308",
    "9" * 39, "9" * 400, "-1", "0", "-0", "0.5", "1,5", "1_000", "0x10", "1e", ".", "+",
    "½", "１２", "<script>alert(1)</script>", "\x00", "3 4", "1e-320",
]


# --- helpers --------------------------------------------------------------------------------


def results(name: str, **params) -> dict[str, Result]:
    """Evaluate a built-in calculator directly; fail if the values are refused."""
    evaluation = evaluate(CALCS[name], {k: str(v) for k, v in params.items()})
    assert evaluation.ok, evaluation.errors
    return {r.label: r for r in evaluation.results}


def publish(body: str, title: str = "Calculator post"):
    data = PostData(title=title, body=body, status=PUBLISHED)
    data.published_at = utcnow() - timedelta(days=1)
    return save_post(data)


def post_html(app, body: str) -> str:
    with app.app_context():
        slug = publish(body).slug
    response = app.test_client().get(f"/posts/{slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def parse(html: str):
    return html5lib.parse(html, namespaceHTMLElements=False)


def calc_forms(html: str) -> list:
    return [f for f in parse(html).iter("form") if "calc" in f.get("class", "").split()]


def outputs(form) -> list[str]:
    return ["".join(o.itertext()) for o in form.iter("output")]


def form_query(form) -> dict[str, str]:
    """What a browser submits for ``form`` as it was rendered (no JavaScript)."""
    query = {}
    for element in form.iter("input"):
        query[element.get("name")] = element.get("value", "")
    for select in form.iter("select"):
        options = list(select.iter("option"))
        chosen = next((o for o in options if o.get("selected") is not None), options[0])
        query[select.get("name")] = chosen.get("value")
    return query


def get_json(client, name: str, **params):
    return client.get(f"/-/calculators/{name}.json", query_string=params)


# --- formulas against published and hand-computed figures ----------------------------------------


def test_kv_cache_llama_3_8b_is_128_kib_per_token_and_1_gib_for_8k_tokens():
    found = results("kv-cache", model="llama-3-8b", seq_len=8192, batch=1, bytes=2)
    assert found["Per token"].display == "128 KiB"
    assert found["Per sequence"].display == "1 GiB"
    assert found["Whole batch (decimal units)"].value == pytest.approx(GIB / 1e9)


@pytest.mark.parametrize(
    ("model", "precision", "per_token", "per_8k"),
    [
        # The table in the demo post "KV Caching".
        ("llama-2-7b", 2, "512 KiB", "4 GiB"),
        ("llama-3-8b", 1, "64 KiB", "512 MiB"),
        ("llama-3-70b", 2, "320 KiB", "2.5 GiB"),
        ("llama-3.1-405b", 2, "504 KiB", "3.938 GiB"),
    ],
)
def test_kv_cache_matches_published_model_shapes(model, precision, per_token, per_8k):
    found = results("kv-cache", model=model, seq_len=8192, bytes=precision)
    assert (found["Per token"].display, found["Per sequence"].display) == (per_token, per_8k)


def test_kv_cache_scales_with_batch_and_explicit_inputs_override_the_preset():
    found = results("kv-cache", model="llama-3-70b", layers=40, seq_len=4096, batch=8)
    # 2 x 40 x 8 x 128 x 2 bytes = 160 KiB; x 4096 tokens x 8 sequences = 5 GiB.
    assert found["Per token"].display == "160 KiB"
    assert found["Whole batch"].display == "5 GiB"


def test_weight_memory_by_precision():
    found = results("weight-memory", params_b=70)
    assert found["FP16 / BF16"].display == "140 GB"
    assert found["FP32"].display == "280 GB"
    assert found["FP8 / INT8"].display == "70 GB"
    # 4 bits + one FP16 scale per 128 weights = 4.125 bits.
    assert found["INT4 bits per weight"].value == 4.125
    assert found["INT4 with group scales"].value == pytest.approx(70 * 4.125 / 8)


@pytest.mark.parametrize(
    ("group_size", "zero_point", "bits"),
    [(128, 0, 4.125), (128, 1, 4.25), (64, 0, 4.25), (32, 0, 4.5), (32, 1, 5.0)],
)
def test_int4_group_overhead(group_size, zero_point, bits):
    found = results("weight-memory", params_b=1, group_size=group_size, zero_point=zero_point)
    assert found["INT4 bits per weight"].value == bits


def test_weight_memory_llama_3_70b_preset_matches_the_quantized_kernels_post():
    found = results("weight-memory", model="llama-3-70b")
    assert found["FP16 / BF16"].value == pytest.approx(141.1, abs=0.1)
    assert found["INT4 with group scales"].value == pytest.approx(36.4, abs=0.1)


def test_token_cost():
    found = results("token-cost", price=2, gpus=1, tokens_per_s=1000)
    assert found["Cost per million output tokens"].display == "$0.5556"
    assert found["Output tokens per dollar"].display == "1,800,000 tokens"
    assert found["Cost per hour"].display == "$2.00"


def test_token_cost_matches_the_batch_inference_post():
    # An 8-GPU node at $20/h sustaining 20,000 tokens/s: about $0.28 per million.
    found = results("token-cost", price=2.5, gpus=8, tokens_per_s=20000)
    assert found["Cost per million output tokens"].value == pytest.approx(0.2778, abs=1e-4)
    assert found["Output tokens per hour"].value == 72e6


def test_speculative_decoding_expected_tokens_and_speedup():
    found = results("speculative-decoding", alpha=0.8, k=4, cost=0.05)
    assert found["Expected tokens per target step"].value == pytest.approx(3.3616)
    # The post: with a = 0.8 and c = 0.05, k = 4 gives about 2.80x and the best is ~3.09x at 8.
    assert found["Speed-up over plain decoding"].display == "2.801×"
    assert found["Best draft length (1–64)"].value == 8
    assert found["Speed-up at the best draft length"].value == pytest.approx(3.09, abs=0.01)


@pytest.mark.parametrize(
    ("alpha", "k", "expected"),
    # Rows of the table in the demo post, plus both ends of the acceptance rate.
    [(0.6, 1, 1.60), (0.7, 2, 2.19), (0.8, 4, 3.36), (0.9, 8, 6.13), (1, 4, 5.0), (0, 7, 1.0)],
)
def test_speculative_expected_tokens_table(alpha, k, expected):
    found = results("speculative-decoding", alpha=alpha, k=k, cost=0)
    assert found["Expected tokens per target step"].value == pytest.approx(expected, abs=0.005)


def test_decode_throughput_matches_the_tensor_parallelism_post():
    # Llama-3-70B in BF16 on 8 x H100 (3.35 TB/s): (70.55 - 1.05 embedding) B x 2 bytes =
    # 139.0 GB, 17.4 GB per GPU, about 5.19 ms per step for the weights.
    found = results("decode-throughput", gpu="h100", model="llama-3-70b", gpus=8, context=0)
    assert found["Step time, bound"].value == pytest.approx(5.186, abs=0.001)
    # On H200 (4.8 TB/s) the weight read drops to about 3.6 ms.
    found = results("decode-throughput", gpu="h200", model="llama-3-70b", gpus=8, context=0)
    assert found["Step time, bound"].value == pytest.approx(3.620, abs=0.001)


def test_decode_throughput_reads_the_kv_cache_of_every_sequence():
    found = results(
        "decode-throughput", bandwidth=1, gpus=1, params_b=1, embed_b=0, weight_bytes=1,
        kv_kib=1000 / 1024, context=1000, batch=10, efficiency=0.5,
    )
    # 1 GB of weights + 10 x 1000 tokens x 1000 bytes = 1.01 GB at 1 TB/s: 1.01 ms per step.
    assert found["Step time, bound"].value == pytest.approx(1.01)
    assert found["Whole batch, bound"].value == pytest.approx(10 / 1.01e-3)
    # Kernels reaching half the bandwidth take twice as long.
    assert found["Step time, expected"].value == pytest.approx(2.02)
    assert found["Memory needed per GPU"].display.endswith("of 80 GB: fits")


def test_decode_throughput_says_when_the_model_does_not_fit():
    found = results("decode-throughput", gpu="l40s", model="llama-3-70b", gpus=1)
    assert found["Memory needed per GPU"].display.endswith("of 48 GB: does not fit")


def test_gpu_presets_are_the_datasheet_figures():
    specs = {g.slug: (g.memory_gb, g.bandwidth_tbs) for g in GPUS}
    assert specs["h100"] == (80, 3.35)
    assert specs["h200"] == (141, 4.8)
    assert specs["b200"] == (180, 8.0)
    assert specs["a100"] == (80, 2.039)


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (1, "1"), (128.0, "128"), (0.555555, "0.5556"), (3.3616, "3.362"),
     (1800000, "1,800,000"), (1234.6, "1,235"), (2.5e-7, "2.5e-07"), (-3.25, "-3.25")],
)
def test_format_number(value, text):
    assert format_number(value) == text


# --- the embed in a saved post -----------------------------------------------------------------


def test_embed_renders_an_accessible_form_with_the_result(app):
    html = post_html(app, "Intro.\n\n{{< calc kv-cache model=llama-3-70b >}}\n\nAfter.")
    (form,) = calc_forms(html)
    assert form.get("method") == "get"
    assert form.get("action") == "/-/calculators/kv-cache"
    assert form.get("data-calc-json") == "/-/calculators/kv-cache.json"
    assert form.find("fieldset/legend").text == "KV-cache size"
    ids = {e.get("id") for e in form.iter() if e.get("id")}
    controls = [*form.iter("input"), *form.iter("select")]
    visible = [c for c in controls if c.get("type") != "hidden"]
    labels = {label.get("for"): "".join(label.itertext()) for label in form.iter("label")}
    for control in visible:
        assert labels.get(control.get("id")), f"{control.get('name')} has no label"
        for described in (control.get("aria-describedby") or "").split():
            assert described in ids
    assert labels[f"{form.get('id')}-seq_len"] == "Sequence length"
    assert any("".join(u.itertext()) == "tokens" for u in form.iter("span"))
    # Computed on save, so it shows without JavaScript: 80 layers -> 320 KiB per token.
    assert outputs(form)[:2] == ["320 KiB", "2.5 GiB"]
    (live,) = [e for e in form.iter() if e.get("aria-live")]
    assert live.get("aria-live") == "polite" and list(live.iter("output"))
    assert 'src="/-/static/calculators/calculators.js?v=' in html
    assert 'href="/-/static/calculators/calculators.css?v=' in html


def test_embed_markup_is_strict_html5_without_inline_script_or_style(app):
    with app.app_context():
        post = publish("{{< calc decode-throughput gpu=h100 >}}")
        fragment = post.body_html
    html5lib.HTMLParser(strict=True).parseFragment(fragment)
    lowered = fragment.lower()
    assert "<script" not in lowered and "<style" not in lowered and "style=" not in lowered
    assert not re.search(r"\son[a-z]+=", lowered)  # no inline event handlers


def test_the_same_calculator_twice_in_one_post_has_distinct_ids(app):
    html = post_html(app, "{{< calc token-cost >}}\n\n{{< calc token-cost price=4 >}}")
    first, second = calc_forms(html)
    ids = [e.get("id") for f in (first, second) for e in f.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    assert outputs(first)[0] == "$0.2778" and outputs(second)[0] == "$0.4444"


def test_every_demo_embed_renders_its_calculator(demo_client):
    # Each form in the post, in order: where it submits and one figure it shows.
    expected = {
        "kv-caching": [("kv-cache", "128 KiB")],
        "quantized-kernels": [("weight-memory", "141.1 GB")],
        "human-control-plane": [("token-cost", "$0.2778")],
        "speculative-decoding": [("speculative-decoding", "3.362 tokens")],
        "tensor-parallelism": [
            ("tp-allreduce", "512 KiB"),
            # 139 GB of weights read (the embedding table is looked up) + 1.34 GB of KV.
            ("decode-throughput", "140.3 GB"),
        ],
        "chunked-prefill": [("prefill", "773.3 TFLOP")],
        # A chain: Llama-3-8B's 128 KiB per token feeds the decode estimate, whose
        # 3,887 tokens/s feed the price.
        "batch-inference": [
            ("kv-cache", "128 KiB"), ("decode-throughput", "3,887 tokens/s"),
            ("token-cost", "$0.1786"),
        ],
    }
    for slug, forms in expected.items():
        html = demo_client.get(f"/posts/{slug}").get_data(as_text=True)
        found = calc_forms(html)
        assert len(found) == len(forms), slug
        for form, (name, figure) in zip(found, forms, strict=True):
            assert form.get("action") == f"/-/calculators/{name}", slug
            assert figure in outputs(form), (slug, outputs(form))
        assert "embed-error" not in html, slug


def test_unknown_calculator_in_an_embed_is_a_visible_notice(app):
    html = post_html(app, "Before.\n\n{{< calc warp-drive >}}\n\nAfter.")
    assert not calc_forms(html)
    notices = [
        "".join(p.itertext()) for p in parse(html).iter("p") if p.get("class") == "embed-error"
    ]
    assert len(notices) == 1
    assert "Unknown calculator “warp-drive”" in notices[0] and "kv-cache" in notices[0]
    assert "After." in html


def test_calc_embed_without_a_name_is_a_notice(app):
    html = post_html(app, "{{< calc >}}")
    assert "needs a calculator name" in html and not calc_forms(html)


def test_unknown_embed_parameters_get_a_notice_and_the_form_still_works(app):
    html = post_html(app, "{{< calc kv-cache layer=40 extra >}}")
    assert "ignores “extra”, “layer”" in html
    (form,) = calc_forms(html)
    assert outputs(form)[0] == "128 KiB"


def test_invalid_embed_values_show_messages_instead_of_results(app):
    html = post_html(app, '{{< calc kv-cache layers=-3 model=gpt-9 seq_len="<img src=x" >}}')
    (form,) = calc_forms(html)
    errors = ["".join(p.itertext()) for p in form.iter("p") if p.get("class") == "calc-error"]
    assert "Layers must be at least 1." in errors
    assert any(e.startswith("Unknown model “gpt-9”") for e in errors)
    assert "Sequence length must be a number, not “<img src=x”." in errors
    assert "<img src=x" not in html  # escaped wherever it is echoed
    (results_list,) = [d for d in form.iter("dl")]
    assert results_list.get("hidden") is not None


# --- the no-JavaScript page ----------------------------------------------------------------------


def test_submitting_the_embedded_form_shows_the_same_result_on_the_calculator_page(app):
    html = post_html(app, "{{< calc speculative-decoding >}}")
    (form,) = calc_forms(html)
    query = form_query(form) | {"k": "8"}
    response = app.test_client().get(f"{form.get('action')}?{urlencode(query)}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    html5lib.HTMLParser(strict=True).parse(page)
    tree = parse(page)
    assert tree.find(".//h1").text == "Speculative decoding speed-up"
    assert tree.find(".//header[@class='site-header']") is not None  # the site's layout
    (page_form,) = calc_forms(page)
    assert outputs(page_form)[1] == "3.092×"
    assert 'name="k" value="8"' in page


def test_calculator_page_with_invalid_values_is_a_400_with_a_message_per_field(client):
    response = client.get("/-/calculators/token-cost?price=-2&gpus=1.5&tokens_per_s=fast")
    assert response.status_code == 400
    (form,) = calc_forms(response.get_data(as_text=True))
    invalid = {e.get("name") for e in form.iter("input") if e.get("aria-invalid") == "true"}
    assert invalid == {"price", "gpus", "tokens_per_s"}
    errors = ["".join(p.itertext()) for p in form.iter("p") if p.get("class") == "calc-error"]
    assert "GPU price must be greater than 0." in errors
    assert "GPUs must be a whole number." in errors
    assert "Output throughput must be a number, not “fast”." in errors


def test_picking_another_preset_without_javascript_loads_its_values(client):
    # The form showed Llama-3-8B (was_model); the reader picked Llama-3-70B and submitted.
    query = {"model": "llama-3-70b", "was_model": "llama-3-8b", "layers": "32", "kv_heads": "8"}
    response = client.get("/-/calculators/kv-cache", query_string=query)
    (form,) = calc_forms(response.get_data(as_text=True))
    assert form_query(form)["layers"] == "80"
    assert outputs(form)[0] == "320 KiB"
    # Editing a field while the preset stays put keeps the edit and shows "Custom values".
    query = {"model": "llama-3-70b", "was_model": "llama-3-70b", "layers": "40"}
    (form,) = calc_forms(client.get("/-/calculators/kv-cache", query_string=query).data.decode())
    assert form_query(form)["layers"] == "40" and form_query(form)["model"] == ""


def test_unknown_calculator_page_is_a_404(client):
    assert client.get("/-/calculators/warp-drive").status_code == 404


def test_index_lists_every_calculator(client):
    response = client.get("/-/calculators/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for calc in BUILTIN_CALCULATORS:
        assert f'href="/-/calculators/{calc.name}"' in html


def test_assets_are_served_and_only_linked_where_calculators_can_appear(client):
    home = client.get("/").get_data(as_text=True)
    assert "calculators.js" not in home
    page = client.get("/-/calculators/kv-cache").get_data(as_text=True)
    for asset in ("calculators.js", "calculators.css"):
        url = page.split(f"/-/static/calculators/{asset}?v=", 1)
        assert len(url) == 2
        response = client.get(f"/-/static/calculators/{asset}")
        assert response.status_code == 200 and len(response.data) < 8000
        response.close()


# --- the JSON endpoint ----------------------------------------------------------------------------


def test_json_endpoint_computes_with_defaults_and_params(client):
    response = get_json(client, "token-cost", price="2", tokens_per_s="1000")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    data = response.get_json()
    assert data["ok"] is True and data["errors"] == {}
    assert data["values"] == {
        "price": 2.0, "gpus": 1, "tokens_per_s": 1000.0, "input_tokens_per_s": 25000,
        "utilisation": 1,
    }
    first = data["results"][0]
    assert first["label"] == "Cost per million output tokens" and first["unit"] == "$"
    # The cost calculator draws its curve; the JSON carries it drawn, as the page does.
    assert data["chart"].startswith('<figure class="chart chart-line">')
    assert first["value"] == pytest.approx(0.5556, abs=1e-4) and first["text"] == "$0.5556"


def test_json_missing_and_unknown_params_fall_back_to_defaults(client):
    response = get_json(client, "kv-cache", utm_source="feed", colour="blue")
    assert response.status_code == 200
    data = response.get_json()
    assert data["presets"] == {"model": "llama-3-8b"}
    assert data["results"][1]["text"] == "1 GiB"


def test_json_validation_errors_are_400_with_a_message_per_field(client):
    response = get_json(client, "kv-cache", layers="abc", batch="-1", bytes="3", model="gpt")
    assert response.status_code == 400
    assert "no-store" in response.headers["Cache-Control"]
    data = response.get_json()
    assert data["ok"] is False and data["results"] == []
    assert data["errors"] == {
        "layers": "Layers must be a number, not “abc”.",
        "batch": "Batch size must be at least 1.",
        "bytes": "KV-cache precision must be one of 4, 2, 1, 0.5.",
        "model": "Unknown model “gpt”. Choose one of: llama-3-8b, llama-3-70b, "
        "llama-3.1-405b, llama-3.2-1b, llama-2-7b, mistral-7b, qwen2.5-7b, qwen2.5-72b.",
    }
    assert data["fields"]["layers"] == "abc"  # echoed so the reader can correct it


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Layers needs a value."),
        ("nan", "Layers must be a finite number."),
        ("inf", "Layers must be a finite number."),
        ("1e999", "Layers is too large."),
        ("9" * 41, "Layers is too long to be a number."),
        ("32.5", "Layers must be a whole number."),
        ("1e30", "Layers must be at most 1,000."),
        ("0", "Layers must be at least 1."),
        ("3,5", "Layers must be a number, not “3,5”. Use a dot for decimals."),
    ],
)
def test_json_messages_for_bad_numbers(client, value, message):
    response = get_json(client, "kv-cache", layers=value)
    assert response.status_code == 400
    assert response.get_json()["errors"] == {"layers": message}


def test_no_input_to_any_calculator_is_a_500(client):
    for calc in BUILTIN_CALCULATORS:
        names = [i.name for i in calc.inputs] + [g.name for g in calc.presets]
        for name in names:
            for value in GARBAGE:
                response = get_json(client, calc.name, **{name: value})
                assert response.status_code in (200, 400), (calc.name, name, value)
                json.loads(response.data)  # always valid JSON (no NaN or Infinity)
        # Every input at its maximum at once: still a finite answer.
        extremes = {i.name: str(i.max) for i in calc.inputs if i.max is not None}
        response = get_json(client, calc.name, **extremes)
        assert response.status_code == 200, (calc.name, response.get_json()["errors"])
    # Values too extreme to draw leave the chart out; they are not a plugin's failure.
    assert not [f for f in recent_failures(client.application) if f["plugin"] == "calculators"]


def test_acceptance_rate_of_exactly_one_is_handled(client):
    data = get_json(client, "speculative-decoding", alpha="1", k="4", cost="0").get_json()
    assert data["results"][0]["value"] == 5 and data["results"][1]["value"] == 5


def test_unknown_calculator_json_is_a_404_listing_the_known_ones(client):
    response = get_json(client, "warp-drive")
    assert response.status_code == 404
    data = response.get_json()
    assert data["error"] == "Unknown calculator “warp-drive”."
    assert "kv-cache" in data["calculators"]


# --- calculators from other plugins ---------------------------------------------------------------


def double(values: dict[str, float]) -> list[Result]:
    return [Result("Doubled", values["x"] * 2, "widgets")]


def explode(values: dict[str, float]) -> list[Result]:
    raise RuntimeError("boom")


def contributed_plugin(*calcs: Calculator, junk: bool = False) -> types.ModuleType:
    """A test-only plugin module, as a contributor would ship it."""
    module = types.ModuleType("tests_contributed_calculators")

    @hookimpl
    def register_calculators(app):
        return [*calcs, "not a calculator"] if junk else list(calcs)

    module.register_calculators = register_calculators
    return module


def register(app, module: types.ModuleType, name: str) -> None:
    """Register ``module`` on a built app, as a test does after ``create_app``.

    Calculators are collected once per app (at start-up), so the collection is dropped
    for the next request to see the new plugin.
    """
    app_state(app).pm.register(module, name=name)
    app_state(app).forget_plugin_caches()


DOUBLER = Calculator(
    name="doubler",
    title="Doubler",
    description="Doubles a number.",
    inputs=(Input("x", "Number", 21, "widgets", min=0, max=1000),),
    presets=(PresetGroup("size", "Size", (Preset("big", "Big", {"x": 500}),)),),
    compute=double,
)


def test_a_calculator_from_another_plugin_works_everywhere(app):
    register(app, contributed_plugin(DOUBLER), "test-doubler")
    client = app.test_client()
    data = get_json(client, "doubler", size="big").get_json()
    assert data["results"] == [
        {"label": "Doubled", "value": 1000, "unit": "widgets", "text": "1,000 widgets"}
    ]
    assert get_json(client, "doubler", x="2000").status_code == 400
    assert 'href="/-/calculators/doubler"' in client.get("/-/calculators/").get_data(as_text=True)
    (form,) = calc_forms(post_html(app, "{{< calc doubler x=4 >}}"))
    assert outputs(form) == ["8 widgets"]
    # The built-ins are still there.
    assert get_json(client, "kv-cache").status_code == 200


def test_a_later_plugin_wins_a_name_clash(app):
    mine = Calculator("kv-cache", "My KV", "Mine.", (Input("x", "X", 1),), double)
    register(app, contributed_plugin(mine), "test-clash")
    data = get_json(app.test_client(), "kv-cache").get_json()
    assert data["results"][0]["label"] == "Doubled"


def test_a_broken_contributed_calculator_is_logged_and_the_site_keeps_working(app):
    broken = Calculator("exploder", "Exploder", "Raises.", (Input("x", "X", 1),), explode)
    register(app, contributed_plugin(broken, junk=True), "test-broken")
    client = app.test_client()
    response = get_json(client, "exploder")
    # The junk item is reported; the real calculators from that plugin and others remain.
    assert any(f["plugin"] == "test-broken" for f in recent_failures(app))
    assert response.status_code == 500
    assert response.get_json()["errors"] == {
        "_": "This calculator failed; the error has been logged."
    }
    html = post_html(app, "{{< calc exploder >}}\n\n{{< calc kv-cache >}}")
    assert "This calculator failed" in html
    assert outputs(calc_forms(html)[1])[0] == "128 KiB"
    assert any(
        f["plugin"] == "test-broken" and "boom" in f["error"] for f in recent_failures(app)
    )


def test_a_plugin_whose_hook_raises_does_not_hide_the_built_ins(app):
    module = types.ModuleType("tests_raising_calculators")

    @hookimpl
    def register_calculators():
        raise RuntimeError("cannot list calculators")

    module.register_calculators = register_calculators
    register(app, module, "test-raising")
    assert get_json(app.test_client(), "kv-cache").status_code == 200
    assert any(f["plugin"] == "test-raising" for f in recent_failures(app))


def test_calculators_are_collected_once_per_app(app):
    # The same rule as embed handlers: collected at start-up, kept for the app's life.
    app_state(app).pm.register(contributed_plugin(DOUBLER), name="test-late")
    client = app.test_client()
    assert get_json(client, "doubler").status_code == 404
    app_state(app).forget_plugin_caches()
    assert get_json(client, "doubler").status_code == 200
    assert owner(app, "doubler") == "test-late"
    assert owner(app, "kv-cache") == "calculators"


def test_a_hook_result_that_is_not_a_list_is_logged(app):
    module = types.ModuleType("tests_single_calculator")

    @hookimpl
    def register_calculators():
        return 42

    module.register_calculators = register_calculators
    register(app, module, "test-not-a-list")
    assert get_json(app.test_client(), "kv-cache").status_code == 200
    (failure,) = [f for f in recent_failures(app) if f["plugin"] == "test-not-a-list"]
    assert failure["hook"] == "register_calculators"
    assert failure["error"].startswith("TypeError")


@pytest.mark.parametrize(
    "build",
    [
        lambda: Calculator("Bad Name", "T", "D", (Input("x", "X", 1),), double),
        lambda: Calculator("ok", "T", "D", (Input("x", "X", 5, max=1),), double),
        lambda: Calculator("ok", "T", "D", (Input("x", "X", 1), Input("x", "X", 2)), double),
        lambda: Calculator(
            "ok", "T", "D", (Input("x", "X", 1),),
            double, presets=(PresetGroup("p", "P", (Preset("a", "A", {"y": 1}),)),),
        ),
        lambda: Input("was_x", "X", 1),
    ],
)
def test_a_bad_definition_fails_when_it_is_built(build):
    with pytest.raises(ValueError):
        build()


def test_the_plugin_exports_what_the_hookspec_names():
    package = sys.modules["pressmark.plugins.calculators"]
    assert package.Calculator is Calculator


# --- the hook is the plugin's own ---------------------------------------------------------------


CONTRIBUTOR = '''
from pressmark.api import hookimpl
from pressmark.plugins.calculators import Calculator, Input, Result
from pressmark.state import app_state


@hookimpl(optionalhook=True)
def register_calculators(app):
    return [Calculator(name="halve", title="Halve", description="Half of it.",
                       inputs=(Input("x", "X", 4),),
                       compute=lambda values: [Result("Half", values["x"] / 2, "")])]
'''


def contributor_app(tmp_path, **config):
    plugins_dir = tmp_path / "instance" / "plugins"
    plugins_dir.mkdir(parents=True)
    (plugins_dir / "halving.py").write_text(CONTRIBUTOR, encoding="utf-8")
    return make_test_app(tmp_path, **config)


def test_the_calculators_plugin_adds_its_hook_and_contributors_use_it(tmp_path):
    app = contributor_app(tmp_path)
    assert app_state(app).pm.calling_rules["register_calculators"] == "isolated"
    with app.app_context():
        assert owner(app, "halve") == "halving"


def test_a_contributor_still_loads_when_the_calculators_are_disabled(tmp_path):
    app = contributor_app(tmp_path, DISABLED_PLUGINS=["calculators"])
    assert "register_calculators" not in app_state(app).pm.calling_rules
    assert app_state(app).plugins["halving"].enabled  # the site starts with it
