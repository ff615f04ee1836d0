"""Search on a frozen copy of the site, served by a plain static file server: the search
page's script finds posts in the prebuilt index, with no pressmark server at all."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pressmark.freeze import freeze


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture
def static_site(demo_app, tmp_path):
    out = tmp_path / "site"
    with demo_app.app_context():
        freeze(demo_app, out)
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_header_search_finds_posts_on_a_static_host(static_site, page):
    page.goto(static_site + "/")
    box = page.get_by_role("search").first.get_by_role("searchbox")
    box.fill("speculative decoding")
    box.press("Enter")
    results = page.locator(".search-results .search-result a")
    results.first.wait_for()
    titles = results.all_inner_texts()
    assert any("Speculative" in title for title in titles)
    assert "match" in page.locator("[role=status]").inner_text()
    results.first.click()
    page.wait_for_load_state()
    assert "/posts/" in page.url and page.locator("h1").first.is_visible()
