"""Property tests: for any input, the Markdown pipeline, the embed parser, the calculators,
slugs and the importer keep their promises (docs/reliability.md)."""

from __future__ import annotations

import html as html_lib
import re
import string

import html5lib
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from pressmark.content.markup import parse_embed_args, render_markdown
from pressmark.content.models import SLUG_RE, slugify, tag_slug
from pressmark.plugins.calculators.base import evaluate
from pressmark.plugins.calculators.registry import calculators
from pressmark.plugins.calculators.render import render_embed

# Pieces of Markdown and HTML, harmless and hostile, that the documents below are made of.
MARKUP = [
    "**", "*", "_", "`", "``", "#", "##", "###", ">", "-", "1.", "+", "|", "---", "===",
    "[", "]", "(", ")", "!", "\\", "&", "&amp;", "&#x3C;", "&lt;", "<", ">", "<!-- x -->",
    "<b>", "</b>", "<i>", "<kbd>", "</kbd>", "<p>", "</p>", "<div>", "</div>", "<details>",
    "<summary>", "<table>", "<td>", "<tr>", "<pre>", "<br>", "<hr/>",
    "<style>", "</style>", "<script>", "</script>", "<script>alert(1)</script>", "<textarea>",
    "<iframe src=x>", "<noscript>", "<xmp>", "<plaintext>", "<title>", "<noembed>",
    "<select>", "<option>", "<template>", "<svg onload=alert(1)>", "<math>", "<object>",
    "<frameset>", "<noframes>", "<base href=//evil>", "<meta http-equiv=refresh>",
    "<img src=x onerror=alert(1)>", "<a href='javascript:alert(1)'>", "</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">", "<a href=\"java&#x09;script:alert(1)\">",
    "[link](javascript:alert(1))", "[link](  javascript:alert(1) )", "![i](javascript:x)",
    "<b onclick=alert(1)>", '<b title="', "<b title='x>'>", "<i", "</i",
    "<div style=\"background:url(javascript:alert(1))\">", "{{< calc kv-cache >}}",
    "{{< nosuch a=1 >}}", "{{< calc kv-cache layers=1e999 >}}", "{{</* calc */>}}",
    "$", "$$", "\\(", "\\)", "\n```\n", "\n~~~\n", "\n    ", "\n", "\n\n", "[^1]",
    "{#id}", "{: .c}",
]


TAG_LIKE_RE = re.compile(r"</?[A-Za-z][^<>]*>")


def marker(n: int) -> str:
    return f"wq{n}x"


@st.composite
def documents(draw) -> tuple[str, list[str]]:
    """A document of prose words (markers) mixed with markup, and the markers in it."""
    items = draw(st.lists(st.one_of(st.sampled_from(MARKUP), st.integers(0, 999)), max_size=60))
    separators = draw(st.lists(st.sampled_from([" ", " ", "\n", "\n\n"]), min_size=len(items),
                               max_size=len(items)))
    markers = [marker(item) for item in items if isinstance(item, int)]
    parts = []
    for item, sep in zip(items, separators, strict=True):
        parts.append(marker(item) if isinstance(item, int) else item)
        parts.append(sep)
    return "".join(parts), markers


def dom(html: str):
    return html5lib.parse(f"<!doctype html><body>{html}", namespaceHTMLElements=False)


def assert_nothing_runs(html: str) -> None:
    """No script element, event-handler attribute or javascript: URL, as a browser reads it."""
    for element in dom(html).iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        assert tag.lower() not in ("script", "iframe", "object", "embed", "base", "meta"), html
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (name, html)
            compact = re.sub(r"[\x00-\x20]", "", html_lib.unescape(value)).lower()
            assert not compact.startswith(("javascript:", "vbscript:", "data:")), (value, html)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from pressmark.extensions import db

    from tests.conftest import make_test_app

    app = make_test_app(tmp_path_factory.mktemp("properties"))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@given(st.text())
def test_any_text_renders_without_raising_or_running_anything(app, text):
    with app.app_context():
        rendered = render_markdown(text)
    assert_nothing_runs(rendered.html)
    assert_nothing_runs(rendered.toc_html)


@given(documents())
def test_markup_never_loses_more_than_itself(app, document):
    text, markers = document
    with app.app_context():
        rendered = render_markdown(text)
    assert_nothing_runs(rendered.html)
    shown = "".join(dom(rendered.html).find("body").itertext())
    # A word written inside a tag (<i wq1x>, <b title="wq2x">) is markup itself.
    prose = TAG_LIKE_RE.sub(" ", text)
    missing = [m for m in markers if m in prose and m not in shown]
    assert not missing, (missing, rendered.html)


@given(st.text())
def test_the_embed_parser_takes_any_arguments(raw):
    params = parse_embed_args(raw)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())


def calculator_params(app):
    with app.app_context():
        names = sorted({n for c in calculators(app).values() for n in c.parameters})
    values = st.one_of(
        st.text(max_size=30),
        st.sampled_from(["0", "-1", "1e309", "-1e309", "nan", "inf", "1e-320", "3", "  4 ",
                         "99999999999999999999999", "0x1f", "1_000", "", "custom"]),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
    )
    return st.dictionaries(st.sampled_from([*names, "_", "x", "was_model"]), values, max_size=8)


@pytest.fixture(scope="module")
def calculator_names(app):
    with app.app_context():
        return sorted(calculators(app))


def test_every_calculator_answers_any_arguments(app, calculator_names):
    @given(name=st.sampled_from(calculator_names), params=calculator_params(app))
    def check(name, params):
        with app.app_context():
            calc = calculators(app)[name]
            evaluation = evaluate(calc, params)
            assert evaluation.failure is None, evaluation.failure
            if evaluation.errors:
                assert all(isinstance(m, str) and len(m) > 10 for m in evaluation.errors.values())
            else:
                assert evaluation.results
            html = render_embed({**params, "_": name})
            assert isinstance(html, str) and "<form" in html
            assert_nothing_runs(html)

    check()


@given(st.text())
def test_slugs_are_always_url_safe(text):
    for slug in (slugify(text), tag_slug(text)):
        assert slug == "" or SLUG_RE.match(slug), slug
        assert slug.isascii() and len(slug) <= 80
    if text.strip():
        assert tag_slug(text), "every tag has a slug"


ALPHABET = string.ascii_letters + string.digits + " -_!?.,:;'\"&+#@/éüßПриветмир机器学习🚀"


@given(st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=40), min_size=1, max_size=6))
def test_new_posts_always_get_a_url_safe_unique_slug(app, titles):
    from pressmark.content.models import Post, Revision
    from pressmark.content.store import PostData, save_post
    from pressmark.extensions import db
    from sqlalchemy import delete, select

    assume(all(title.strip() for title in titles))
    with app.app_context():
        try:
            for title in titles:
                save_post(PostData(title=title, body="Text.", status="draft"))
            slugs = db.session.scalars(select(Post.slug)).all()
            assert len(slugs) == len(set(slugs)) == len(titles)
            assert all(SLUG_RE.match(s) for s in slugs), slugs
        finally:
            db.session.rollback()
            db.session.execute(delete(Revision))
            db.session.execute(delete(Post))
            db.session.commit()


# --- the importer -----------------------------------------------------------------------------

YAML_VALUES = st.one_of(
    st.text(max_size=20),
    st.integers(-10**20, 10**20),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.sampled_from(["2026-01-02", "2026-13-45", "2026-01-02T03:04:05Z", "yesterday",
                     "0000-00-00", "9999-12-31 23:59:59", "published", "draft", "trashed",
                     "kv-caching", "/posts/x", "not a slug!", "[a, b]", "{a: 1}", "*anchor",
                     "!!python/object:os.system", "'", "\"", ": :", "- -"]),
    st.lists(st.text(max_size=10), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
FRONT_MATTER_KEYS = ["title", "date", "updated", "tags", "categories", "topic", "slug",
                     "status", "draft", "aliases", "summary", "description", "featured", "x"]


@st.composite
def post_files(draw) -> str:
    import yaml

    meta = draw(st.dictionaries(st.sampled_from(FRONT_MATTER_KEYS), YAML_VALUES, max_size=6))
    # Mostly files that could import, so both outcomes are tried.
    if draw(st.integers(0, 3)):
        meta["title"] = draw(st.text(min_size=1, max_size=40))
    if draw(st.integers(0, 3)):
        meta["date"] = "2026-01-02T03:04:05Z"
        meta.pop("status", None)
    body = draw(st.text(max_size=200))
    if draw(st.integers(0, 9)) == 0:  # front matter that is not YAML at all
        return f"---\n{draw(st.text(max_size=60))}\n---\n{body}"
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body


def table_counts() -> dict[str, int]:
    from pressmark.extensions import db
    from sqlalchemy import func, select

    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@given(post_files())
@example(text="---\n{}\n---\n\x00")  # a NUL in the body is stored as U+FFFD
def test_import_never_half_imports_a_file(app, tmp_path_factory, text):
    from pressmark.content.models import Post
    from pressmark.content.postdata import normalise_newlines, without_nul
    from pressmark.extensions import db
    from pressmark.migrate.api import import_directory
    from pressmark.migrate.toolkit.frontmatter import split
    from sqlalchemy import delete, select

    folder = tmp_path_factory.mktemp("import")
    (folder / "post.md").write_text(text, encoding="utf-8")
    with app.app_context():
        before = table_counts()
        try:
            report = import_directory(folder)
            after = table_counts()
            if report.imported:
                post = db.session.scalar(select(Post))
                assert post is not None
                # NUL is stored as U+FFFD, as CommonMark reads it (postdata.without_nul).
                body = without_nul(normalise_newlines(split(text)[1]))
                if "{{" not in body and "{%" not in body:  # else shortcodes were converted
                    assert post.body == body
                assert after["posts"] == before["posts"] + 1
            else:
                assert [name for name, _ in report.errors] == ["post.md"], report
                assert all(reason for _, reason in report.errors)
                assert after == before, "a file that was not imported left rows behind"
        finally:
            db.session.rollback()
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(delete(table))
            db.session.commit()
