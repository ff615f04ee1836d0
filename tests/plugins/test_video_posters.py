"""Video posters cannot be turned against the server: anonymous requests fetch and store
nothing, a poster is only served for a video of a visible post, an oEmbed answer cannot
point the server at a local file or another host, a slow video site is given up on at a
deadline, failures are remembered, and posters leave with their post. The video site is
a local stand-in named by the documented ``VIDEO_POSTER_URLS`` setting."""

from __future__ import annotations

import http.client
import http.server
import json
import threading
import time
from pathlib import Path

import pytest
from pressmark.content.models import Post
from pressmark.content.store import delete_post
from pressmark.extensions import db
from pressmark.plugins.video.posters import poster_queue
from sqlalchemy import select

from tests.conftest import free_port, make_test_app, serve_in_thread
from tests.plugins.test_video import poster_jpeg
from tests.web.test_editor import start_writing


@pytest.fixture
def video_site():
    """A stand-in video site: ``answers`` maps a path to (content type, body, delay per
    byte); every request's path is noted in ``seen``."""
    port = free_port()
    answers: dict[str, tuple[str, bytes, float]] = {}
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's API name
            seen.append(self.path)
            kind, body, delay = answers.get(self.path, ("image/jpeg", poster_jpeg(), 0.0))
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not delay:
                self.wfile.write(body)
                return
            for byte in body[:40]:  # a trickle, one byte at a time
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(delay)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}", answers, seen
    server.shutdown()
    server.server_close()


@pytest.fixture
def site(tmp_path, video_site):
    base, _, _ = video_site
    app = make_test_app(tmp_path, VIDEO_POSTER_TIMEOUT=1, VIDEO_POSTER_URLS={
        "youtube": base + "/vi/{id}/hqdefault.jpg", "vimeo": base + "/oembed/{id}"})
    with app.app_context():
        db.create_all()
    yield app, start_writing(app, app.test_client()), Path(app.instance_path) / "video-posters"
    with app.app_context():
        db.engine.dispose()


def get(url: str, path: str) -> int:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", path, headers={"Host": "localhost"})
    status = connection.getresponse().status
    connection.close()
    return status


def test_anonymous_requests_fetch_and_store_nothing(site, video_site):
    app, author, posters = site
    author.create("save", title="Draft", slug="draft", body="{{< youtube aaaaaaaaaaa >}}\n")
    poster_queue(app).wait()
    fetched_for_the_draft = list(video_site[2])
    with serve_in_thread(app) as url:
        for n in range(40):
            assert get(url, f"/-/video/youtube/{n:011d}.jpg") == 404
            assert get(url, f"/-/video/vimeo/{1000 + n}.jpg") == 404
        # A video only in a draft is not shown to anyone: no poster either.
        assert get(url, "/-/video/youtube/aaaaaaaaaaa.jpg") == 404
    assert video_site[2] == fetched_for_the_draft  # no fetch for any reader's request
    assert sorted(p.name for p in posters.iterdir()) == ["youtube-aaaaaaaaaaa.jpg"]


@pytest.mark.parametrize("thumbnail", ["file:///etc/passwd", "http://127.0.0.1:9/x.jpg",
                                       "https://evil.example/x.jpg"])
def test_an_oembed_thumbnail_elsewhere_is_refused_and_the_failure_remembered(
        site, video_site, thumbnail):
    app, author, posters = site
    _, answers, seen = video_site
    answers["/oembed/76979871"] = (
        "application/json", json.dumps({"thumbnail_url": thumbnail}).encode(), 0.0)
    author.create("publish", title="Talk", slug="talk", body="{{< vimeo 76979871 >}}\n")
    poster_queue(app).wait()
    assert seen == ["/oembed/76979871"]
    assert not (posters / "vimeo-76979871.jpg").exists()
    assert (posters / "vimeo-76979871.failed").exists()
    reader = app.test_client()
    answer = reader.get("/-/video/vimeo/76979871.jpg")
    assert answer.status_code == 200 and answer.headers["Cache-Control"].endswith("=300")
    assert b"root:" not in answer.data
    author.create("publish", title="Again", slug="again", body="{{< vimeo 76979871 >}}\n")
    poster_queue(app).wait()
    assert seen == ["/oembed/76979871"]  # the failure is remembered: not asked again


def test_a_slow_video_site_is_given_up_on_at_the_deadline(site, video_site):
    app, author, posters = site
    video_site[1]["/vi/bbbbbbbbbbb/hqdefault.jpg"] = ("image/jpeg", poster_jpeg(), 0.3)
    started = time.monotonic()
    author.create("publish", title="Slow", slug="slow", body="{{< youtube bbbbbbbbbbb >}}\n")
    saved = time.monotonic() - started
    poster_queue(app).wait()
    fetching = time.monotonic() - started
    assert saved < fetching  # the save did not wait for the video site
    assert fetching < 1 + 2 + 1  # VIDEO_POSTER_TIMEOUT, one read's wait, some slack
    assert (posters / "youtube-bbbbbbbbbbb.failed").exists()


def test_posters_are_deleted_with_the_last_post_that_shows_them(site):
    app, author, posters = site
    author.create("publish", title="One", slug="one", body="{{< youtube ccccccccccc >}}\n")
    author.create("publish", title="Two", slug="two", body="{{< youtube ccccccccccc >}}\n")
    poster_queue(app).wait()
    poster = posters / "youtube-ccccccccccc.jpg"
    assert poster.exists()
    with app.app_context():
        for slug, kept in (("one", True), ("two", False)):
            delete_post(db.session.scalar(select(Post).where(Post.slug == slug)))
            db.session.commit()
            assert poster.exists() is kept
