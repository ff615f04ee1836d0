"""TeX in Markdown becomes MathML at save time; prices, escapes and code stay text."""

import re

import html5lib
import pytest
from pressmark.content.markup import ALLOWED_TAGS, render_markdown
from pressmark.content.math import MATHML_TAGS, tex_to_mathml

# The sizing formulas of the demo posts (kv-caching, speculative-decoding), written as TeX.
KV_BYTES_PER_TOKEN = (
    r"$\text{bytes per token} = 2 \times n_{\text{layers}} \times n_{\text{kv heads}}"
    r" \times d_{\text{head}} \times b_{\text{elem}}$"
)
KV_LLAMA3 = r"$2 \times 32 \times 8 \times 128 \times 2 = 131{,}072 \text{ bytes}$"
EXPECTED_TOKENS = "$$\nE[\\text{tokens per step}] = \\frac{1 - a^{k+1}}{1 - a}\n$$"
SPEEDUP = r"\[ \text{speedup} = \frac{1 - a^{k+1}}{(1 - a)(c k + 1)} \]"
ACCEPT = r"\(\min\left(1, \frac{p(x)}{q(x)}\right)\)"


@pytest.fixture
def render(app):
    def _render(text):
        with app.app_context():
            return render_markdown(text)

    return _render


def maths(html: str) -> list:
    """The <math> elements of a fragment, parsed as a browser would."""
    tree = html5lib.parseFragment(html, namespaceHTMLElements=False)
    return [el for el in tree.iter() if el.tag.endswith("math")]


def test_kv_cache_sizing_formula_is_mathml(render):
    rendered = render(f"Bytes per token: {KV_BYTES_PER_TOKEN}. For Llama-3-8B: {KV_LLAMA3}.")
    assert rendered.problems == ()
    assert rendered.html.count('<math xmlns="http://www.w3.org/1998/Math/MathML"') == 2
    assert "<mtext>bytes&nbsp;per&nbsp;token</mtext>" in rendered.html
    assert "<msub><mi>n</mi>" in rendered.html and "<mo>×</mo>" in rendered.html
    # The TeX stays only in each formula's alttext (for plain-text readers), not as text.
    shown = re.sub(r' alttext="[^"]*"', "", rendered.html)
    assert "$" not in shown and "\\times" not in shown
    assert len(maths(rendered.html)) == 2


def test_speculative_decoding_acceptance_math_in_all_four_syntaxes(render):
    text = f"Accept with probability {ACCEPT}.\n\n{EXPECTED_TOKENS}\n\nAnd:\n\n{SPEEDUP}\n"
    rendered = render(text)
    assert rendered.problems == ()
    html = rendered.html
    assert html.count('display="block"') == 2 and html.count('display="inline"') == 1
    assert html.count('<div class="math-display">') == 2
    assert html.count("<mfrac>") == 3
    assert '<mo stretchy="true" fence="true" form="prefix">(</mo>' in html
    assert "<msup><mi>a</mi><mrow><mi>k</mi><mo>+</mo><mn>1</mn></mrow></msup>" in html


def test_display_math_with_list_like_lines_stays_one_formula(render):
    html = render("$$\n- x\n+ y\n# z\n$$\n\nafter").html
    assert "<ul>" not in html and "<h1" not in html
    assert html.count("<math") == 1 and "<p>after</p>" in html


def test_dollar_amounts_and_escaped_dollars_stay_text(render):
    text = (
        "A node rents for $20 per hour and yields about $0.28 per million tokens; "
        "at 30% use it is $0.93. Escaped: \\$5 and \\$10, and US$7."
    )
    rendered = render(text)
    assert "<math" not in rendered.html and rendered.problems == ()
    assert "$20 per hour" in rendered.html and "$0.28" in rendered.html
    assert "$5 and $10" in rendered.html and "\\$" not in rendered.html


def test_code_spans_and_blocks_are_never_touched(render):
    text = (
        "Run `echo $HOME` and `$x$` and `\\(y\\)`.\n\n"
        "```\necho \"$IMAGE\" $a$ \\[b\\]\n```\n\n"
        "    $$ indented $$\n"
    )
    html = render(text).html
    assert "<math" not in html
    assert "<code>echo $HOME</code>" in html and "<code>$x$</code>" in html
    assert "<code>\\(y\\)</code>" in html
    assert "$a$ \\[b\\]" in html and "$$ indented $$" in html


def test_a_formula_next_to_a_code_span_is_not_joined_with_it(render):
    html = render("costs $5 `code` and $6.").html
    assert "<math" not in html and "<code>code</code>" in html


def test_formula_that_does_not_parse_shows_its_tex_and_a_problem(render):
    rendered = render("Broken: $\\frac{1}{$ and $\\nosuchcommand x$. Fine: $x^2$.")
    assert '<code class="math-error"' in rendered.html
    assert ">$\\frac{1}{$</code>" in rendered.html
    assert ">$\\nosuchcommand x$</code>" in rendered.html
    assert rendered.html.count("<math") == 1
    assert len(rendered.problems) == 2
    assert "brace or environment is not closed" in rendered.problems[0]
    assert "Unknown command \\nosuchcommand" in rendered.problems[1]


def test_broken_display_formula_is_a_code_span_in_its_own_block(render):
    rendered = render("$$\n\\left( x\n$$")
    assert rendered.html.startswith('<p class="math-display"><code class="math-error"')
    assert "\\left has no matching \\right" in rendered.problems[0]


def test_tex_that_asks_for_styles_or_links_loses_them(render):
    html = render("$\\style{color:red}{x} + \\href{javascript:alert(1)}{y}$").html
    assert "<math" in html
    # Only the alttext holds the TeX, as inert text in an attribute value.
    assert 'alttext="\\style{color:red}{x} + \\href{javascript:alert(1)}{y}"' in html
    html = re.sub(r' alttext="[^"]*"', "", html)
    assert "style=" not in html and "href" not in html and "javascript" not in html


def test_allowlist_is_exactly_what_the_converter_emits(render):
    """The sanitiser keeps every element and attribute of a broad sample of the converter's
    output (except the style and href it must drop), and allows no MathML element beyond
    the converter's."""
    sample = (
        r"\begin{pmatrix}1&2\\3&4\end{pmatrix} \sqrt[3]{x} \sqrt{y} \overline{x}"
        r" \underbrace{a}_{b} \overbrace{c}^{d} \sum_{i=1}^{n} \lim_{x \to 0} \color{red}{x}"
        r" \mathbb{R} \hspace{1em} \boxed{z} \phantom{w} \left[ \frac{a}{b} \right]"
        r" \displaystyle \binom{n}{k} \begin{array}{l|r} a & b \\ \hline c & d \end{array}"
    )

    def shape(html):
        return [
            (el.tag.split("}")[-1], sorted(k.split("}")[-1] for k in el.attrib))
            for el in maths(html)[0].iter()
        ]

    raw = tex_to_mathml(sample, display=True)
    rendered = render(f"$${sample}$$").html
    assert shape(rendered) == shape(raw)
    used = {tag for tag, _ in shape(raw)}
    assert len(used) >= 16  # the sample exercises most of the allowlist
    assert MATHML_TAGS <= ALLOWED_TAGS


def test_demo_posts_sizing_sections_are_mathml_and_prices_stay_text(demo_client):
    kv = demo_client.get("/posts/kv-caching").get_data(as_text=True)
    assert kv.count("<math") == 2 and "math-error" not in kv
    assert "<mtext>bytes&nbsp;per&nbsp;token</mtext>" in kv
    spec = demo_client.get("/posts/speculative-decoding").get_data(as_text=True)
    assert spec.count('<div class="math-display">') == 2 and "math-error" not in spec
    assert spec.count("<mfrac>") == 3
    costs = demo_client.get("/posts/human-control-plane").get_data(as_text=True)
    assert "<math" not in costs and "costs $2.50 per hour" in costs
    prices = demo_client.get("/posts/batch-inference").get_data(as_text=True)
    assert "<math" not in prices and "rents for $20 per hour" in prices


def test_tex_commands_do_not_count_as_lost_words(render):
    text = f"Accept with {ACCEPT}.\n\n{EXPECTED_TOKENS}\n\n{SPEEDUP}\n\n{KV_BYTES_PER_TOKEN}\n"
    assert render(text).lost_words == ()
