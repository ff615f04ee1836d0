"""No element the sanitiser allows can swallow the rest of a post when it is left open:
each is closed at the end of its block. The whole allowlist goes through the same check,
and the result is read the way a browser reads it (html5lib)."""

from __future__ import annotations

import html5lib
import pytest
from pressmark.content.markup import ALLOWED_TAGS, VOID_TAGS, render_markdown
from pressmark.content.math import MATHML_TAGS
from pressmark.extensions import db

from tests.conftest import make_test_app

AFTER = "\n\nNext paragraph *stays* readable.\n\n## Later heading\n\nThe end."
HTML_TAGS = sorted(ALLOWED_TAGS - MATHML_TAGS - VOID_TAGS)
MATH_TAGS = sorted(MATHML_TAGS - {"math"})


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One site for the whole allowlist (rendering changes nothing in it)."""
    app = make_test_app(tmp_path_factory.mktemp("unclosed"))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def top_level(html: str) -> list[tuple[str, str]]:
    """(tag, text) of each element at the top of ``html`` as a browser builds it."""
    fragment = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    return [(child.tag, "".join(child.itertext()).strip()) for child in fragment]


def assert_rest_of_post_is_outside(site, source: str) -> None:
    with site.app_context():
        html = render_markdown(source, site).html
    blocks = top_level(html)
    assert ("p", "Next paragraph stays readable.") in blocks, html
    assert ("h2", "Later heading#") in blocks, html
    assert ("p", "The end.") in blocks, html
    assert "&lt;" not in html, html  # nothing of the post turned into visible markup


@pytest.mark.parametrize("tag", HTML_TAGS)
def test_an_unclosed_tag_in_a_paragraph_ends_with_the_paragraph(site, tag):
    assert_rest_of_post_is_outside(site, f"Intro <{tag}>opened and never closed" + AFTER)


@pytest.mark.parametrize("tag", HTML_TAGS)
def test_an_unclosed_tag_at_the_start_of_a_line_ends_with_its_block(site, tag):
    assert_rest_of_post_is_outside(site, f"<{tag}>opened and never closed" + AFTER)


@pytest.mark.parametrize("tag", ["math", *MATH_TAGS])
def test_an_unclosed_formula_ends_with_its_paragraph(site, tag):
    opened = "<math>" if tag == "math" else f"<math><{tag}>"
    assert_rest_of_post_is_outside(site, f"Intro {opened}<mi>x</mi>" + AFTER)
    assert_rest_of_post_is_outside(site, f'{opened.replace("<math>", "<math display=block>")}'
                                        "<mi>x</mi>" + AFTER)


def test_an_unclosed_tag_in_a_list_item_ends_with_the_item(site):
    with site.app_context():
        html = render_markdown("- one <details>hidden\n- two\n\nAfter the list.", site).html
    blocks = top_level(html)
    assert blocks[0][0] == "ul" and ("p", "After the list.") in blocks
    items = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    assert [li.tag for li in items[0]] == ["li", "li"]


def test_closing_tags_of_nothing_open_are_dropped_and_text_is_kept(site):
    with site.app_context():
        html = render_markdown("Words </table></math></details> more words.", site).html
    assert top_level(html) == [("p", "Words  more words.")]
