"""Ids in a post carry the "s-" prefix; links made before it still land on their heading."""

import re

from pressmark.content.models import Post
from pressmark.extensions import db
from sqlalchemy import select


def a_post_with_headings(app) -> tuple[str, str]:
    with app.app_context():
        for post in db.session.scalars(select(Post).where(Post.status == "published")):
            found = re.findall(r'<h2 id="s-([^"]+)"', post.body_html)
            if len(found) >= 3:
                return post.slug, found[-1]
    raise AssertionError("no demo post with headings")


def test_an_old_heading_link_lands_on_the_prefixed_heading(live_server, page):
    slug, heading = a_post_with_headings(live_server.app)
    page.goto(f"{live_server.url}/posts/{slug}#{heading}")
    page.wait_for_function("location.hash.startsWith('#s-')")
    assert page.evaluate("location.hash") == f"#s-{heading}"
    top = page.evaluate(f"document.getElementById('s-{heading}').getBoundingClientRect().top")
    assert 0 <= top < 200 and page.evaluate("window.scrollY") > 0  # scrolled to it
    assert not page.js_errors
