"""The page cache through the real server: encodings on the wire, 304s, no ``Vary: Cookie``,
bounded memory, refused hosts, and several processes kept coherent by the database."""

import gzip
import re
import time
from pathlib import Path

import brotli
import pytest

from tests.servers import Browser, Server, create_author, pressmark, site_env

SITE = "blog.example.com"
STATIC = Path(__file__).resolve().parents[2] / "app" / "static"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A demo site served as in production: SITE_URL set, not testing."""
    instance = tmp_path_factory.mktemp("cached") / "instance"
    env = site_env(instance, SITE_URL=f"http://{SITE}")
    server = Server(env, "--threads", "4")
    yield server
    server.stop()


def test_pages_are_compressed_once_and_chosen_by_accept_encoding(site):
    plain = site.get("/", Host=SITE)
    assert plain.status == 200 and "Content-Encoding" not in plain.headers
    zipped = site.get("/", Host=SITE, Accept_Encoding="gzip")
    best = site.get("/", Host=SITE, Accept_Encoding="gzip, deflate, br")
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert best.headers["Content-Encoding"] == "br"
    assert gzip.decompress(zipped.body) == plain.body == brotli.decompress(best.body)
    assert len(zipped.body) < 0.3 * len(plain.body)
    for answer in (plain, zipped, best):
        assert answer.headers["Vary"] == "Accept-Encoding"
        assert answer.headers["Content-Security-Policy"].startswith("default-src 'self'")
    feed = site.get("/feed.atom", Host=SITE, Accept_Encoding="br")
    assert feed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(feed.body).startswith(b"<?xml")


def test_conditional_requests_are_answered_304(site):
    first = site.get("/posts/kv-caching", Host=SITE, Accept_Encoding="br")
    again = site.get("/posts/kv-caching", Host=SITE, Accept_Encoding="br",
                     If_None_Match=first.headers["ETag"])
    assert again.status == 304 and again.body == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    since = site.get("/feed.xml", Host=SITE,
                     If_Modified_Since=site.get("/feed.xml", Host=SITE).headers["Last-Modified"])
    assert since.status == 304


def test_public_pages_are_byte_identical_for_signed_in_authors(tmp_path):
    env = site_env(tmp_path / "instance", SITE_URL="http://localhost")
    server = Server(env, "--no-demo")
    try:
        create_author(env)
        author = Browser(server)
        assert author.login().status == 303
        assert author.publish("Shared page", "The same for everyone.").status == 303
        reader = server.get("/posts/shared-page")
        seen_by_author = author.send("GET", "/posts/shared-page")
        assert reader.status == seen_by_author.status == 200
        assert seen_by_author.body == reader.body
        for answer in (reader, seen_by_author):
            assert "Cookie" not in (answer.headers["Vary"] or "")
            assert answer.headers["Set-Cookie"] is None
        # The author's Editor link is shown by a script reading a non-HttpOnly flag cookie.
        assert author.cookies["pressmark_author"] == "1"
        assert b'<li id="editor-link" hidden>' in reader.body
        script = server.get("/static/author.js")
        assert script.status == 200 and b"pressmark_author=1" in script.body
        # The author's own view of a draft is the editor's, never the public cache.
        author.send("POST", "/editor/new", {
            "csrf_token": author.token("/editor/new"), "title": "Unfinished", "body": "x",
            "action": "save"})
        assert server.get("/posts/unfinished").status == 404
        assert author.send("GET", "/posts/unfinished").status == 404
    finally:
        server.stop()


def test_made_up_query_strings_do_not_grow_memory(site):
    for n in range(20):  # warm up: every thread, every lazy import
        site.get(f"/feed.xml?cb=warm{n}", Host=SITE)
    before = site.rss_kib()
    for n in range(300):
        answer = site.get(f"/feed.xml?cb={n}", Host=SITE, Accept_Encoding="gzip")
        assert answer.status == 200
    grown_mib = (site.rss_kib() - before) / 1024
    # Each stored feed would take about 0.3 MiB: 300 of them would be 90 MiB or more.
    assert grown_mib < 20, f"memory grew by {grown_mib:.1f} MiB"


def test_other_host_names_are_refused_with_400(site):
    assert site.get("/", Host="attacker.example").status == 400
    assert site.get("/feed.xml", Host="blog.example.com.attacker.example").status == 400
    assert site.get("/", Host=f"{SITE}:8443").status == 200
    page = site.get("/", Host=SITE).text
    assert f'<link rel="canonical" href="http://{SITE}/">' in page


def test_production_needs_the_site_address(tmp_path):
    env = site_env(tmp_path / "instance")
    pressmark(env, "init", "--no-demo")
    refused = pressmark(env, "serve", "--host", "0.0.0.0", "--port", "1", "--no-demo")
    assert refused.returncode != 0
    assert "needs the site's address: set SITE_URL" in refused.stderr
    # On the loopback interface the site answers to the loopback names only.
    server = Server(env, "--no-demo")
    try:
        assert server.get("/", Host="localhost").status == 200
        assert server.get("/", Host=f"127.0.0.1:{server.port}").status == 200
        assert server.get("/", Host="evil.example").status == 400
    finally:
        server.stop()


def test_a_save_through_one_process_shows_through_another_within_1_5_s(tmp_path):
    env = site_env(tmp_path / "instance", SITE_URL="http://localhost")
    first = Server(env, "--no-demo")
    second = Server(env, "--no-demo")
    try:
        create_author(env)
        assert "Coherent" not in second.get("/").text  # cached by the second process
        assert "Coherent" not in second.get("/feed.atom").text
        author = Browser(first)
        author.login()
        assert author.publish("Coherent", "Seen everywhere.").status == 303
        saved = time.monotonic()
        while "Coherent" not in second.get("/").text:
            assert time.monotonic() - saved < 1.5, "the second process still shows the old page"
            time.sleep(0.05)
        assert "Coherent" in second.get("/feed.atom").text
    finally:
        first.stop()
        second.stop()


def test_static_assets_are_fingerprinted_and_immutable(site):
    page = site.get("/", Host=SITE).text
    href = re.search(r'href="(/static/site\.css\?v=[0-9a-f]{12})"', page).group(1)
    css = site.get(href, Host=SITE, Accept_Encoding="gzip")
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")
    assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert css.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(css.body) == (STATIC / "site.css").read_bytes()
    # An outdated or missing fingerprint still gets the file, but only briefly cached.
    for stale in ("/static/site.css?v=000000000000", "/static/site.css"):
        answer = site.get(stale, Host=SITE)
        assert answer.status == 200 and "immutable" not in answer.headers["Cache-Control"]
    assert site.get("/static/../config.py", Host=SITE).status == 404
    assert site.get("/static/missing.css", Host=SITE).status == 404
