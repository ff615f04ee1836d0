"""The Markdown pipeline: features, sanitising, embeds, table of contents."""

import re

import pytest
from pressmark import hookimpl
from pressmark.content.markup import parse_embed_args, render_markdown
from pressmark.state import app_state


@pytest.fixture
def render(app):
    def _render(text):
        with app.app_context():
            return render_markdown(text)

    return _render


def test_fenced_code_is_highlighted_by_pygments(render):
    html = render("```python\ndef f(x):\n    return x\n```\n").html
    assert '<div class="highlight">' in html
    assert '<span class="k">def</span>' in html


def test_tables_footnotes_and_heading_anchors(render):
    text = "## Sizes\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\nA claim.[^1]\n\n[^1]: The source.\n"
    html = render(text).html
    assert "<table>" in html and '<td align="right">2</td>' in html
    assert 'class="footnote"' in html and "The source." in html
    assert '<h2 id="s-sizes">' in html and 'href="#s-sizes"' in html


def test_table_of_contents_only_for_long_posts(render):
    short = render("## One\n\ntext\n\n## Two\n").toc_html
    long = render("## One\n\n### One a\n\n## Two\n\n## Three\n").toc_html
    assert short == ""
    assert 'href="#s-one-a"' in long and 'href="#s-three"' in long


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="#" onclick="steal()">x</a>',
        "<iframe src='https://evil.example'></iframe>",
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_html_in_a_body_is_sanitised(render, attack):
    html = render(f"Hello\n\n{attack}\n").html.lower()
    for bad in ("<script", "onerror", "javascript:", "onclick", "<iframe", "style="):
        assert bad not in html


def test_code_keeps_its_angle_brackets_as_text(render):
    html = render("Use `<script>` tags.\n").html
    assert "<code>&lt;script&gt;</code>" in html


def test_word_count_and_malformed_markdown_never_fails(render):
    rendered = render("**unclosed *emphasis [link(\n\n```\nunclosed fence\n")
    assert rendered.word_count == 6
    assert "unclosed" in rendered.html


def test_unknown_embed_renders_a_visible_notice(render):
    html = render("Before\n\n{{< nosuch thing=1 >}}\n\nAfter\n").html
    assert 'class="embed-error"' in html and "nosuch" in html
    assert "Before" in html and "After" in html


class EchoEmbed:
    @hookimpl
    def register_embeds(self, app):
        return {
            "echo": lambda params: f'<form class="echo" data-x="{params.get("x", "")}"></form>',
            "boom": lambda params: 1 / 0,
        }


def test_plugin_embed_output_survives_sanitising_but_not_inside_code(app, tmp_path):
    app_state(app).pm.register(EchoEmbed(), name="echo-embed")
    app_state(app).forget_plugin_caches()
    with app.app_context():
        html = render_markdown(
            "{{< echo x=1 >}}\n\n```text\n{{< echo x=2 >}}\n```\n\n`{{< echo x=3 >}}`\n"
        ).html
    assert '<form class="echo" data-x="1"></form>' in html
    assert 'data-x="2"' not in html and "{{&lt; echo x=2 &gt;}}" in html
    assert 'data-x="3"' not in html


def test_failing_embed_is_a_notice_and_is_recorded(app):
    from pressmark.plugin_system.manager import recent_failures

    app_state(app).pm.register(EchoEmbed(), name="echo-embed")
    app_state(app).forget_plugin_caches()
    with app.app_context():
        html = render_markdown("{{< boom >}}\n").html
    assert "failed to render" in html
    assert recent_failures(app)[0]["error"].startswith("ZeroDivisionError")


def test_literal_embed_syntax_is_kept(render):
    html = render("Write {{</* calc kv-cache */>}} in a post.\n").html
    assert "{{&lt; calc kv-cache &gt;}}" in html


def test_parse_embed_args():
    assert parse_embed_args(' kv-cache layers=32 model="llama 3" x=\'y z\'') == {
        "_": "kv-cache",
        "layers": "32",
        "model": "llama 3",
        "x": "y z",
    }


def test_an_embed_inside_an_attribute_is_dropped_not_injected(app):
    app_state(app).pm.register(EchoEmbed(), name="echo-embed")
    app_state(app).forget_plugin_caches()
    with app.app_context():
        html = render_markdown('[x](http://example.com "{{< echo x=1 >}}")\n').html
    assert "<form" not in html
    assert '<a href="http://example.com" title="">x</a>' in html


# --- one stray tag never swallows the rest of a post -----------------------------------------

SWALLOWING_TAGS = [
    "style", "script", "textarea", "iframe", "noscript", "xmp", "plaintext", "title",
    "noembed", "select", "template", "svg", "object", "frameset", "noframes",
]


@pytest.mark.parametrize("tag", SWALLOWING_TAGS)
@pytest.mark.parametrize("where", ["inline", "block"])
def test_a_tag_the_sanitiser_refuses_shows_as_text_and_the_rest_renders(render, tag, where):
    opening = f"Put CSS in a <{tag}> element." if where == "inline" else f"<{tag}>"
    text = f"{opening}\n\nAnd **bold** words after it.\n\n## Next part\n\nThe end.\n"
    html = render(text).html
    assert f"&lt;{tag}&gt;" in html
    assert "<strong>bold</strong> words after it" in html
    assert '<h2 id="' in html and "The end." in html
    assert f"<{tag}" not in html


def test_a_tag_with_an_unclosed_quote_or_no_end_shows_as_text(render):
    html = render('A <b title="oops> and then\n\nmore **text** <i\n\nlast words\n').html
    assert "more <strong>text</strong>" in html and "last words" in html


def test_allowed_tags_and_code_keep_working(render):
    html = render(
        "Some <kbd>Ctrl</kbd> and <abbr title=\"key-value\">KV</abbr>.\n\n"
        "Write `<style>` in code.\n\n```text\n<style>p {}</style>\n```\n"
    ).html
    assert "<kbd>Ctrl</kbd>" in html and '<abbr title="key-value">KV</abbr>' in html
    assert "<code>&lt;style&gt;</code>" in html
    assert "&lt;/style&gt;" in html and "<style" not in html


# --- embeds: every token restored to its own fragment ------------------------------------------


def test_twelve_embeds_each_render_their_own_fragment(app):
    app_state(app).pm.register(EchoEmbed(), name="echo-embed")
    app_state(app).forget_plugin_caches()
    text = "\n\n".join(f"{{{{< echo x={n} >}}}}" for n in range(12)) + "\n"
    with app.app_context():
        html = render_markdown(text).html
    found = re.findall(r'data-x="(\d+)"', html)
    assert found == [str(n) for n in range(12)]
    assert "tpembed" not in html


def test_twelve_calculator_embeds_have_distinct_ids(app):
    with app.app_context():
        html = render_markdown("\n\n".join(["{{< calc kv-cache >}}"] * 12) + "\n").html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) > 12 and len(ids) == len(set(ids))
    assert html.count("<form") == 12


def test_an_embed_in_a_heading_follows_it_and_stays_out_of_the_toc(app):
    app_state(app).pm.register(EchoEmbed(), name="echo-embed")
    app_state(app).forget_plugin_caches()
    text = "## Try it {{< echo x=7 >}}\n\n## Two\n\n## Three\n"
    with app.app_context():
        first, second = render_markdown(text), render_markdown(text)
    assert "tpembed" not in first.toc_html + first.html
    assert ">Try it</a>" in first.toc_html
    heading = r'<h2 id="s-try-it">Try it<a [^>]*>#</a></h2>\s*<form class="echo"'
    assert re.search(heading, first.html)
    assert first.html == second.html  # the heading's id does not depend on the render


@pytest.mark.parametrize(
    "text",
    [
        "- a\n  - b\n    - c\n- d\n",  # two spaces, as Hugo, Jekyll and GitHub write them
        "- a\n    - b\n        - c\n- d\n",  # four, as Python-Markdown wants them
        "* a\n\t* b\n\t\t* c\n* d\n",  # tabs
    ],
)
def test_nested_lists_nest_the_way_commonmark_reads_them(render, text):
    html = render(text).html
    assert html == (
        "<ul>\n<li>a<ul>\n<li>b<ul>\n<li>c</li>\n</ul>\n</li>\n</ul>\n</li>\n<li>d</li>\n</ul>"
    )


def test_an_ordered_list_nests_at_its_own_text_column(render):
    html = render("1. one\n   - inner\n     1. deeper\n2. two\n").html
    assert html == (
        "<ol>\n<li>one<ul>\n<li>inner<ol>\n<li>deeper</li>\n</ol>\n</li>\n</ul>\n</li>\n"
        "<li>two</li>\n</ol>"
    )


def test_list_paragraphs_and_code_outside_lists_are_unchanged(render):
    html = render("- a\n\n  more of a\n- b\n\nAfter.\n\n    code\n").html
    assert "<li>\n<p>a</p>\n<p>more of a</p>\n</li>\n<li>\n<p>b</p>\n</li>" in html
    assert "<p>After.</p>" in html and "<code>code\n</code></pre>" in html


def test_an_unclosed_block_tag_ends_with_its_paragraph(render):
    text = "<details>\n<summary>More</summary>\nHidden text\n\nAfter, **bold**.\n\n## H\n"
    html = render(text).html
    assert "Hidden text\n</details>" in html
    assert "<p>After, <strong>bold</strong>.</p>" in html and '<h2 id="s-h">' in html
