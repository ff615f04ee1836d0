"""The feeds plugin: RSS, Atom and JSON Feed for the site, a topic and a tag.

Every feed is parsed by a real feed parser (feedparser for RSS and Atom; the JSON Feed 1.1
spec's rules for JSON) and compared with what the database says readers may see.
"""

from __future__ import annotations

import calendar
import html as html_lib
import json
import re
import time
from datetime import timedelta
from urllib.parse import urljoin

import feedparser
import html5lib
import pytest
from pressmark.content.models import Post, Tag, Topic, post_tags, utcnow
from pressmark.content.store import PostData, save_post
from pressmark.extensions import db
from pressmark.plugin_system.manager import PluginError
from pressmark.plugins.feeds.html import absolutize_urls
from sqlalchemy import select

from tests.conftest import make_test_app

XML_FORMATS = {"xml": "application/rss+xml", "atom": "application/atom+xml"}
ALL_FORMATS = {**XML_FORMATS, "json": "application/feed+json"}
TOPIC = "llm-internals"
TAG = "kv-cache"
TAG_URI = re.compile(r"^tag:localhost,\d{4}-\d{2}-\d{2}:post-\d+$")


# --- helpers ------------------------------------------------------------------------------------


def fetch(client, url: str, fmt: str):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == ALL_FORMATS[fmt]
    return response


def parse_xml_feed(client, url: str, fmt: str) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(fetch(client, url, fmt).data)
    assert not parsed.bozo, (url, parsed.get("bozo_exception"))
    assert parsed.version == ("rss20" if fmt == "xml" else "atom10")
    return parsed


def check_json_feed(document: dict) -> None:
    """The rules of https://jsonfeed.org/version/1.1 that a reader relies on."""
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(document["title"], str) and document["title"]
    assert isinstance(document["items"], list)
    for key in ("home_page_url", "feed_url"):
        assert document[key].startswith("http://localhost/")
    for author in document.get("authors", []):
        assert author.get("name") or author.get("url")
    for item in document["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_html") or item.get("content_text"), str)
        for key in ("date_published", "date_modified"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", item[key]), item[key]
        assert all(isinstance(tag, str) for tag in item.get("tags", []))


def parse_json_feed(client, url: str) -> dict:
    document = json.loads(fetch(client, url, "json").data)
    check_json_feed(document)
    return document


def read_feed(client, url: str, fmt: str) -> list[dict]:
    """The entries of any format as plain dicts: id, title, link, published, html."""
    if fmt == "json":
        return [
            {
                "id": item["id"],
                "title": item["title"],
                "link": item["url"],
                "published": item["date_published"],
                "html": item["content_html"],
            }
            for item in parse_json_feed(client, url)["items"]
        ]
    return [
        {
            "id": entry.id,
            "title": entry.title,
            "link": entry.link,
            "published": calendar.timegm(entry.published_parsed),
            "html": entry.content[0].value,
        }
        for entry in parse_xml_feed(client, url, fmt).entries
    ]


def expected_published(post: Post, fmt: str):
    if fmt == "json":
        return post.published_at.replace(microsecond=0).isoformat() + "Z"
    return calendar.timegm(post.published_at.timetuple())


def visible(app, where=None, limit: int = 20) -> list[Post]:
    with app.app_context():
        query = Post.visible()
        if where is not None:
            query = where(query)
        posts = db.session.scalars(query.limit(limit)).all()
        db.session.expunge_all()
        return posts


def save(app, **fields) -> Post:
    with app.app_context():
        post = save_post(PostData(**fields))
        db.session.refresh(post)
        db.session.expunge(post)
        return post


def feed_url(scope: str, fmt: str) -> str:
    return {"site": "/feed", "topic": f"/topics/{TOPIC}/feed", "tag": f"/tags/{TAG}/feed"}[
        scope
    ] + f".{fmt}"


def scope_filter(scope: str):
    if scope == "topic":
        return lambda q: q.join(Topic).where(Topic.slug == TOPIC)
    if scope == "tag":
        return lambda q: q.join(post_tags).join(Tag).where(Tag.name == TAG)
    return None


# --- what the feeds contain --------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["site", "topic", "tag"])
def test_feed_lists_the_visible_posts_newest_first(demo_app, scope):
    posts = visible(demo_app, scope_filter(scope))
    assert posts, "the demo content should have posts in this scope"
    client = demo_app.test_client()
    for fmt in ALL_FORMATS:
        entries = read_feed(client, feed_url(scope, fmt), fmt)
        assert [e["title"] for e in entries] == [p.title for p in posts], fmt
        assert [e["link"] for e in entries] == [f"http://localhost/posts/{p.slug}" for p in posts]
        assert [e["published"] for e in entries] == [expected_published(p, fmt) for p in posts]
        assert all(TAG_URI.match(e["id"]) for e in entries)
        assert len({e["id"] for e in entries}) == len(entries)
        assert all(len(e["html"]) > 200 for e in entries), "feeds carry the full post"


def test_feeds_stop_at_the_configured_limit(demo_app, demo_database, tmp_path):
    assert len(visible(demo_app, limit=100)) > 20
    assert len(read_feed(demo_app.test_client(), "/feed.atom", "atom")) == 20
    (tmp_path / "small").mkdir()
    small = make_test_app(tmp_path / "small", database=demo_database, FEED_LIMIT=3)
    assert len(read_feed(small.test_client(), "/feed.json", "json")) == 3
    with small.app_context():
        db.engine.dispose()


def test_rss_and_atom_dates_use_their_own_formats(demo_app):
    post = visible(demo_app, limit=1)[0]
    client = demo_app.test_client()
    rss = client.get("/feed.xml").get_data(as_text=True)
    stamp = post.published_at
    assert f"<pubDate>{stamp:%a, %d %b %Y %H:%M:%S} GMT</pubDate>" in rss
    atom = client.get("/feed.atom").get_data(as_text=True)
    assert f"<published>{stamp:%Y-%m-%dT%H:%M:%S}Z</published>" in atom


def test_drafts_scheduled_and_trashed_posts_stay_out(demo_app):
    base = {"topic": TOPIC, "tags": [TAG, "secret-tag"], "body": "Not yet."}
    save(demo_app, title="A draft", status="draft", **base)
    save(demo_app, title="Scheduled", status="published",
         published_at=utcnow() + timedelta(days=2), **base)
    save(demo_app, title="Thrown away", status="trashed", published_at=utcnow(), **base)
    client = demo_app.test_client()
    for fmt in ALL_FORMATS:
        for scope in ("site", "topic", "tag"):
            titles = {e["title"] for e in read_feed(client, feed_url(scope, fmt), fmt)}
            assert titles and not titles & {"A draft", "Scheduled", "Thrown away"}
        # A tag only hidden posts carry has no public feed, like its page.
        assert client.get(f"/tags/secret-tag/feed.{fmt}").status_code == 404


def test_a_scheduled_post_appears_when_its_time_comes(demo_app):
    # Eight seconds: on a busy machine (parallel workers) the two reads below must both
    # still come before the publication time.
    due = utcnow() + timedelta(seconds=8)
    save(demo_app, title="Soon", body="Hello.", status="published", published_at=due)
    client = demo_app.test_client()
    assert "Soon" not in {e["title"] for e in read_feed(client, "/feed.atom", "atom")}
    # Neither this process nor a CDN may keep the feed past the publication time.
    assert client.get("/feed.atom").cache_control.max_age <= 8
    # No save happens in between: the cached feed itself must not outlive the schedule.
    time.sleep(max(0.0, (due - utcnow()).total_seconds()) + 0.1)
    assert read_feed(client, "/feed.atom", "atom")[0]["title"] == "Soon"


def test_ids_survive_a_rename_of_slug_and_title(demo_app):
    post = save(demo_app, title="Original title", slug="original", body="Text.",
                status="published", published_at=utcnow() - timedelta(minutes=1))
    client = demo_app.test_client()
    before = {fmt: read_feed(client, f"/feed.{fmt}", fmt)[0] for fmt in ALL_FORMATS}
    assert {entry["title"] for entry in before.values()} == {"Original title"}
    with demo_app.app_context():
        save_post(PostData(title="A better title", slug="better", body="Text.",
                           status="published", published_at=post.published_at),
                  db.session.get(Post, post.id))
    for fmt in ALL_FORMATS:
        after = read_feed(client, f"/feed.{fmt}", fmt)[0]
        assert after["title"] == "A better title"
        assert after["link"] == "http://localhost/posts/better"
        assert after["id"] == before[fmt]["id"]
    assert before["xml"]["id"] == before["atom"]["id"] == before["json"]["id"]


def test_an_edited_body_shows_in_every_feed_at_once(demo_app):
    """Each post's feed HTML is made once per content change and shared by every feed:
    an edit must reach them all, not leave one with the old text."""
    post = save(demo_app, title="Edited", slug="edited", body="First [link](/a).",
                topic=TOPIC, status="published", published_at=utcnow() - timedelta(minutes=1))
    client = demo_app.test_client()
    urls = [f"{base}.{fmt}" for base in ("/feed", f"/topics/{TOPIC}/feed") for fmt in ALL_FORMATS]
    for url in urls:
        html = read_feed(client, url, url.rsplit(".", 1)[1])[0]["html"]
        assert 'href="http://localhost/a"' in html, url
    with demo_app.app_context():
        save_post(PostData(title="Edited", slug="edited", body="Second [link](/b).",
                           topic=TOPIC, status="published", published_at=post.published_at),
                  db.session.get(Post, post.id))
    for url in urls:
        html = read_feed(client, url, url.rsplit(".", 1)[1])[0]["html"]
        assert "Second" in html and 'href="http://localhost/b"' in html, url
        assert "First" not in html, url


def test_relative_urls_in_content_become_absolute(demo_app):
    body = (
        "Read [the KV cache post](/posts/kv-caching) and [a note](#notes).\n\n"
        "![A diagram](/static/diagram.png)\n\n"
        "## Notes\n\n## More\n\n## Last\n\n"
        "Elsewhere: [example](https://example.com/a?b=1&c=2).\n\n"
        "    <a href=\"/as-text\">a code sample</a>\n"
    )
    save(demo_app, title="Links", slug="links", body=body, status="published",
         published_at=utcnow() - timedelta(minutes=1))
    client = demo_app.test_client()
    for fmt in ALL_FORMATS:
        html = read_feed(client, f"/feed.{fmt}", fmt)[0]["html"]
        assert 'href="http://localhost/posts/kv-caching"' in html
        assert 'href="http://localhost/posts/links#s-notes"' in html
        assert 'src="http://localhost/static/diagram.png"' in html
        assert 'href="https://example.com/a?b=1&amp;c=2"' in html
        # Text that only shows markup is not rewritten...
        code = re.search(r"<pre>.*?</pre>", html, re.DOTALL).group(0)
        assert '&lt;a href="/as-text"&gt;' in code
        # ...and outside it no relative URL is left, heading permalinks included.
        assert not re.search(r"""(?:href|src)=["'](?:/|#)""", html.replace(code, ""))


@pytest.mark.parametrize("base", ["https://example.com/posts/a", "http://example.com/blog/posts/a"])
@pytest.mark.parametrize("value", [
    "/x", "/x?q=1#f", "#notes", "x.png", "../up", "./here", "?q=1", "//cdn.example/x",
    "https://other.example/p", "http:relative", "https:relative", "mailto:a@example.com",
    "/a/../b", "/./c", "HTTPS://Upper.example/", "Mailto:b@example.com", "/a\tb",
    "/a\\b", "#a\nb",
])
def test_urls_are_resolved_exactly_as_urljoin_does(base, value):
    """The fast paths (absolute, /path, #fragment) give what the standard library gives."""
    fixed = urljoin(base, value)
    html = f'<a href="{value}">x</a><img src="{value}">'
    assert absolutize_urls(html, base) == f'<a href="{fixed}">x</a><img src="{fixed}">'
    if not re.search(r"[\s,]", value):  # srcset: candidates split on commas and spaces
        srcset = f'<img srcset="{value} 2x, {value} 1x">'
        assert absolutize_urls(srcset, base) == f'<img srcset="{fixed} 2x, {fixed} 1x">'



def test_odd_text_is_escaped_and_characters_xml_cannot_carry_are_dropped(demo_app):
    save(demo_app, title="Bell \x07 and <tags> & ampersands", body="Form feed \x0c here.",
         summary="Vertical \x0b tab, <b>not bold</b>", status="published",
         published_at=utcnow() - timedelta(minutes=1))
    client = demo_app.test_client()
    rss, atom = (parse_xml_feed(client, f"/feed.{fmt}", fmt).entries[0] for fmt in XML_FORMATS)
    assert atom.title == "Bell  and <tags> & ampersands"
    # Readers render an RSS title as HTML, so it arrives escaped and shows as typed.
    assert rss.title_detail.type == "text/html"
    assert html_lib.unescape(rss.title) == atom.title
    # A summary is plain text: RSS carries it as escaped HTML, Atom as text.
    assert rss.summary == "Vertical  tab, &lt;b&gt;not bold&lt;/b&gt;"
    assert atom.summary == "Vertical  tab, <b>not bold</b>"
    assert parse_json_feed(client, "/feed.json")["items"][0]["summary"] == (
        "Vertical \x0b tab, <b>not bold</b>"
    )


def test_json_feed_has_the_required_fields(demo_app):
    document = parse_json_feed(demo_app.test_client(), "/feed.json")
    assert document["title"] == "Engineering Tokens"
    assert document["feed_url"] == "http://localhost/feed.json"
    assert document["home_page_url"] == "http://localhost/"
    assert len(document["items"]) == 20


def test_topic_and_tag_feeds_are_titled_after_them(demo_app):
    client = demo_app.test_client()
    topic = parse_xml_feed(client, f"/topics/{TOPIC}/feed.atom", "atom")
    assert topic.feed.title == "LLM Internals · Engineering Tokens"
    assert topic.feed.link == f"http://localhost/topics/{TOPIC}"
    tag = parse_json_feed(client, f"/tags/{TAG}/feed.json")
    assert tag["title"] == f"Tagged “{TAG}” · Engineering Tokens"
    assert tag["feed_url"] == f"http://localhost/tags/{TAG}/feed.json"


def test_unknown_feeds_are_404(demo_client):
    for url in (
        "/topics/no-such-topic/feed.xml",
        "/topics/no-such-topic/feed.json",
        "/tags/no-such-tag/feed.atom",
        "/feed.rss",
        "/tags/%00/feed.xml",
    ):
        response = demo_client.get(url)
        assert response.status_code == 404, url
        assert b"<!doctype html>" in response.data.lower()


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_an_empty_site_still_has_valid_feeds(client, fmt):
    assert read_feed(client, f"/feed.{fmt}", fmt) == []


# --- HTTP -----------------------------------------------------------------------------------------


def test_feeds_answer_304_to_a_reader_that_has_them(demo_app):
    client = demo_app.test_client()
    etags = {}
    for fmt in ALL_FORMATS:
        url = f"/topics/{TOPIC}/feed.{fmt}"
        first = client.get(url)
        assert first.headers["Cache-Control"].startswith("public, max-age=")
        etags[url], last_modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert client.get(url, headers={"If-None-Match": etags[url]}).status_code == 304
        assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
        assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
    # A new post changes the feeds: the old validators no longer match.
    save(demo_app, title="News", body="New.", topic=TOPIC, status="published",
         published_at=utcnow() - timedelta(minutes=1))
    for url, etag in etags.items():
        changed = client.get(url, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["ETag"] != etag
        assert b"News" in changed.data


def test_head_requests_get_headers_only(demo_client):
    response = demo_client.head("/feed.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/rss+xml"
    assert response.data == b""


# --- pages --------------------------------------------------------------------------------------


def alternates(client, path: str) -> list[tuple[str, str, str]]:
    tree = html5lib.parse(client.get(path).data, namespaceHTMLElements=False)
    return [
        (link.get("type"), link.get("title"), link.get("href"))
        for link in tree.findall("./head/link[@rel='alternate']")
        if link.get("type") in ALL_FORMATS.values()
    ]


def test_every_page_advertises_the_site_feeds(demo_client):
    site = [
        ("application/rss+xml", "Engineering Tokens (RSS)", "/feed.xml"),
        ("application/atom+xml", "Engineering Tokens (Atom)", "/feed.atom"),
        ("application/feed+json", "Engineering Tokens (JSON Feed)", "/feed.json"),
    ]
    for path in ("/", "/posts", "/archive", "/posts/kv-caching", "/no-such-page"):
        assert alternates(demo_client, path) == site, path


def test_topic_and_tag_pages_advertise_their_own_feeds_first(demo_client):
    topic = alternates(demo_client, f"/topics/{TOPIC}")
    assert topic[0] == ("application/rss+xml", "LLM Internals (RSS)", f"/topics/{TOPIC}/feed.xml")
    assert [href for _, _, href in topic] == [
        f"/topics/{TOPIC}/feed.xml", f"/topics/{TOPIC}/feed.atom", f"/topics/{TOPIC}/feed.json",
        "/feed.xml", "/feed.atom", "/feed.json",
    ]
    tag = alternates(demo_client, f"/tags/{TAG}")
    assert [href for _, _, href in tag[:3]] == [
        f"/tags/{TAG}/feed.xml", f"/tags/{TAG}/feed.atom", f"/tags/{TAG}/feed.json",
    ]


def test_footer_links_lead_to_working_feeds(demo_client):
    tree = html5lib.parse(demo_client.get(f"/topics/{TOPIC}").data, namespaceHTMLElements=False)
    paragraphs = tree.findall(".//footer//p[@class='feed-links']")
    texts = ["".join(p.itertext()) for p in paragraphs]
    assert texts == [
        "Subscribe to LLM Internals: RSS · Atom · JSON Feed",
        "Subscribe to all posts: RSS · Atom · JSON Feed",
    ]
    for link in tree.findall(".//footer//p[@class='feed-links']/a"):
        response = demo_client.get(link.get("href"))
        assert response.status_code == 200
        assert response.mimetype == link.get("type")
    home = html5lib.parse(demo_client.get("/").data, namespaceHTMLElements=False)
    assert len(home.findall(".//footer//p[@class='feed-links']")) == 1


def test_disabling_the_plugin_removes_feeds_and_links(tmp_path):
    app = make_test_app(tmp_path, DISABLED_PLUGINS=["feeds"])
    with app.app_context():
        db.create_all()
    client = app.test_client()
    assert client.get("/feed.xml").status_code == 404
    assert alternates(client, "/") == []
    assert b"feed-links" not in client.get("/").data


@pytest.mark.parametrize("limit", [0, -1, "20", 5000, True])
def test_a_bad_feed_limit_stops_the_app_from_starting(tmp_path, limit):
    # Start-up stops with the plugin named, and the setting and its range in the message.
    with pytest.raises(PluginError, match=r"'feeds'.*FEED_LIMIT must be a whole number"):
        make_test_app(tmp_path, FEED_LIMIT=limit)


def test_entry_ids_use_the_configured_authority(demo_app):
    demo_app.config["FEED_TAG_AUTHORITY"] = "blog.example.org"
    ids = [e["id"] for e in read_feed(demo_app.test_client(), "/feed.json", "json")]
    assert all(i.startswith("tag:blog.example.org,") for i in ids)
    with demo_app.app_context():
        post = db.session.scalar(select(Post).where(Post.slug == "kv-caching"))
        expected = f"tag:blog.example.org,{post.created_at:%Y-%m-%d}:post-{post.id}"
    tag_ids = [e["id"] for e in read_feed(demo_app.test_client(), f"/tags/{TAG}/feed.json",
                                          "json")]
    assert expected in tag_ids
