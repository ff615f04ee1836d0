"""Webmentions between two real pressmark sites on 127.0.0.1 (loopback allowed by the
documented setting), plus a small static site for microformats and 410 Gone."""

from __future__ import annotations

import http.server
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from pressmark.content.models import Topic
from pressmark.content.reach_models import (
    MENTION_APPROVED,
    MENTION_DELETED,
    MENTION_INVALID,
    MENTION_VERIFIED,
    OutgoingMention,
    Webmention,
)
from pressmark.extensions import db
from pressmark.plugins.webmentions.send import discover
from pressmark.plugins.webmentions.worker import run
from sqlalchemy import select

from tests.conftest import free_port, make_test_app, serve_in_thread
from tests.web.test_editor import Author, csrf_token, parse


class StaticSite(http.server.ThreadingHTTPServer):
    """Pages by path: (status, html)."""

    pages: dict[str, tuple[int, str]]


class StaticHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        status, body = self.server.pages.get(self.path, (404, "not here"))
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def static_site():
    server = StaticSite(("127.0.0.1", 0), StaticHandler)
    server.pages = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def make_site(tmp_path, name: str):
    port = free_port()
    app = make_test_app(tmp_path / name, SITE_URL=f"http://127.0.0.1:{port}",
                        WEBMENTION_ALLOW_LOOPBACK=True, WEBMENTION_RETRY_SECONDS=0.01,
                        WEBMENTION_TIMEOUT=5, CACHE_CHECK_SECONDS=0,
                        TRUSTED_HOSTS=["localhost"])
    with app.app_context():
        db.create_all()
        db.session.add(Topic(slug="notes", name="Notes", position=0))
        db.session.commit()
    return app, port


@pytest.fixture
def sites(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    app_a, port_a = make_site(tmp_path, "a")
    app_b, port_b = make_site(tmp_path, "b")
    with serve_in_thread(app_a, port_a) as url_a, serve_in_thread(app_b, port_b) as url_b:
        yield (app_a, url_a), (app_b, url_b)
    for app in (app_a, app_b):
        with app.app_context():
            db.engine.dispose()


def browser(app):
    """The author's test client (``localhost`` is among the site's trusted hosts)."""
    return app.test_client()


def work(app) -> int:
    return run(app, threading.Event(), until_idle=True)


def get(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers, exc.read().decode()


def mentions(app) -> list[Webmention]:
    with app.app_context():
        found = list(db.session.scalars(select(Webmention).order_by(Webmention.id)))
        db.session.expunge_all()
        return found


def moderate(author: Author, mention_id: int, decision: str) -> None:
    token = csrf_token(author.page("/editor/webmentions/"))
    response = author.client.post(f"/editor/webmentions/{mention_id}",
                                  data={"csrf_token": token, "decision": decision})
    assert response.status_code == 302


def test_two_sites_mention_each_other_update_and_delete(sites):
    (app_a, url_a), (app_b, url_b) = sites
    writer_a, writer_b = Author(app_a, browser(app_a)), Author(app_b, browser(app_b))
    writer_a.create("publish", title="Target", body="The original.", topic="notes")
    target = f"{url_a}/posts/target"
    status, headers, page = get(target)
    assert status == 200
    assert f'<{url_a}/-/webmention>; rel="webmention"' in headers.get_all("Link")
    assert f'<link rel="webmention" href="{url_a}/-/webmention">' in page
    assert "Elsewhere on the web" not in page  # now cached without mentions

    reply = writer_b.create("publish", title="A reply", topic="notes",
                            body=f"I read [the original]({target}) and agree.")
    assert work(app_b) == 1  # discovered A's endpoint and notified it
    with app_b.app_context():
        sent = db.session.scalar(select(OutgoingMention))
        assert (sent.status, sent.response_status, sent.target) == ("sent", 202, target)
    assert work(app_a) == 1  # verified: B's post links to A's
    [mention] = mentions(app_a)
    assert mention.status == MENTION_VERIFIED and mention.source == f"{url_b}/posts/a-reply"
    assert "Elsewhere on the web" not in get(target)[2]  # waiting for moderation
    moderate(writer_a, mention.id, "approve")
    page = get(target)[2]
    parse(page)
    assert "Elsewhere on the web" in page and f'href="{url_b}/posts/a-reply"' in page

    # An update that drops the link is sent too; A re-verifies and removes the mention.
    writer_b.submit(f"/editor/{reply}", "save", body="I changed my mind.")
    work(app_b)
    work(app_a)
    assert mentions(app_a)[0].status == MENTION_DELETED
    assert "Elsewhere on the web" not in get(target)[2]

    # Linked again and approved, then unpublished: the source is gone, so is the mention.
    writer_b.submit(f"/editor/{reply}", "save", body=f"Back to [it]({target}).")
    work(app_b)
    work(app_a)
    moderate(writer_a, mentions(app_a)[0].id, "approve")
    assert "Elsewhere on the web" in get(target)[2]
    writer_b.submit(f"/editor/{reply}", "unpublish")
    work(app_b)
    work(app_a)
    assert mentions(app_a)[0].status == MENTION_DELETED
    assert "Elsewhere on the web" not in get(target)[2]


REPLY = """<!DOCTYPE html><html><head><title>Their page</title></head><body>
<article class="h-entry">
  <a class="p-author h-card" href="https://them.example/">Tess Tee</a>
  <div class="e-content"><p>Great post! <script>alert(1)</script>
    <img src="https://tracker.example/pixel.gif"> &lt;b&gt;bold&lt;/b&gt;</p></div>
  <a class="u-in-reply-to" href="{target}">in reply to</a>
</article></body></html>"""


def test_likes_reposts_replies_are_shown_as_text_and_410_removes(sites, static_site):
    (app_a, url_a), _ = sites
    server, static = static_site
    writer_a = Author(app_a, browser(app_a))
    writer_a.create("publish", title="Target", body="Words.", topic="notes")
    target = f"{url_a}/posts/target"
    server.pages.update({
        "/reply": (200, REPLY.format(target=target)),
        "/like": (200, f'<div class="h-entry"><a class="u-like-of" href="{target}">like</a>'
                       '<a class="p-author h-card" href="https://fan.example/">Fan</a></div>'),
        "/repost": (200, f'<a class="u-repost-of" href="{target}#x">repost</a>'),
        "/nolink": (200, "<p>No link here.</p>"),
    })
    client = browser(app_a)
    for path in ("/reply", "/like", "/repost", "/nolink"):
        response = client.post("/-/webmention", data={"source": static + path,
                                                      "target": target})
        assert response.status_code == 202
    work(app_a)
    found = {m.source.rsplit("/", 1)[1]: m for m in mentions(app_a)}
    assert found["nolink"].status == MENTION_INVALID
    assert (found["reply"].kind, found["like"].kind, found["repost"].kind) == (
        "reply", "like", "repost")
    assert found["reply"].author_name == "Tess Tee"
    assert found["reply"].author_url == "https://them.example/"
    for name in ("reply", "like", "repost"):
        moderate(writer_a, found[name].id, "approve")
    page = get(target)[2]
    parse(page)
    assert "Liked by" in page and 'href="https://fan.example/"' in page and "Reposted by" in page
    assert "Great post!" in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "tracker.example" not in page and "alert(1)" not in page.split("webmentions")[-1]
    # The source is deleted (410 Gone) and the mention sent again: it disappears.
    server.pages["/reply"] = (410, "gone")
    client.post("/-/webmention", data={"source": static + "/reply", "target": target})
    work(app_a)
    assert mentions(app_a)[0].status == MENTION_DELETED
    assert "Great post!" not in get(target)[2]


def test_endpoint_refuses_bad_requests_and_private_sources(sites, static_site):
    (app_a, url_a), _ = sites
    server, static = static_site
    Author(app_a, browser(app_a)).create("publish", title="Target", body="Words.")
    target = f"{url_a}/posts/target"
    client = browser(app_a)
    for source, aim in ((static + "/x", f"{url_a}/posts/missing"),
                        (static + "/x", "https://elsewhere.example/posts/target"),
                        ("javascript:alert(1)", target), (target, target), ("", target)):
        response = client.post("/-/webmention", data={"source": source, "target": aim})
        assert response.status_code == 400, (source, aim)
    assert client.get("/-/webmention").status_code == 405
    app_a.config["WEBMENTION_RECEIVED_PER_HOUR"] = 5  # the five above were the limit
    flood = client.post("/-/webmention", data={"source": static + "/a", "target": target})
    assert flood.status_code == 429 and flood.headers["Retry-After"] == "3600"
    app_a.config["WEBMENTION_RECEIVED_PER_HOUR"] = 60
    server.pages["/fine"] = (200, f'<a href="{target}">hi</a>')
    app_a.config["WEBMENTION_ALLOW_LOOPBACK"] = False
    client.post("/-/webmention", data={"source": static + "/fine", "target": target})
    work(app_a)
    [refused] = mentions(app_a)
    assert refused.status == MENTION_INVALID and "private address" in refused.error
    assert mentions(app_a)[0].status != MENTION_APPROVED
    assert re.search(r"127\.0\.0\.1", refused.error)
    assert urllib.parse.urlsplit(refused.source).hostname == "127.0.0.1"


def test_endpoint_discovery_reads_link_headers_link_and_a_elements(sites, static_site):
    (app_a, _), _ = sites
    server, static = static_site
    server.pages.update({
        "/link": (200, '<html><head><link rel="webmention" href="/in/link"></head></html>'),
        "/anchor": (200, '<p><a href="/x">x</a> <a rel="nofollow webmention" href="in/a">'
                         "endpoint</a></p>"),
        "/empty": (200, '<link rel="webmention" href="">'),
        "/none": (200, "<p>Nothing to see.</p>"),
    })
    with app_a.test_request_context():
        assert discover(static + "/link") == static + "/in/link"
        assert discover(static + "/anchor") == static + "/in/a"
        assert discover(static + "/empty") == static + "/empty"  # the page itself
        assert discover(static + "/none") is None
