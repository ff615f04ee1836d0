"""An incremental freeze writes exactly what a full freeze would, and the frozen site has no
broken internal link."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pressmark.content.models import Post
from pressmark.content.postdata import data_from_post
from pressmark.content.store import PostData, save_post
from pressmark.extensions import db
from pressmark.freeze import MANIFEST, freeze
from sqlalchemy import select


def contents(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and p.name != MANIFEST}


def test_incremental_freezes_equal_full_ones(demo_app, tmp_path):
    out = tmp_path / "incremental"
    with demo_app.app_context():
        freeze(demo_app, out)
        post = db.session.scalar(select(Post).where(Post.slug == "kv-caching"))
        data = data_from_post(post)
        data.title, data.summary = "KV caching, revised", "A new summary for the listings."
        save_post(data, post)
        edited = freeze(demo_app, out, incremental=True)
        assert not edited.reason.startswith(("no earlier", "settings"))
        freeze(demo_app, tmp_path / "full1")
        differ = sorted(name for name, body in contents(tmp_path / "full1").items()
                        if contents(out).get(name) != body and name != "nginx-server.conf")
        assert not differ, differ[:10]
        # A new post moves every listing: the freeze renders everything again, correctly.
        save_post(PostData(title="Brand new", body="Fresh.", status="published"))
        added = freeze(demo_app, out, incremental=True)
        assert "added" in added.reason and "posts/brand-new/index.html" in added.written
        freeze(demo_app, tmp_path / "full2")
    full, incremental = contents(tmp_path / "full2"), contents(out)
    assert set(full) == set(incremental)
    assert [n for n in full if full[n] != incremental[n]] == ["nginx-server.conf"]  # its root
    home = (out / "index.html").read_text()
    assert "Brand new" in home
    assert "KV caching, revised" in (out / "posts/kv-caching/index.html").read_text()


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.hidden: list[str] = []  # open elements under a hidden one

    def handle_endtag(self, tag):
        if self.hidden and self.hidden[-1] == tag:
            self.hidden.pop()

    def handle_starttag(self, tag, attrs):
        if self.hidden or "hidden" in dict(attrs):
            # The editor's link, shown to a signed-in author on the live site only.
            if tag not in ("img", "input", "link", "meta", "br", "hr", "source"):
                self.hidden.append(tag)
            return
        if tag == "link" and "webmention" in (dict(attrs).get("rel") or "").split():
            # Not a page to visit: the live server's endpoint for other sites' servers,
            # which a static host cannot answer (docs/webmentions.md says so).
            return
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append(value)
        # The search form must land on a page (the frozen search page). Calculators' forms
        # post to the live server for readers without script; on a static copy their
        # script computes the results instead.
        if tag == "form" and dict(attrs).get("role") == "search":
            self.found.append(dict(attrs).get("action") or "")


def target_exists(out: Path, path: str) -> bool:
    path = unquote(path)
    candidates = [out / path.lstrip("/"), out / path.lstrip("/") / "index.html"]
    return any(c.is_file() for c in candidates)


def test_the_frozen_site_has_no_broken_internal_link(demo_app, tmp_path):
    out = tmp_path / "site"
    with demo_app.app_context():
        freeze(demo_app, out)
    site = demo_app.config["SITE_URL"]
    broken = []
    pages = list(out.rglob("*.html"))
    assert len(pages) > 100
    for page in pages:
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.found:
            if link.startswith(site):
                link = link[len(site):] or "/"
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue  # another site, or a fragment or relative link
            if page.name == "404.html" and parts.path.startswith("/-/"):
                continue  # the not-found page's own address
            if parts.query and not parts.path.startswith(("/static/", "/-/static/")):
                broken.append((page.relative_to(out).as_posix(), link))  # not a static file
            elif not target_exists(out, parts.path):
                broken.append((page.relative_to(out).as_posix(), link))
    assert not broken, broken[:20]


def test_the_frozen_search_page_has_the_index_and_its_script(demo_app, tmp_path):
    out = tmp_path / "site"
    with demo_app.app_context():
        freeze(demo_app, out)
    import json

    page = (out / "search" / "index.html").read_text()
    assert 'data-static-search="/search/index.json"' in page and "static-search.js" in page
    assert "search needs JavaScript" in page
    index = json.loads((out / "search" / "index.json").read_text())
    urls = {post["url"] for post in index["posts"]}
    assert "/posts/kv-caching" in urls and len(urls) == 63
    assert all((out / url.lstrip("/") / "index.html").is_file() for url in urls)
