"""The sitemap plugin: sitemap.xml, robots.txt, llms.txt and each post's Markdown copy."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlsplit

import html5lib
import pytest
from pressmark.content.models import Post, Tag, Topic, utcnow
from pressmark.content.store import PostData, save_post
from pressmark.extensions import db
from sqlalchemy import select

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
BASE = "http://localhost"
LASTMOD = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def save(app, **fields) -> None:
    with app.app_context():
        save_post(PostData(**fields))


def sitemap(client) -> dict[str, str | None]:
    """URL -> lastmod of every entry, checked against the sitemap namespace."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{{{NS['sm']}}}urlset"
    entries = {}
    for url in root.findall("sm:url", NS):
        loc = url.findtext("sm:loc", namespaces=NS)
        assert loc not in entries, f"{loc} is listed twice"
        entries[loc] = url.findtext("sm:lastmod", namespaces=NS)
    assert len(entries) == len(list(root))
    return entries


def visible_slugs(app) -> set[str]:
    with app.app_context():
        return {p.slug for p in db.session.scalars(Post.visible())}


def hide_some_posts(app) -> None:
    """A draft, a scheduled and a trashed post, all with a tag nothing visible carries."""
    base = {"body": "Hidden.", "tags": ["hidden-only"], "topic": "llm-internals"}
    save(app, title="Draft", slug="a-draft", status="draft", **base)
    save(app, title="Later", slug="later", status="published",
         published_at=utcnow() + timedelta(days=3), **base)
    save(app, title="Binned", slug="binned", status="trashed", published_at=utcnow(), **base)


# --- sitemap.xml ----------------------------------------------------------------------------------


def test_sitemap_lists_exactly_the_visible_posts(demo_app):
    hide_some_posts(demo_app)
    entries = sitemap(demo_app.test_client())
    posts = {urlsplit(u).path.removeprefix("/posts/") for u in entries
             if "/posts/" in u and "/posts/page/" not in u}  # listing pages are not posts
    assert posts == visible_slugs(demo_app)
    assert not {"a-draft", "later", "binned"} & posts
    assert f"{BASE}/tags/hidden-only" not in entries


def test_sitemap_lists_every_public_page(demo_app):
    entries = sitemap(demo_app.test_client())
    with demo_app.app_context():
        topics = db.session.scalars(select(Topic.slug)).all()
        tags = db.session.scalars(select(Tag.name)).all()
        visible = db.session.scalars(Post.visible()).all()
        pages = math.ceil(len(visible) / 10)
    assert pages > 1
    expected = {f"{BASE}/", f"{BASE}/posts", f"{BASE}/archive"}
    expected |= {f"{BASE}/archive/{p.published_at.year}" for p in visible}
    expected |= {f"{BASE}/posts/page/{n}/" for n in range(2, pages + 1)}
    expected |= {f"{BASE}/topics/{slug}" for slug in topics}
    expected |= {f"{BASE}/tags/{name}" for name in tags}  # the demo has no hidden tags
    expected |= {f"{BASE}/posts/{slug}" for slug in visible_slugs(demo_app)}
    assert set(entries) == expected


def test_every_listed_url_is_a_page_that_answers(demo_app):
    client = demo_app.test_client()
    for url in sitemap(client):
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        assert client.get(path).status_code == 200, url


def test_lastmod_is_a_w3c_datetime_and_follows_the_post(demo_app):
    save(demo_app, title="Fresh", slug="fresh", body="New.", status="published",
         published_at=utcnow() - timedelta(hours=1), topic="tokenomics", tags=["brand-new"])
    entries = sitemap(demo_app.test_client())
    assert all(LASTMOD.match(lastmod) for lastmod in entries.values())
    with demo_app.app_context():
        post = db.session.scalar(select(Post).where(Post.slug == "fresh"))
        stamp = max(post.updated_at, post.published_at).replace(microsecond=0)
    expected = stamp.isoformat() + "Z"
    assert entries[f"{BASE}/posts/fresh"] == expected
    # The newest post dates the pages that list it.
    for path in ("/", "/posts", "/topics/tokenomics", "/tags/brand-new"):
        assert entries[BASE + path] == expected, path
    assert max(entries.values()) == expected


def test_a_topic_with_nothing_published_is_listed_without_a_date(demo_app):
    with demo_app.app_context():
        db.session.add(Topic(slug="coming-soon", name="Coming soon", description=""))
        db.session.commit()
    save(demo_app, title="Not yet", body="Soon.", topic="coming-soon", status="draft")
    entries = sitemap(demo_app.test_client())
    assert entries[f"{BASE}/topics/coming-soon"] is None


def test_sitemap_answers_304_and_changes_after_a_save(demo_app):
    client = demo_app.test_client()
    first = client.get("/sitemap.xml")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public")
    assert client.get("/sitemap.xml", headers={"If-None-Match": etag}).status_code == 304
    since = first.headers["Last-Modified"]
    assert client.get("/sitemap.xml", headers={"If-Modified-Since": since}).status_code == 304
    save(demo_app, title="Another", slug="another", body="x", status="published")
    again = client.get("/sitemap.xml", headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert b"/posts/another</loc>" in again.data


def test_an_empty_site_has_a_sitemap_of_its_fixed_pages(client):
    assert set(sitemap(client)) == {f"{BASE}/", f"{BASE}/posts", f"{BASE}/archive"}


# --- robots.txt -----------------------------------------------------------------------------------


def test_robots_allows_all_but_the_private_areas_and_names_the_sitemap(demo_client):
    response = demo_client.get("/robots.txt")
    assert response.status_code == 200
    assert response.content_type == "text/plain; charset=utf-8"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    assert sorted(line for line in lines if line.startswith("Disallow:")) == [
        "Disallow: /auth/",
        "Disallow: /editor/",
    ]
    assert f"Sitemap: {BASE}/sitemap.xml" in lines
    assert demo_client.get("/sitemap.xml").status_code == 200


def test_robots_uses_the_configured_site_url(demo_app):
    demo_app.config["SITE_URL"] = "https://blog.example.org"
    text = demo_app.test_client().get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: https://blog.example.org/sitemap.xml" in text.splitlines()


# --- llms.txt -------------------------------------------------------------------------------------

# "- [title](url): note", where the title may hold escaped brackets.
LIST_ITEM = re.compile(
    r"^- \[(?P<title>(?:[^\]\\]|\\.)+)\]\((?P<url>[^)\s]+)\)(?:: (?P<note>.+))?$"
)


def parse_llms(text: str) -> tuple[list[str], dict[str, list[re.Match]]]:
    """The lines before the first section, and each H2 section's list items."""
    intro: list[str] = []
    sections: dict[str, list[re.Match]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:]
            assert current not in sections, f"section {current} twice"
            sections[current] = []
        elif current is None:
            intro.append(line)
        elif line:
            match = LIST_ITEM.match(line)
            assert match, f"not a link line: {line!r}"
            sections[current].append(match)
    return intro, sections


def test_llms_txt_follows_the_proposal(demo_app):
    hide_some_posts(demo_app)
    client = demo_app.test_client()
    response = client.get("/llms.txt")
    assert response.status_code == 200
    assert response.content_type == "text/plain; charset=utf-8"
    intro, sections = parse_llms(response.get_data(as_text=True))
    assert intro[0] == "# Engineering Tokens"
    assert intro[2].startswith("> Working notes on AI inference")
    # One section per topic, in the home page's order; the archive is "Optional".
    assert list(sections)[:2] == ["Inference Engines", "LLM Internals"]
    assert list(sections)[-1] == "Optional"
    items = [m for matches in sections.values() for m in matches]
    slugs = [urlsplit(m["url"]).path.removeprefix("/posts/").removesuffix(".md") for m in items]
    assert sorted(slugs) == sorted(visible_slugs(demo_app))
    assert all(m["url"].startswith(f"{BASE}/posts/") and m["url"].endswith(".md") for m in items)
    assert all(m["note"] and "\n" not in m["note"] for m in items)
    with demo_app.app_context():
        archive = db.session.scalars(
            Post.visible().join(Topic).where(Topic.slug == "archive")
        ).all()
        assert [m["title"] for m in sections["Optional"]] == [p.title for p in archive]


def test_llms_txt_escapes_brackets_in_titles(demo_app):
    save(demo_app, title="Arrays [and] slices", slug="arrays", summary="Line one\nline two",
         body="x", status="published")
    text = demo_app.test_client().get("/llms.txt").get_data(as_text=True)
    line = next(line for line in text.splitlines() if "/posts/arrays.md" in line)
    assert line == rf"- [Arrays \[and\] slices]({BASE}/posts/arrays.md): Line one line two"
    assert LIST_ITEM.match(line)


# --- Markdown copies ------------------------------------------------------------------------------


def test_markdown_copy_of_a_post(demo_app):
    client = demo_app.test_client()
    response = client.get("/posts/kv-caching.md")
    assert response.status_code == 200
    assert response.content_type == "text/markdown; charset=utf-8"
    assert response.headers["Link"] == f'<{BASE}/posts/kv-caching>; rel="canonical"'
    text = response.get_data(as_text=True)
    with demo_app.app_context():
        post = db.session.scalar(select(Post).where(Post.slug == "kv-caching"))
        title, body, published = post.title, post.body, post.published_at
    lines = text.splitlines()
    assert lines[0] == f"# {title}"
    assert f"- Published: {published:%Y-%m-%d}" in lines
    assert f"- Canonical URL: <{BASE}/posts/kv-caching>" in lines
    assert text.endswith(body.strip() + "\n")


def test_the_md_rule_wins_over_the_post_rule(demo_app):
    adapter = demo_app.url_map.bind("localhost")
    assert adapter.match("/posts/kv-caching.md") == ("sitemap.markdown", {"slug": "kv-caching"})
    assert adapter.match("/posts/kv-caching") == ("public.post", {"slug": "kv-caching"})
    client = demo_app.test_client()
    page = client.get("/posts/kv-caching")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert client.get("/posts/kv-caching.md").mimetype == "text/markdown"


@pytest.mark.parametrize("slug", ["a-draft", "later", "binned", "no-such-post", "kv-caching.md"])
def test_hidden_or_unknown_posts_have_no_markdown_copy(demo_app, slug):
    hide_some_posts(demo_app)
    response = demo_app.test_client().get(f"/posts/{slug}.md")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_a_former_slug_redirects_to_the_new_markdown_copy(demo_app):
    with demo_app.app_context():
        post = db.session.scalar(select(Post).where(Post.slug == "kv-caching"))
        save_post(
            PostData(title=post.title, slug="kv-cache-explained", body=post.body,
                     topic=post.topic.slug, status="published", published_at=post.published_at),
            post,
        )
    client = demo_app.test_client()
    response = client.get("/posts/kv-caching.md")
    assert response.status_code == 301
    assert response.headers["Location"] == "/posts/kv-cache-explained.md"
    assert client.get("/posts/kv-caching").status_code == 301  # the core's alias still works


def test_markdown_copy_answers_304(demo_client):
    first = demo_client.get("/posts/kv-caching.md")
    headers = {"If-None-Match": first.headers["ETag"]}
    assert demo_client.get("/posts/kv-caching.md", headers=headers).status_code == 304


def test_post_pages_point_to_their_markdown_copy(demo_client):
    tree = html5lib.parse(demo_client.get("/posts/kv-caching").data, namespaceHTMLElements=False)
    links = tree.findall("./head/link[@type='text/markdown']")
    assert [(link.get("rel"), link.get("href")) for link in links] == [
        ("alternate", "/posts/kv-caching.md")
    ]
    home = html5lib.parse(demo_client.get("/").data, namespaceHTMLElements=False)
    assert home.findall("./head/link[@type='text/markdown']") == []


def test_past_the_url_limit_the_sitemap_becomes_an_index(tmp_path):
    import xml.etree.ElementTree as ET

    from pressmark.content.generated import generate_posts

    from tests.conftest import make_test_app

    app = make_test_app(tmp_path, SITEMAP_MAX_URLS=10)
    with app.app_context():
        db.create_all()
        generate_posts(25, rendered=3)
    client = app.test_client()
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    index = ET.fromstring(client.get("/sitemap.xml").data)
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    parts = [loc.text for loc in index.findall("s:sitemap/s:loc", ns)]
    assert parts[0] == "http://localhost/sitemap-1.xml" and len(parts) >= 4
    assert len(index.findall("s:sitemap/s:lastmod", ns)) == len(parts)
    urls = []
    for part in parts:
        urlset = ET.fromstring(client.get(part.removeprefix("http://localhost")).data)
        found = [loc.text for loc in urlset.findall("s:url/s:loc", ns)]
        assert 0 < len(found) <= 10
        urls += found
    assert len(urls) == len(set(urls))
    assert sum("/posts/" in u and "/posts/page/" not in u for u in urls) == 25
    assert client.get(f"/sitemap-{len(parts) + 1}.xml").status_code == 404
