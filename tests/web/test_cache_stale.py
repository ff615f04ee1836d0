"""After a change: one request renders a page again while readers get the stale copy, the
author never gets a stale copy, and concurrent requests for a page wait for one render.

A gate between the cache layer and Flask holds the first render, so that "while another
request renders the page" is a state the test controls rather than a race it hopes for.
"""

import threading
import time

import pytest
from pressmark.content.store import PostData, save_post
from pressmark.extensions import db
from pressmark.web.author_flag import FLAG_COOKIE
from pressmark.web.cache import page_layer
from pressmark.web.cache.store import PageStore, build_entry

from tests.conftest import make_test_app


class Gate:
    """Wraps the Flask app under the cache layer: counts renders, holds the first one."""

    def __init__(self, inner):
        self.inner = inner
        self.renders = 0
        self.entered = threading.Event()
        self.opened = threading.Event()

    def __call__(self, environ, start_response):
        self.renders += 1
        if self.renders == 1:
            self.entered.set()
            self.opened.wait(10)
        return self.inner(environ, start_response)


class Fetch(threading.Thread):
    """One GET of ``path`` in its own thread; ``body`` once done."""

    def __init__(self, app, path, cookie=None):
        super().__init__(daemon=True)
        self.client = app.test_client()
        if cookie:
            self.client.set_cookie(*cookie)
        self.path = path
        self.body = None

    def run(self):
        self.body = self.client.get(self.path).get_data(as_text=True)


def publish(app, title):
    with app.app_context():
        save_post(PostData(title=title, body="word " * 50, status="published"))


def site(tmp_path, **config):
    """A site with one post whose listing is cached, then a second post saved: the cached
    listing is stale. Returns the app and the gate now under the cache."""
    app = make_test_app(tmp_path, **config)
    with app.app_context():
        db.create_all()
    publish(app, "First post")
    assert "First post" in app.test_client().get("/posts").get_data(as_text=True)
    publish(app, "Second post")
    layer = page_layer(app)
    gate = Gate(layer.inner)
    layer.inner = gate
    return app, gate


def start_render(app, gate) -> Fetch:
    renderer = Fetch(app, "/posts")
    renderer.start()
    assert gate.entered.wait(10)
    return renderer


def test_readers_get_the_stale_page_while_one_request_renders_it(tmp_path):
    app, gate = site(tmp_path)
    renderer = start_render(app, gate)

    meanwhile = app.test_client().get("/posts")
    assert meanwhile.status_code == 200
    assert "First post" in meanwhile.get_data(as_text=True)
    assert "Second post" not in meanwhile.get_data(as_text=True)
    assert gate.renders == 1  # answered from the stale copy, not rendered again

    gate.opened.set()
    renderer.join(10)
    assert "Second post" in renderer.body
    assert "Second post" in app.test_client().get("/posts").get_data(as_text=True)
    assert gate.renders == 1  # the new page is now the cached one


def test_the_author_waits_for_the_new_page_instead_of_seeing_the_stale_one(tmp_path):
    app, gate = site(tmp_path)
    renderer = start_render(app, gate)

    author = Fetch(app, "/posts", cookie=(FLAG_COOKIE, "1"))
    author.start()
    author.join(0.3)
    assert author.is_alive()  # not answered with the stale copy
    gate.opened.set()
    renderer.join(10)
    author.join(10)
    assert "Second post" in author.body
    assert gate.renders == 1  # the author's request waited for the one render


def test_without_a_grace_period_readers_wait_for_the_one_render(tmp_path):
    app, gate = site(tmp_path, CACHE_GRACE_SECONDS=0)
    renderer = start_render(app, gate)

    readers = [Fetch(app, "/posts") for _ in range(3)]
    for reader in readers:
        reader.start()
    time.sleep(0.2)
    assert all(reader.is_alive() for reader in readers)
    gate.opened.set()
    for reader in [renderer, *readers]:
        reader.join(10)
        assert "Second post" in reader.body
    assert gate.renders == 1


def entry(text: str):
    return build_entry("200 OK", [("Content-Type", "text/plain")], text.encode())


def test_a_stale_entry_is_served_only_within_the_grace_period():
    store = PageStore(1_000_000, grace_seconds=0.2)
    store.advance(1)
    assert store.put("/a?", entry("one"), 1)
    store.advance(2)
    stale, current = store.lookup("/a?")
    assert stale.variants["identity"].body == b"one" and not current
    assert store.get("/a?") is None  # get() is for current entries only
    time.sleep(0.3)
    assert store.lookup("/a?") is None


@pytest.mark.parametrize("generation", [-1, 1])
def test_nothing_is_stored_under_an_unknown_or_old_generation(generation):
    store = PageStore(1_000_000, grace_seconds=10)
    store.advance(2)
    store.advance(-1)  # a change announced, the new generation not read yet
    assert not store.put("/a?", entry("x"), generation)
    assert store.lookup("/a?") is None


def test_returning_to_a_generation_that_was_left_drops_its_pages():
    """A change announced in this process that the database's generation does not show
    (a direct edit, a plugin toggled): the pages of before must not pass for current."""
    store = PageStore(1_000_000, grace_seconds=10)
    store.advance(3)
    store.put("/a?", entry("x"), 3)
    store.advance(-1)
    store.advance(3)
    assert store.lookup("/a?") is None and store.bytes == 0
