"""Cache keys and canonical URLs agree, whatever query string and Host readers send: a
property test through the real server (waitress, the page cache in front of Flask),
without ``SITE_URL`` so that pages are keyed and linked by host."""

from __future__ import annotations

import html
import http.client
import json
import re
import shutil
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pressmark.content.models import Post, Tag
from pressmark.extensions import db
from pressmark.web.cache import page_layer
from sqlalchemy import select

from tests.conftest import make_test_app, serve_in_thread

TRUSTED = ("blog.example.com", "localhost")
CANONICAL_RE = re.compile(r'<link rel="canonical" href="([^"]*)">')
OG_URL_RE = re.compile(r'<meta property="og:url" content="([^"]*)">')
JSON_LD_RE = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


@pytest.fixture(scope="module")
def site(tmp_path_factory, demo_database):
    folder = tmp_path_factory.mktemp("canonical")
    shutil.copy(demo_database, folder / "demo.sqlite")
    app = make_test_app(folder, database=folder / "demo.sqlite", SITE_URL=None,
                        TRUSTED_HOSTS=list(TRUSTED), TESTING=False)
    with app.app_context():
        post = db.session.scalar(Post.visible().order_by(Post.id))
        tag = db.session.scalar(select(Tag).order_by(Tag.id))
        # A listing's later pages live at path URLs (/posts/page/2/), where a ?page= is
        # just another made-up parameter.
        paths = {f"/posts/{post.slug}": False, "/": False, f"/tags/{tag.slug}": True,
                 "/posts": True, "/archive": True, "/posts/page/2/": False}
    with serve_in_thread(app) as url:
        yield app, int(url.rsplit(":", 1)[1]), paths
    with app.app_context():
        db.engine.dispose()


def get(port: int, path: str, host: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def urls_in(value) -> list[str]:
    if isinstance(value, dict):
        return [u for v in value.values() for u in urls_in(v)]
    if isinstance(value, list):
        return [u for v in value for u in urls_in(v)]
    if isinstance(value, str) and value.startswith("http"):
        return [] if value.startswith("https://schema.org") else [value]
    return []


names = st.sampled_from([*TRUSTED, "BLOG.Example.COM", "LocalHost", "evil.example", "127.0.0.2"])
queries = st.lists(st.tuples(
    st.sampled_from(["page", "cb", "utm_source", "Page", "q", "ref"]),
    st.one_of(st.sampled_from(["1", "2", "7", "07", "x", "", "-1"]), st.text(max_size=5)),
), max_size=4)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path_index=st.integers(0, 5), name=names, dot=st.booleans(),
       port=st.one_of(st.none(), st.just("own"), st.integers(1, 65535)), query=queries)
def test_every_page_names_itself_by_its_key_only(site, path_index, name, dot, port, query):
    app, server_port, paths = site
    path, paginated = sorted(paths.items())[path_index]
    port = server_port if port == "own" else port
    host = name + ("." if dot else "") + (f":{port}" if port is not None else "")
    status, body = get(server_port, path + ("?" + urlencode(query) if query else ""), host)
    if name.lower() not in TRUSTED:
        assert status == 400 and "canonical" not in body
        return
    if "/page/" in path and any(key == "page" for key, _ in query):
        assert status == 301  # a page in the path form has one address, with no ?page
        return
    pages = [value for key, value in query if key == "page"] if paginated else []
    if pages and not re.fullmatch(r"[0-9]{1,9}", pages[0]) or pages[:1] == ["0"]:
        assert status == 404
        return
    if pages and 1 <= int(pages[0]) <= 1_000_000:
        # ?page=N has moved to the listing's path form (/posts/page/N/): one address a page.
        assert status == 301, body[:300]
        return
    if pages:
        assert status == 404  # a page number past what the site reads as one
        return
    assert status == 200, body[:300]
    expected_host = name.lower() + (f":{port}" if port == server_port else "")
    canonical = html.unescape(CANONICAL_RE.search(body).group(1))
    assert canonical == f"http://{expected_host}{path}"
    assert html.unescape(OG_URL_RE.search(body).group(1)) == canonical
    for script in JSON_LD_RE.findall(body):
        data = json.loads(script)
        assert data.get("url", canonical) == canonical
        for url in urls_in(data):
            assert url.startswith(f"http://{expected_host}/"), url


def test_made_up_ports_and_spellings_of_a_host_share_one_cached_page(site):
    app, server_port, paths = site
    path = next(p for p, paginated in paths.items() if p.startswith("/posts/"))
    for host in ("blog.example.com", "BLOG.example.com.", "blog.example.com:1",
                 "blog.example.com:80", "Blog.Example.Com.:65000"):
        status, body = get(server_port, path, host)
        assert status == 200
        assert CANONICAL_RE.search(body).group(1) == f"http://blog.example.com{path}"
    store = page_layer(app).store
    # The module's other test also cached pages, under "localhost" and possibly under
    # this host with the server's own port, which is kept; no made-up port makes a key.
    keys = {key for key in store._entries
            if key.endswith(path + "?") and "blog.example.com" in key.lower()}
    assert f"http://blog.example.com{path}?" in keys
    assert keys <= {f"http://blog.example.com{path}?",
                    f"http://blog.example.com:{server_port}{path}?"}
