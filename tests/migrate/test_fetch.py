"""WordPress images with no copy beside the export are downloaded from the old site: here a
real HTTP server on a free loopback port, started by the test."""

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import free_port
from tests.migrate.conftest import PNG, write

FILES = {  # path -> (status, content type, bytes)
    "/wp-content/uploads/2020/01/ok.png": (200, "image/png", PNG),
    "/wp-content/uploads/2020/01/hero.png": (200, "image/png", PNG),
    "/wp-content/uploads/2020/01/page.png": (200, "image/png", b"<html>Log in</html>"),
    "/wp-content/uploads/2020/01/raw.png": (200, "application/octet-stream", PNG),
    "/wp-content/uploads/2020/01/big.png": (200, "image/png", PNG + b"\0" * 5000),
}


@contextlib.contextmanager
def old_site():
    """An HTTP server answering ``FILES`` (404 for anything else); yields (base URL, the
    paths requested)."""
    requested: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            requested.append(self.path)
            status, media, body = FILES.get(self.path, (404, "text/plain", b"gone"))
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def item(post_id: int, slug: str, body: str, thumbnail: int | None = None) -> str:
    meta = (f"<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
            f"<wp:meta_value>{thumbnail}</wp:meta_value></wp:postmeta>" if thumbnail else "")
    return f"""<item><title>{slug}</title><link>https://old.example/{slug}/</link>
    <content:encoded><![CDATA[{body}]]></content:encoded><wp:post_id>{post_id}</wp:post_id>
    <wp:post_date_gmt>2020-01-0{post_id} 00:00:00</wp:post_date_gmt>
    <wp:post_name>{slug}</wp:post_name><wp:status>publish</wp:status>
    <wp:post_type>post</wp:post_type>{meta}</item>"""


def export(base: str) -> str:
    uploads = f"{base}/wp-content/uploads/2020/01"
    closed = f"http://127.0.0.1:{free_port()}/wp-content/uploads/2020/01/closed.png"
    items = [
        item(1, "mixed", f'<p><img src="{uploads}/ok.png" alt="Fine"/></p>'
                         f'<p><img src="{uploads}/missing.png" alt="Missing"/></p>'
                         f'<p><img src="{uploads}/page.png" alt="Page"/></p>'
                         f'<p><img src="{uploads}/raw.png" alt="Raw"/></p>'
                         f'<p><img src="{uploads}/big.png" alt="Big"/></p>'
                         f'<p><img src="{closed}" alt="Closed"/></p>', thumbnail=10),
        item(2, "again", f'<p><a href="{uploads}/ok.png"><img src="{uploads}/ok.png" '
                         'alt="Same"/></a></p>'),
        f"""<item><title>hero</title><wp:post_id>10</wp:post_id>
        <wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>
        <wp:attachment_url>{uploads}/hero.png</wp:attachment_url></item>""",
    ]
    return ('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>WP</title>'
            f'<link>https://old.example</link>{"".join(items)}</channel></rss>')


def test_images_are_downloaded_and_failures_reported_per_file(app, tmp_path, run_import):
    app.config["UPLOAD_MAX_BYTES"] = 2000
    app.config["IMPORT_ALLOW_HOSTS"] = ["127.0.0.1"]  # the test's old site is on loopback
    with old_site() as (base, requested):
        path = write(tmp_path / "wp", {"export.xml": export(base)}) / "export.xml"
        report, posts = run_import(path, fetch=True)
    uploads = f"{base}/wp-content/uploads/2020/01"
    assert not report.failed and set(posts) == {"mixed", "again"}
    mixed = posts["mixed"].body
    assert "![Fine](/uploads/" in mixed and f"{uploads}/ok.png" not in mixed
    # Each failure leaves its image at the old address and says why; the post is imported.
    for name in ("missing", "page", "big"):
        assert f"{uploads}/{name}.png" in mixed
    notes = report.line_for("export.xml#post-1").notes
    assert f"image not downloaded, left at its old address: {uploads}/missing.png: " \
           "the server answered 404 Not Found" in notes
    # The type is read from the bytes, as for every upload, not from the server's word.
    assert any(f"{uploads}/page.png: This file is not a PNG, JPEG, GIF or WebP image" in n
               for n in notes)
    assert "![Raw](/uploads/" in mixed
    assert any(f"{uploads}/big.png: larger than the upload limit (2000 bytes)" in n
               for n in notes)
    assert any("closed.png: cannot be reached" in n for n in notes)
    assert "2 image(s) downloaded from the old site as uploads" in notes
    # The featured image, an attachment with no local copy, is downloaded as the cover.
    assert posts["mixed"].cover_image.startswith("/uploads/")
    # An image two posts use is downloaded once; both links of the second post point here.
    assert requested.count("/wp-content/uploads/2020/01/ok.png") == 1
    again = posts["again"].body
    assert again.count("/uploads/") == 2 and base not in again
    with app.test_client().get(again.split("(")[-1].split(")")[0]) as image:
        assert image.status_code == 200 and image.mimetype == "image/png"


@pytest.mark.parametrize("how", ["option", "dry-run"])
def test_no_download_with_no_fetch_or_in_a_dry_run(app, tmp_path, how):
    app.config["IMPORT_ALLOW_HOSTS"] = ["127.0.0.1"]
    with old_site() as (base, requested):
        path = write(tmp_path / "wp", {"export.xml": export(base)}) / "export.xml"
        args = ["import", str(path), "--no-fetch" if how == "option" else "--dry-run"]
        result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert requested == []
    if how == "option":
        assert "left at the old address (no copy beside the export, and downloads are off)" \
            in result.output
        assert "featured image not downloaded (downloads are off)" in result.output
    else:
        assert "7 image(s) to download from the old site" in result.output


# --- what an export may not make the importer fetch (issue 14, item 7) -----------------------


def _one_image_export(url: str) -> str:
    return export("https://old.example").replace(
        "https://old.example/wp-content/uploads/2020/01/ok.png", url, 1)


def _note_for(report, url: str) -> str:
    notes = report.line_for("export.xml#post-1").notes
    return next(n for n in notes if url in n)


def test_internal_addresses_are_refused_without_a_request(app, tmp_path, run_import):
    with old_site() as (base, requested):
        url = f"{base}/wp-content/uploads/2020/01/ok.png"
        path = write(tmp_path / "wp", {"export.xml": _one_image_export(url)}) / "export.xml"
        report, posts = run_import(path, fetch=True)
    assert requested == []  # never reached: the address was checked before connecting
    assert "refused: 127.0.0.1 is an internal address" in _note_for(report, url)
    assert url in posts["mixed"].body  # left at its old address, the post imported


def test_a_redirect_to_an_internal_address_is_refused(app, tmp_path, run_import):
    with old_site() as (inside, inside_requests):
        class Redirect(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.send_response(302)
                self.send_header("Location", f"{inside}/wp-content/uploads/2020/01/ok.png")
                self.end_headers()

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
        port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        # Only the redirecting host is allowed (by name and port); its target is not.
        app.config["IMPORT_ALLOW_HOSTS"] = [f"127.0.0.1:{port}"]
        try:
            url = f"http://127.0.0.1:{port}/wp-content/uploads/2020/01/x.png"
            path = write(tmp_path / "wp", {"export.xml": _one_image_export(url)}) / "export.xml"
            report, _ = run_import(path, fetch=True)
        finally:
            server.shutdown()
            server.server_close()
    assert inside_requests == []
    assert "refused: 127.0.0.1 is an internal address" in _note_for(report, url)


def test_a_trickling_server_is_cut_off_at_the_deadline(app, tmp_path, run_import):
    stop = threading.Event()

    class Trickle(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            while not stop.is_set():  # one byte at a time, each well within any read timeout
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config["IMPORT_ALLOW_HOSTS"] = ["127.0.0.1"]
    app.config["IMPORT_DOWNLOAD_SECONDS"] = 1
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/wp-content/uploads/2020/01/t.png"
        path = write(tmp_path / "wp", {"export.xml": _one_image_export(url)}) / "export.xml"
        started = time.monotonic()
        report, _ = run_import(path, fetch=True)
        took = time.monotonic() - started
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
    assert "took longer than 1 s" in _note_for(report, url)
    assert took < 8  # the featured image (also a refused address) adds nothing to wait for
