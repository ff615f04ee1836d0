"""Charts drawn on the server: the ``chart`` embed (the Markdown table above it, or inline
CSV), its accessible markup, its palette classes, its errors; the calculators' own charts
on the page and in the JSON; and calculators chained on one page.

Posts are saved through the real content store into a real SQLite file and read back
through the app; the markup is parsed strictly with html5lib.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import html5lib
import pytest
from pressmark.content.models import PUBLISHED, utcnow
from pressmark.content.store import PostData, save_post
from pressmark.plugins.calculators.chart import SHAPES, Chart, Series, render_figure
from pressmark.plugins.calculators.chart_embed import build_chart

TABLE = """Measured on one H100.

| Batch | Step (ms) | Tokens/s, whole batch |
|---|---|---|
| 1 | 6.89 | 145 |
| 8 | 7.70 | 1,040 |
| 32 | 8.93 | 3,585 |
"""


def body_html(app, body: str) -> str:
    with app.app_context():
        data = PostData(title="Charts", body=body, status=PUBLISHED)
        data.published_at = utcnow() - timedelta(days=1)
        return save_post(data).body_html


def parse(fragment: str):
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parseFragment(fragment)


def figures(fragment: str) -> list:
    return [f for f in parse(fragment).iter("figure") if "chart" in f.get("class", "").split()]


def svg_of(figure):
    (svg,) = [e for e in figure.iter() if e.tag.endswith("svg")]
    return svg


def child(element, name: str):
    return next(e for e in element if e.tag.endswith(name))


def table_rows(figure) -> list[list[str]]:
    return [["".join(c.itertext()) for c in row] for row in figure.iter("tr")]


def notices(fragment: str) -> list[str]:
    return ["".join(p.itertext()) for p in parse(fragment).iter("p")
            if p.get("class") == "embed-error"]


def test_a_chart_draws_the_markdown_table_just_above_it(app):
    html = body_html(app, TABLE + '\n{{< chart x=Batch y="Tokens/s, whole batch" log=x >}}\n')
    (figure,) = figures(html)
    svg = svg_of(figure)
    assert svg.get("role") == "img"
    assert "".join(child(svg, "title").itertext()) == "Tokens/s, whole batch against Batch"
    description = "".join(child(svg, "desc").itertext())
    assert "145 at 1, 3,585 at 32" in description
    # The numbers, as a table a screen reader can walk, folded away in a <details>.
    (details,) = figure.iter("details")
    assert "".join(child(details, "summary").itertext()) == "The numbers"
    assert table_rows(figure) == [
        ["Batch", "Tokens/s, whole batch"], ["1", "145"], ["8", "1,040"], ["32", "3,585"],
    ]
    # The author's table stays in the post, above the chart.
    assert html.index("<table>") < html.index('<figure class="chart')


def test_inline_csv_between_the_tags_is_drawn_and_not_shown_as_text(app):
    body = '{{< chart type=bar title="Bandwidth" >}}\nGPU,TB/s\nH100,3.35\nH200,4.8\n{{< /chart >}}'
    html = body_html(app, body)
    (figure,) = figures(html)
    assert "GPU,TB/s" not in html and "/chart" not in html
    assert table_rows(figure)[1:] == [["H100", "3.35"], ["H200", "4.8"]]
    bars = [e for e in figure.iter() if e.get("class") == "chart-bar"]
    assert len(bars) == 2
    heights = [float(b.get("height")) for b in bars]
    assert heights[1] / heights[0] == pytest.approx(4.8 / 3.35, rel=0.01)
    labels = ["".join(t.itertext()) for t in figure.iter() if t.tag.endswith("text")]
    assert {"H100", "H200", "3.35", "4.8", "TB/s", "GPU"} <= set(labels)


def test_several_series_differ_in_colour_dash_and_marker_shape():
    chart = build_chart({"x": "1"}, "k,a,b,c\n1,1,2,3\n2,2,3,4\n")
    html = str(render_figure(chart))
    for index in (1, 2, 3):
        assert f'class="chart-series chart-s{index}"' in html
    series = re.findall(r'<g class="chart-series chart-s\d">(.*?)</g>', html)
    tags = [re.findall(r"<(circle|rect|polygon|path)\b", s) for s in series]
    # Circle, square, then a polygon (triangle): a shape per series, not only a colour.
    assert [t[0] for t in tags] == ["circle", "rect", "polygon"]
    assert SHAPES[:3] == ("circle", "square", "triangle")
    css = (pytest.importorskip("pathlib").Path(__file__).parents[2]
           / "plugins/calculators/static/charts.css").read_text(encoding="utf-8")
    for index in range(1, 7):
        assert re.search(rf"\.chart-s{index} {{ --series: light-dark\(#[0-9a-f]{{6}}, "
                         rf"#[0-9a-f]{{6}}\);", css), index
    # Dashes are the SVG's own attributes: a chart without the stylesheet (a feed reader)
    # still tells its series apart.
    dashes = [re.search(r'<polyline[^>]*?(?: stroke-dasharray="([^"]+)")?/>', s).group(1)
              for s in series]
    assert dashes == [None, "9 4", "2 4"]


def test_chart_markup_has_no_style_attribute_script_or_handler(app):
    html = body_html(app, TABLE + "\n{{< chart >}}\n\n{{< calc decode-batching >}}")
    parse(html)  # strict HTML5
    lowered = html.lower()
    assert "style=" not in lowered and "<script" not in lowered and "<style" not in lowered
    assert not re.search(r"\son[a-z]+=", lowered)
    assert len(figures(html)) == 2


def test_the_pages_csp_is_unchanged_by_charts(demo_client):
    response = demo_client.get("/posts/batch-inference")
    csp = response.headers["Content-Security-Policy"]
    assert "style-src 'self';" in csp + ";" and "unsafe-inline" not in csp
    assert "/-/static/calculators/charts.css?v=" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{< chart >}}", "The chart embed needs data"),
        ("| a | b |\n|---|---|\n| 1 | 2 |\n\n{{< chart y=c >}}",
         "has no column “c”; it has: a, b"),
        ("| a | b |\n|---|---|\n| 1 | lots |\n\n{{< chart y=b >}}", "“lots” in column “b”"),
        ("| a | b |\n|---|---|\n| 1 | 2 |\n\n{{< chart type=pie >}}", "Unknown chart type “pie”"),
        ("| a | b |\n|---|---|\n| 0 | 2 |\n\n{{< chart log=x >}}", "logarithmic axis"),
        ("{{< chart >}}\nx,y\n1\n{{< /chart >}}", "as many cells as the header"),
    ],
)
def test_what_cannot_be_drawn_is_a_visible_notice(app, body, message):
    html = body_html(app, body + "\n\nAfter.")
    (notice,) = notices(html)
    assert message in notice
    assert not figures(html) and "After." in html


def test_a_chart_in_a_code_block_stays_text(app):
    html = body_html(app, TABLE + "\n```\n{{< chart >}}\n```\n")
    assert not figures(html) and "{{&lt; chart &gt;}}" in html


def test_author_text_in_a_chart_is_escaped(app):
    table = "| <b>x</b> | y |\n|---|---|\n| 1 | 2 |\n"
    html = body_html(app, table + '\n{{< chart title="<i onmouseover=alert(1)" >}}')
    (figure,) = figures(html)
    title = "".join(child(svg_of(figure), "title").itertext())
    assert title == "<i onmouseover=alert(1)"  # shown as text...
    assert not [e for e in figure.iter() if e.get("onmouseover") or e.tag == "i"]  # ...only
    assert table_rows(figure)[0] == ["x", "y"]  # the author's emphasis is not data


def test_chart_data_may_come_url_encoded_in_the_csv_parameter(app):
    data = quote("x,y\n1,2\n3,5\n", safe="")
    html = body_html(app, "{{< chart type=scatter csv=" + data + " >}}")
    (figure,) = figures(html)
    assert figure.get("class") == "chart chart-scatter"
    assert not [e for e in figure.iter() if e.get("class") == "chart-line"]


def test_a_chart_refuses_more_values_than_it_can_draw():
    with pytest.raises(ValueError, match="at most 500"):
        build_chart({}, "x,y\n" + "".join(f"{i},{i}\n" for i in range(600)))
    with pytest.raises(ValueError, match="finite"):
        Chart("line", "t", "d", "x", "y", (Series("s", ((0, float("nan")),)),))


# --- the calculators' own charts --------------------------------------------------------------


def test_a_calculator_with_a_curve_draws_it_on_the_page_and_in_the_json(client):
    page = client.get("/-/calculators/decode-batching?gpu=h100&model=llama-3-70b&context=0")
    tree = html5lib.parse(page.get_data(as_text=True), namespaceHTMLElements=False)
    (figure,) = [f for f in tree.iter("figure") if "chart" in f.get("class", "").split()]
    svg = svg_of(figure)
    assert "".join(child(svg, "title").itertext()).startswith("Whole-batch decode throughput")
    assert "near batch 295" in "".join(child(svg, "desc").itertext())
    data = client.get("/-/calculators/decode-batching.json?gpu=h100&model=llama-3-70b"
                      "&context=0").get_json()
    assert data["chart"] == str(render_figure(build_decode_chart()))
    bad = client.get("/-/calculators/decode-batching.json?batch=-1").get_json()
    assert bad["chart"] is None


def build_decode_chart():
    from pressmark.plugins.calculators import evaluate
    from pressmark.plugins.calculators.decode import DECODE_BATCHING

    return evaluate(DECODE_BATCHING, {"gpu": "h100", "model": "llama-3-70b", "context": "0"}).chart


@pytest.mark.parametrize(("name", "title"), [
    ("decode-batching", "Whole-batch decode throughput against batch size"),
    ("prefill", "Time to first token against prompt length"),
    ("token-cost", "Cost per million tokens against utilisation"),
    ("roofline", "Roofline: attainable TFLOP/s against arithmetic intensity"),
    ("speculative-decoding", "Speed-up against draft length at α = 0.8, c = 0.05"),
])
def test_calculators_with_a_natural_curve_chart_it(client, name, title):
    data = client.get(f"/-/calculators/{name}.json").get_json()
    assert f"<title>{title}</title>" in data["chart"]


def test_a_chart_that_fails_is_logged_and_the_results_stay(app):
    from pressmark.plugin_system.manager import recent_failures
    from pressmark.plugins.calculators import Calculator, Input, Result

    from tests.plugins.test_calculators import contributed_plugin, register

    def broken_chart(values):
        raise RuntimeError("no chart")

    calc = Calculator("charted", "Charted", "D", (Input("x", "X", 1),),
                      lambda v: [Result("X", v["x"])], chart=broken_chart)
    register(app, contributed_plugin(calc), "test-charted")
    response = app.test_client().get("/-/calculators/charted.json")
    assert response.status_code == 200 and response.get_json()["chart"] is None
    assert any("no chart" in f["error"] for f in recent_failures(app))


# --- calculators chained on one page ------------------------------------------------------------


def test_chained_calculators_feed_presets_and_results_in_order(app):
    body = (
        "{{< calc kv-cache chain=a model=llama-3-70b bytes=1 >}}\n\n"
        "{{< calc decode-throughput chain=a gpus=8 context=0 >}}\n\n"
        "{{< calc token-cost chain=a price=2 gpus=8 >}}\n\n"
        "{{< calc token-cost chain=b >}}"
    )
    html = body_html(app, body)
    forms = [f for f in parse(html).iter("form")]
    assert [f.get("data-calc-chain") for f in forms] == ["a", "a", "a", "b"]
    fields = [{i.get("name"): i.get("value") for i in f.iter("input")} for f in forms]
    # FP8 KV for Llama-3-70B is 160 KiB per token: the decode form took it, and the model's
    # other figures (its select then reads "Custom values": FP16 KV is the preset's).
    assert fields[1]["kv_kib"] == "160" and fields[1]["params_b"] == "70.55"
    # Decode's expected whole-batch rate became the cost's throughput...
    decode_rate = float(fields[2]["tokens_per_s"])
    assert decode_rate == pytest.approx(1 / (139.0e9 / (8 * 3.35e12 * 0.7)), rel=1e-3)
    # ... while the chain "b" kept its own defaults, and explicit values always win.
    assert fields[3]["tokens_per_s"] == "2500" and fields[2]["price"] == "2"


def test_a_chain_value_is_only_a_default_the_author_can_override(app):
    html = body_html(app, "{{< calc kv-cache chain=a model=llama-2-7b >}}\n\n"
                          "{{< calc decode-throughput chain=a kv_kib=1 >}}")
    forms = list(parse(html).iter("form"))
    fields = {i.get("name"): i.get("value") for i in forms[1].iter("input")}
    assert fields["kv_kib"] == "1" and fields["params_b"] == "6.74"


def test_without_the_calculators_plugin_a_chart_is_an_unknown_embed(tmp_path):
    from pressmark.extensions import db

    from tests.conftest import make_test_app

    app = make_test_app(tmp_path, DISABLED_PLUGINS=["calculators"])
    with app.app_context():
        db.create_all()
    html = body_html(app, TABLE + "\n{{< chart >}}\n")
    (notice,) = notices(html)
    assert notice == "Unknown embed “chart”: nothing is registered by that name."
    assert not figures(html) and "<table>" in html  # the author's table is still there


def test_a_standalone_page_with_a_chart_links_its_stylesheet(app):
    with app.app_context():
        data = PostData(title="About our GPUs", slug="gpus", body=TABLE + "\n{{< chart >}}",
                        status=PUBLISHED, is_page=True)
        data.published_at = utcnow() - timedelta(days=1)
        save_post(data)
    html = app.test_client().get("/gpus").get_data(as_text=True)
    assert '<figure class="chart chart-line">' in html
    assert "/-/static/calculators/charts.css?v=" in html
    assert "/-/static/calculators/calculators.js?v=" in html


ODD_DATA = [
    "x,y\n1,1e300\n2,3\n", "x,y\n1,0.000000000001\n2,0.000000000001\n", "x,y\n1,5\n",
    "x,y\n1,\x00\n",
    'x,y\n"unterminated,1\n', "x,y\n-1,-2\n-3,-4\n", "x,y\n" + "9" * 400 + ",1\n", "x\n1\n",
    "x,y\n1,−3\n2,4\n", "x,y\nNaN,1\ninf,2\n", ",\n,\n",
]


@pytest.mark.parametrize("data", ODD_DATA)
@pytest.mark.parametrize("params", [{}, {"type": "bar"}, {"log": "xy"}, {"type": "scatter"}])
def test_odd_data_is_drawn_or_refused_with_a_message(data, params):
    try:
        chart = build_chart(params, data)
    except ValueError as exc:
        assert str(exc)  # a message the notice shows
        return
    svg = str(render_figure(chart))
    # Every coordinate is a number ("NaN" may only be a label the author wrote).
    assert not re.search(r'(?:x|y|x1|x2|y1|y2|cx|cy|width|height|points)="[^"]*(?:nan|inf)',
                         svg, re.IGNORECASE)
    parse(svg)
