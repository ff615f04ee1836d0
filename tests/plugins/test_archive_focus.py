"""The archive-focus plugin as the server sends it: its files are linked where the archive
list is rendered, the home page carries its hint, and disabling it leaves a plain list."""

from __future__ import annotations

import hashlib
import shutil

import html5lib
import pytest
from pressmark.extensions import db

from tests.conftest import make_test_app

ARCHIVE_PAGES = ["/", "/archive", "/archive/2019"]


def parse(response):
    assert response.status_code == 200, response.status_code
    return html5lib.parse(response.get_data(as_text=True), namespaceHTMLElements=False)


def assets(document) -> list[str]:
    links = [e.get("href") for e in document.iter("link") if e.get("rel") == "stylesheet"]
    scripts = [e.get("src") for e in document.iter("script") if e.get("src")]
    return [u for u in links + scripts if "/archive-focus/" in u]


def archive_links(document) -> list[str]:
    lists = [e for e in document.iter("ul") if e.get("data-archive-list") is not None]
    return [a.get("href") for ul in lists for a in ul.iter("a")]


@pytest.fixture
def disabled_client(tmp_path, demo_database):
    database = tmp_path / "plain.sqlite"
    shutil.copy(demo_database, database)
    app = make_test_app(tmp_path, database=database, DISABLED_PLUGINS=["archive-focus"])
    yield app.test_client()
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("path", ARCHIVE_PAGES)
def test_archive_pages_link_the_stylesheet_and_script(demo_client, path):
    urls = assets(parse(demo_client.get(path)))
    assert len(urls) == 2
    css, js = sorted(urls)
    assert css.startswith("/-/static/archive-focus/archive-focus.css?v=")
    assert js.startswith("/-/static/archive-focus/archive-focus.js?v=")
    for url, mimetype in ((css, "text/css"), (js, "text/javascript")):
        with demo_client.get(url) as response:  # a file response must be closed
            assert response.status_code == 200
            assert response.mimetype == mimetype
            assert len(response.data) < 4096  # small, as enhancements should be


def test_asset_urls_carry_a_hash_of_the_content(demo_client):
    # The files are served with a one-year max-age, so a changed file needs a new URL.
    for url in assets(parse(demo_client.get("/"))):
        with demo_client.get(url) as response:
            served = response.data
        assert url.endswith("?v=" + hashlib.sha256(served).hexdigest()[:10])


def test_script_is_deferred_and_loaded_as_a_file(demo_client):
    document = parse(demo_client.get("/"))
    (script,) = [s for s in document.iter("script") if "/archive-focus/" in (s.get("src") or "")]
    assert script.get("defer") is not None
    assert not (script.text or "").strip()


def test_other_pages_do_not_load_it(demo_client):
    for path in ("/posts", "/posts/kv-caching", "/topics/archive"):
        assert assets(parse(demo_client.get(path))) == [], path


def test_home_page_shows_the_hint_after_the_archive_description(demo_client, demo_app):
    document = parse(demo_client.get("/"))
    (section,) = [s for s in document.iter("section") if s.get("class") == "home-archive"]
    (intro,) = [p for p in section.iter("p") if p.get("class") == "section-intro"]
    text = " ".join("".join(intro.itertext()).split())
    assert text == f"{demo_app.config['ARCHIVE_INTRO']} Hover to bring an item back into focus."


def test_hint_only_on_the_home_page(demo_client):
    for path in ("/archive", "/posts"):
        assert "Hover to bring an item back into focus." not in demo_client.get(path).text


def test_disabled_plugin_leaves_a_plain_readable_list(demo_client, disabled_client):
    for path in ARCHIVE_PAGES:
        enabled = parse(demo_client.get(path))
        plain = parse(disabled_client.get(path))
        assert assets(plain) == []
        assert "archive-focus" not in disabled_client.get(path).text
        # The same list of posts, in the same order, with or without the plugin.
        assert archive_links(plain) == archive_links(enabled)
        assert len(archive_links(plain)) == {"/": 43, "/archive": 63, "/archive/2019": 4}[path]
    assert "Hover to bring an item back into focus." not in disabled_client.get("/").text
    assert disabled_client.get("/-/static/archive-focus/archive-focus.css").status_code == 404
