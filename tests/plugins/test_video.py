"""YouTube and Vimeo embeds: a poster card served from this site, the player's host in the
Content-Security-Policy only on pages with a video, and nothing fetched from elsewhere by
the reader's browser (see tests/browser/test_rich_posts.py for the click)."""

from __future__ import annotations

import http.server
import io
import json
import threading

import pytest
from PIL import Image
from pressmark.extensions import db
from pressmark.plugins.video.posters import poster_queue

from tests.conftest import free_port, make_test_app
from tests.web.test_editor import start_writing


def poster_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (480, 360), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def video_host():
    """A stand-in for the video sites' poster and oEmbed endpoints, on loopback."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's API name
            requests.append(self.path)
            if self.path.startswith("/vi/"):
                body, kind = poster_jpeg(), "image/jpeg"
            elif self.path.startswith("/oembed/"):
                body = json.dumps({"thumbnail_url": f"{base}/vi/vimeo/poster.jpg"}).encode()
                kind = "application/json"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, requests
    server.shutdown()
    server.server_close()


@pytest.fixture
def author(tmp_path, video_host):
    base, _ = video_host
    app = make_test_app(tmp_path, VIDEO_POSTER_URLS={
        "youtube": base + "/vi/{id}/hqdefault.jpg",
        "vimeo": base + "/oembed/{id}",
    })
    with app.app_context():
        db.create_all()
    yield start_writing(app, app.test_client())
    with app.app_context():
        db.engine.dispose()


def publish(author, body: str, slug: str = "talk"):
    author.create("publish", title="Talk", slug=slug, body=body)
    return author.app.test_client().get(f"/posts/{slug}")


def test_youtube_embed_is_a_poster_card_with_a_link_and_the_nocookie_player(author, video_host):
    response = publish(author, '{{< youtube dQw4w9WgXcQ title="Serving at scale" >}}\n')
    html = response.get_data(as_text=True)
    assert '<figure class="video-embed" data-video-embed data-provider="youtube"' in html
    assert 'data-player="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"' in html
    assert '<a class="video-link" href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">' in html
    assert "Play “Serving at scale” (YouTube)" in html
    assert '<img src="/-/video/youtube/dQw4w9WgXcQ.jpg" alt="" width="640" height="360"' in html
    assert "ytimg" not in html and "<iframe" not in html
    # The poster was fetched by the server when the post was saved, cropped to 16:9, kept.
    poster_queue(author.app).wait()
    assert video_host[1] == ["/vi/dQw4w9WgXcQ/hqdefault.jpg"]
    client = author.app.test_client()
    for _ in range(2):
        poster = client.get("/-/video/youtube/dQw4w9WgXcQ.jpg")
        assert poster.status_code == 200 and poster.mimetype == "image/jpeg"
        assert Image.open(io.BytesIO(poster.data)).size == (480, 270)
    assert video_host[1] == ["/vi/dQw4w9WgXcQ/hqdefault.jpg"]
    csp = response.headers["Content-Security-Policy"]
    assert "frame-src 'self' https://www.youtube-nocookie.com" in csp
    assert "video.js" in html


def test_vimeo_poster_comes_from_oembed_and_the_player_has_dnt(author, video_host):
    response = publish(author, "{{< vimeo 76979871 >}}\n")
    html = response.get_data(as_text=True)
    assert 'data-player="https://player.vimeo.com/video/76979871?autoplay=1&amp;dnt=1"' in html
    poster_queue(author.app).wait()
    assert author.app.test_client().get("/-/video/vimeo/76979871.jpg").status_code == 200
    assert video_host[1] == ["/oembed/76979871", "/vi/vimeo/poster.jpg"]
    assert "frame-src 'self' https://player.vimeo.com" in response.headers[
        "Content-Security-Policy"]


def test_pages_without_video_name_no_frame_host_even_when_cached(author):
    publish(author, '{{< youtube dQw4w9WgXcQ >}}\n', slug="with-video")
    publish(author, "Only words.\n", slug="without-video")
    client = author.app.test_client()
    for _ in range(2):  # rendered, then from the page cache
        with_video = client.get("/posts/with-video")
        without = client.get("/posts/without-video")
        assert "youtube-nocookie" in with_video.headers["Content-Security-Policy"]
        assert "frame-src" not in without.headers["Content-Security-Policy"]
        assert "video.js" not in without.get_data(as_text=True)


def test_no_poster_gives_a_placeholder_kept_briefly_and_a_working_link(tmp_path):
    app = make_test_app(tmp_path, VIDEO_POSTER_URLS={
        "youtube": f"http://127.0.0.1:{free_port()}/nothing/{{id}}.jpg",
    })
    with app.app_context():
        db.create_all()
    author = start_writing(app, app.test_client())
    html = publish(author, "{{< youtube dQw4w9WgXcQ >}}\n").get_data(as_text=True)
    assert 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in html
    poster_queue(app).wait()
    poster = app.test_client().get("/-/video/youtube/dQw4w9WgXcQ.jpg")
    assert poster.status_code == 200 and poster.headers["Cache-Control"] == "public, max-age=300"
    assert Image.open(io.BytesIO(poster.data)).size == (640, 360)
    assert not list((tmp_path / "instance").glob("video-posters/*.jpg"))
    for bad in ("/-/video/youtube/short.jpg", "/-/video/dailymotion/dQw4w9WgXcQ.jpg"):
        assert app.test_client().get(bad).status_code == 404
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("body", ["{{< youtube not-an-id >}}", "{{< vimeo abc >}}",
                                  '{{< youtube "dQw4w9WgXc\\" >}}'])
def test_a_bad_video_id_is_a_visible_notice(author, video_host, body):
    html = publish(author, body + "\n").get_data(as_text=True)
    assert 'class="embed-error"' in html and "is not a" in html
    assert video_host[1] == []  # nothing fetched for a bad id


def test_csp_settings_name_outside_hosts_for_every_page(tmp_path):
    app = make_test_app(
        tmp_path, CSP_IMG_SOURCES=["https://images.example.com"],
        CSP_FRAME_SOURCES="https://embed.example.org, https://maps.example.net",
    )
    with app.app_context():
        db.create_all()
    csp = app.test_client().get("/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://images.example.com" in csp
    assert "frame-src 'self' https://embed.example.org https://maps.example.net" in csp
    with app.app_context():
        db.engine.dispose()
