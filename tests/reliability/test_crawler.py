"""The crawler: every route in ``app.url_map`` and every URL in the sitemap, with random,
huge, malformed and non-UTF-8 paths, query strings and form bodies, signed in and signed
out. No request may end in a 500.

The inputs come from a seeded random generator, so a failure can be replayed: the seed is
in the failure message, and ``PRESSMARK_CRAWL_SEED=N`` runs that seed again.
``PRESSMARK_CRAWL_CASES`` sets the number of requests per route, method and visitor.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import socket
import urllib.parse
from collections import Counter

import pytest
from pressmark.plugins.calculators.registry import calculators

from tests.conftest import AuthActions
from tests.live_server import LiveSite

SEED = int(os.environ.get("PRESSMARK_CRAWL_SEED") or random.randrange(1_000_000))
CASES = int(os.environ.get("PRESSMARK_CRAWL_CASES") or 6)

NASTY = [
    "", "0", "-1", "1", "2", "1e309", "99999999999999999999", "-99999999999999999999",
    "9223372036854775808", "NaN", "inf", "-0", "0x10", "1_000", " 7 ", "%", "%ZZ", "%00",
    "\x00", "\x7f", "é", "\u202e", "😀", "<script>alert(1)</script>", "' OR 1=1 --",
    '" MATCH "x', "*", "NEAR(", '"', "a" * 100_000, "../../etc/passwd", "..%2f..%2f",
    "{{< calc kv-cache layers=1e999 >}}", "$$\\frac{", "\r\n", "[]", "{}", "null", "true",
    "2026-13-45T99:99", "0000-00-00", "1" * 400, "https://evil.example/", "//evil.example",
    "javascript:alert(1)", "\\\\evil", "kv-cache", "llama-3-8b", "published", "draft",
    "trashed", "save", "publish", "preview", "unpublish", "trash", "upload",
]
# Path segments: the converters' own values and things no route expects.
SEGMENTS = [
    "0", "1", "2", "-1", "99999999999999999999", "x", "kv-caching", "kv-cache", "networking",
    "llm-internals", "%ff%fe", "%c0%af", "%00", "..", "%2e%2e", "a" * 5000, "é", "😀",
    "feed.xml", "x.json", "%25", "con", "index.html", "%0d%0aSet-Cookie:x=1",
]
FIELDS = [
    "title", "body", "slug", "summary", "tags", "topic", "published_at", "featured",
    "version", "action", "username", "password", "next", "remember", "image_alt", "alt",
    "q", "page", "from", "to", "revision", "display_name",
    # The Content API's parameters.
    "limit", "cursor", "fields", "formats", "tag", "author", "series", "updated_since",
    "published_before", "published_after",
]
PLAUSIBLE = {"title": "A title", "body": "Some **text**.", "tags": "a, b", "summary": "S",
             "q": "cache", "username": "author", "password": "wrong password", "body_json": ""}
INT_CONVERTER_VALUES = ["1", "2", "3", "0", "99999999999999999999", "2147483648"]


def fill_rule(rule, rng: random.Random) -> str:
    """A URL for ``rule`` with a random value (good or bad) for each of its variables."""
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        if kind == "IntegerConverter":
            values[name] = rng.choice(INT_CONVERTER_VALUES)
        elif kind == "AnyConverter":
            values[name] = rng.choice(sorted(converter.items))
        else:
            values[name] = rng.choice(SEGMENTS)
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:>]+:)?{name}>|<any\([^)]*\):{name}>", value, path)
    return path


def random_query(rng: random.Random, names: list[str]) -> bytes:
    parts = []
    for _ in range(rng.randrange(0, 4)):
        key = rng.choice(names + ["%ff", "", "a[]", "x" * 300])
        value = rng.choice(NASTY)
        encoded = urllib.parse.quote(value.encode("utf-8", "surrogatepass"), safe="")
        if rng.random() < 0.2:
            encoded = rng.choice(["%ff%fe", "%80", "%C3%28", "%", "%%", "%e2%82"])
        parts.append(f"{key}={encoded}")
    return "&".join(parts).encode()


def random_form(rng: random.Random, names: list[str], token: str | None) -> dict:
    """Keyword arguments for the test client: a urlencoded, multipart, JSON or raw body."""
    data = {name: rng.choice(NASTY) for name in rng.sample(names, rng.randrange(0, 6))}
    if rng.random() < 0.5:  # a nearly valid form, so that the views' own checks are reached
        data = {**PLAUSIBLE, "action": rng.choice(["save", "preview", "publish", "unpublish",
                                                   "trash", "upload"]),
                "version": rng.choice(["1", "2", "3"]), **dict(list(data.items())[:2])}
    if token and rng.random() < 0.85:
        data["csrf_token"] = token
    style = rng.random()
    if style < 0.45:
        return {"data": data}
    if style < 0.6:
        content = rng.choice([b"", b"GIF89a", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, b"\xff" * 2000])
        data["image"] = (io.BytesIO(content), rng.choice(["x.png", "", "../x.gif"]))
        return {"data": data, "content_type": "multipart/form-data"}
    headers = {"X-CSRFToken": token} if token else {}
    if style < 0.8:
        body = rng.choice([data, [data], [1, 2], "text", None, {"body": ["x"]}, {"body": {"a": 1}},
                           {"title": 1e308, "version": -1}])
        return {"data": json.dumps(body), "content_type": "application/json", "headers": headers}
    raw = rng.choice([b"\xff\xfe\x00garbage", b"title=%ff&body=\xff\xfe", b"{not json",
                      b"=" * 1000, b"a=" + b"x" * 200_000, b"&&&===%%%"])
    content_type = rng.choice(["application/x-www-form-urlencoded", "application/json",
                               "multipart/form-data; boundary=zz", "text/plain"])
    return {"data": raw, "content_type": content_type, "headers": headers}


def sitemap_paths(client) -> list[str]:
    xml = client.get("/sitemap.xml").get_data(as_text=True)
    urls = re.findall(r"<loc>([^<]+)</loc>", xml)
    assert urls, "the sitemap lists no URL"
    return [urllib.parse.urlsplit(u).path for u in urls]


class Crawl:
    def __init__(self, app, client, rng: random.Random, token: str | None):
        self.app, self.client, self.rng, self.token = app, client, rng, token
        self.failures: list[str] = []
        self.requests = 0
        self.answered = Counter()  # (method, status): how deep the crawl got
        with app.app_context():
            inputs = {n for calc in calculators(app).values() for n in calc.input_map}
        self.names = FIELDS + sorted(inputs)

    def request(self, method: str, path: str, query: bytes = b"", **kwargs) -> None:
        self.requests += 1
        try:
            response = self.client.open(
                path, method=method, query_string=query.decode("ascii"), **kwargs
            )
            status = response.status_code
            response.close()
        except Exception as exc:  # noqa: BLE001 - an exception is a 500 to a visitor
            status = f"{type(exc).__name__}: {exc}"[:300]
        self.answered[method, status] += 1
        if not isinstance(status, int) or status >= 500:
            self.failures.append(f"{method} {path[:200]}?{query[:200]!r} -> {status}")

    def visit_rule(self, rule) -> None:
        methods = sorted((rule.methods or set()) - {"OPTIONS"})
        if rule.endpoint in ("auth.logout", "auth.logout_others") and self.token:
            methods = ["GET"]  # stay signed in for the rest of the crawl
        for method in methods:
            for _ in range(CASES):
                path = fill_rule(rule, self.rng)
                query = random_query(self.rng, self.names)
                body = random_form(self.rng, self.names, self.token) if method == "POST" else {}
                self.request(method, path, query, **body)

    def visit_sitemap(self) -> None:
        for path in sitemap_paths(self.client):
            self.request("GET", path, random_query(self.rng, self.names))


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_no_route_answers_500_to_any_input(demo_app, signed_in):
    rng = random.Random(f"{SEED}-{signed_in}")
    client = demo_app.test_client()
    token = None
    if signed_in:
        auth = AuthActions(demo_app, client)
        auth.login()
        token = auth.csrf_token("/editor/new")
    crawl = Crawl(demo_app, client, rng, token)
    for rule in demo_app.url_map.iter_rules():
        crawl.visit_rule(rule)
    crawl.visit_sitemap()
    assert crawl.requests > 200
    # The crawl reached the views, not only the error handlers.
    assert crawl.answered["GET", 200] > 50
    if signed_in:
        assert crawl.answered["POST", 200] + crawl.answered["POST", 303] > 5, crawl.answered
    assert not crawl.failures, (
        f"{len(crawl.failures)} of {crawl.requests} requests failed "
        f"(PRESSMARK_CRAWL_SEED={SEED}):\n" + "\n".join(crawl.failures[:40])
    )


# --- requests no client library would send, to the real server ------------------------------

RAW_REQUESTS = [
    b"GET /posts/\xff\xfe\x80 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET /search?q=\xff\xfe&page=\x80 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET /" + b"a" * 60_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET /tags/%ff%00%c0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET /feed.xml?" + b"x=1&" * 20_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET /posts/kv-caching HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n",
    b"GET /../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET /editor/99999999999999999999 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-"
    b"urlencoded\r\nContent-Length: 17\r\n\r\nusername=\xff\xfe&pw=\x00",
    b"POST /editor/preview HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
    b"boundary=x\r\nContent-Length: 12\r\n\r\n--x\r\ngarbage",
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
]


def raw_status(port: int, request: bytes) -> int | None:
    """The status code the server answers ``request`` with (None: it closed without one)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        head = b""
        while b"\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
    match = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return int(match.group(1)) if match else None


@pytest.fixture(scope="module")
def served_site(tmp_path_factory):
    site = LiveSite(tmp_path_factory.mktemp("crawl"), threads=2)
    site.cli("init")  # with the demo posts
    site.start()
    yield site
    site.stop()


@pytest.mark.parametrize("request_bytes", RAW_REQUESTS, ids=lambda r: r[:40].decode("latin-1"))
def test_the_real_server_never_answers_500_to_malformed_requests(served_site, request_bytes):
    status = raw_status(served_site.port, request_bytes)
    assert status is None or status < 500, status
