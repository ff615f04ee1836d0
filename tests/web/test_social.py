"""Covers and social cards: OpenGraph, Twitter cards, canonical links and JSON-LD on every
page type, a 1200x630 og:image, and the cover in feeds."""

from __future__ import annotations

import io
import json
import re

import feedparser
import html5lib
import pytest
from PIL import Image

from tests.conftest import add_page_series_and_authors
from tests.web.test_editor import start_writing
from tests.web.test_images import fetch, gps_photo
from tests.web.test_uploads import upload


@pytest.fixture
def author(demo_app):
    return start_writing(demo_app, demo_app.test_client())


def head_of(html: str) -> dict:
    """meta property/name -> list of contents, the canonical link and the JSON-LD blocks."""
    tree = html5lib.parseFragment(html.split("<body", 1)[0], namespaceHTMLElements=False)
    meta: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name")
        if key:
            meta.setdefault(key, []).append(el.get("content"))
    canonical = [el.get("href") for el in tree.iter("link") if el.get("rel") == "canonical"]
    ld = [json.loads(el.text) for el in tree.iter("script")
          if el.get("type") == "application/ld+json"]
    return {"meta": meta, "canonical": canonical, "ld": ld}


def by_type(ld: list[dict], kind: str) -> dict:
    [found] = [item for item in ld if item["@type"] == kind]
    return found


def with_cover(author, **fields) -> tuple[int, str]:
    url = upload(author, gps_photo(1600, 1000), filename="cover.jpg",
                 content_type="image/jpeg").json["url"]
    post_id = author.create(
        "publish", title="Serving with covers", summary="A post with a cover.",
        body="Text.", topic="llm-internals", tags="kv-cache, gpus",
        cover_image=url, cover_alt="Racks of GPUs in a cold aisle", **fields,
    )
    return post_id, url


PAGES = {
    "home": ("/", "website", "Blog", 1),
    "post": ("/posts/kv-caching", "article", "BlogPosting", 3),
    "topic": ("/topics/llm-internals", "website", "CollectionPage", 2),
    "tag": ("/tags/kv-cache", "website", "CollectionPage", 2),
    "posts": ("/posts", "website", "CollectionPage", 2),
    "archive": ("/archive", "website", "CollectionPage", 2),
}


@pytest.mark.parametrize(("path", "og_type", "schema", "crumbs"), PAGES.values(), ids=PAGES)
def test_every_page_type_has_cards_canonical_and_json_ld(demo_client, path, og_type, schema,
                                                          crumbs):
    head = head_of(demo_client.get(path).get_data(as_text=True))
    meta = head["meta"]
    assert head["canonical"] == [f"http://localhost{path}"]
    assert meta["og:url"] == head["canonical"] and meta["og:type"] == [og_type]
    for key in ("og:title", "og:description", "og:site_name", "twitter:title",
                "twitter:description", "og:image:alt"):
        assert meta[key][0], key
    assert meta["twitter:card"] == ["summary_large_image"]
    assert meta["og:image:width"] == ["1200"] and meta["og:image:height"] == ["630"]
    assert meta["og:image"] == meta["twitter:image"]
    assert meta["og:image"][0].startswith("http://localhost/-/card.png?v=")
    page = by_type(head["ld"], schema)
    assert page["@context"] == "https://schema.org"
    trail = by_type(head["ld"], "BreadcrumbList")["itemListElement"]
    assert [item["position"] for item in trail] == list(range(1, crumbs + 1))
    assert trail[0]["item"] == "http://localhost/" and trail[-1]["item"].endswith(path)


def test_a_post_json_ld_has_authors_dates_and_breadcrumbs(demo_client):
    head = head_of(demo_client.get("/posts/kv-caching").get_data(as_text=True))
    posting = by_type(head["ld"], "BlogPosting")
    assert posting["headline"].startswith("KV Caching")
    assert posting["datePublished"] == "2026-03-10T09:00:00Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", posting["dateModified"])
    assert posting["author"] and all(a["@type"] == "Person" and a["name"]
                                     for a in posting["author"])
    assert posting["image"]["width"] == 1200
    trail = [i["name"] for i in by_type(head["ld"], "BreadcrumbList")["itemListElement"]]
    assert trail == ["Engineering Tokens", "LLM Internals", posting["headline"]]
    assert head["meta"]["article:published_time"] == ["2026-03-10T09:00:00Z"]
    assert head["meta"]["article:tag"] == ["kv-cache", "memory"]


def test_the_site_card_is_a_1200x630_png(demo_client):
    url = head_of(demo_client.get("/").get_data(as_text=True))["meta"]["og:image"][0]
    response = demo_client.get(url.removeprefix("http://localhost"))
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert Image.open(io.BytesIO(response.data)).size == (1200, 630)
    assert response.headers["Cache-Control"] == "public, max-age=86400"


def test_a_cover_heads_the_post_and_is_its_card_cropped_to_1200x630(author):
    _, url = with_cover(author)
    page = author.app.test_client().get("/posts/serving-with-covers").get_data(as_text=True)
    cover = re.search(r'<figure class="post-cover">.*?</figure>', page, re.S).group(0)
    assert f'<img src="{url}" alt="Racks of GPUs in a cold aisle" width="1000" height="1600" ' \
        'loading="eager" decoding="async">' in cover  # upright: 1000x1600
    assert 'loading="lazy"' not in cover and "srcset=" in cover
    meta = head_of(page)["meta"]
    card = url.replace(".jpg", "-card.jpg")
    assert meta["og:image"] == [f"http://localhost{card}"] == meta["twitter:image"]
    assert meta["og:image:alt"] == ["Racks of GPUs in a cold aisle"]
    status, media, data = fetch(author, card)
    assert status == 200 and media == "image/jpeg"
    image = Image.open(io.BytesIO(data))
    assert image.size == (1200, 630) and not image.getexif()
    posting = by_type(head_of(page)["ld"], "BlogPosting")
    assert posting["image"]["url"] == f"http://localhost{card}"
    assert [a["name"] for a in posting["author"]]  # at least one named author


def test_a_card_for_an_image_never_uploaded_is_404(author):
    assert fetch(author, "/uploads/" + "a" * 64 + "-card.jpg")[0] == 404


@pytest.mark.parametrize(
    ("cover", "alt", "field", "message"),
    [
        ("https://elsewhere.example/x.jpg", "A photo", "cover_image", "an image uploaded here"),
        ("/uploads/" + "0" * 64 + ".jpg", "A photo", "cover_image", "an image uploaded here"),
        ("UPLOAD", "", "cover_alt", "Describe the cover image"),
        ("", "Alt without a cover", "cover_alt", "needs a cover image"),
    ],
    ids=["elsewhere", "unknown-upload", "no-alt", "alt-only"],
)
def test_a_bad_cover_is_refused_with_a_clear_message(author, cover, alt, field, message):
    if cover == "UPLOAD":
        cover = upload(author, gps_photo(300, 200), filename="c.jpg").json["url"]
    response = author.submit("/editor/new", "save", title="Covered", body="Words.",
                             cover_image=cover, cover_alt=alt)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and f'href="#ed-{field}"' in html
    assert "Words." in html  # nothing typed is lost


def test_feeds_carry_the_cover(author):
    _, url = with_cover(author)
    client = author.app.test_client()
    rss = feedparser.parse(client.get("/feed.xml").data)
    [item] = [e for e in rss.entries if e.title == "Serving with covers"]
    assert item.media_content[0]["url"] == f"http://localhost{url}"
    assert item.media_content[0]["medium"] == "image"
    assert item.media_content[0]["width"] == "1000"
    atom = feedparser.parse(client.get("/feed.atom").data)
    [entry] = [e for e in atom.entries if e.title == "Serving with covers"]
    assert [link.href for link in entry.links if link.rel == "enclosure"] == [
        f"http://localhost{url}"
    ]
    document = json.loads(client.get("/feed.json").data)
    [item] = [i for i in document["items"] if i["title"] == "Serving with covers"]
    assert item["image"] == f"http://localhost{url}"
    others = [i for i in document["items"] if i["title"] != "Serving with covers"]
    assert others and all("image" not in i for i in others)


def test_plugin_pages_get_the_site_card_and_the_404_page_none(demo_client):
    meta = head_of(demo_client.get("/search?q=cache").get_data(as_text=True))["meta"]
    assert meta["og:type"] == ["website"] and meta["og:image"][0].startswith(
        "http://localhost/-/card.png")
    missing = demo_client.get("/posts/no-such-post")
    assert missing.status_code == 404
    assert head_of(missing.get_data(as_text=True))["meta"].get("og:image") is None


def test_a_figure_in_a_feed_has_absolute_srcset_urls(author):
    url = upload(author, gps_photo(1600, 1000), filename="f.jpg").json["url"]
    author.create("publish", title="Figure feed", body=f'![A chart]({url} "Caption")\n')
    document = json.loads(author.app.test_client().get("/feed.json").data)
    [item] = [i for i in document["items"] if i["title"] == "Figure feed"]
    srcset = re.search(r'srcset="([^"]+)"', item["content_html"]).group(1)
    candidates = [c.split() for c in srcset.split(", ")]
    assert candidates and all(u.startswith("http://localhost/uploads/") and w.endswith("w")
                              for u, w in candidates)


NEW_PAGE_TYPES = {
    "page": ("/about", "website", "WebPage", ["Engineering Tokens", "About"]),
    "series": ("/series/serving-llms", "website", "CollectionPage",
               ["Engineering Tokens", "Serving LLMs"]),
    "author": ("/authors/ada-lovelace", "website", "ProfilePage",
               ["Engineering Tokens", "Ada Lovelace"]),
    "post-in-series": ("/posts/kv-caching", "article", "BlogPosting", None),
}


@pytest.mark.parametrize(("path", "og_type", "schema", "trail"), NEW_PAGE_TYPES.values(),
                         ids=NEW_PAGE_TYPES)
def test_pages_series_and_authors_have_cards_too(demo_app, path, og_type, schema, trail):
    add_page_series_and_authors(demo_app)
    html = demo_app.test_client().get(path).get_data(as_text=True)
    head = head_of(html)
    meta = head["meta"]
    assert head["canonical"] == [f"http://localhost{path}"] == meta["og:url"]
    assert meta["og:type"] == [og_type] and meta["twitter:card"] == ["summary_large_image"]
    assert meta["og:image:width"] == ["1200"] and meta["og:image"][0].startswith("http://")
    item = by_type(head["ld"], schema)
    names = [i["name"] for i in by_type(head["ld"], "BreadcrumbList")["itemListElement"]]
    if schema == "BlogPosting":
        # Two authors, with their pages; the series in the breadcrumbs.
        assert [a["name"] for a in item["author"]] == ["Ada Lovelace", "Bo Builder"]
        assert item["author"][0]["url"] == "http://localhost/authors/ada-lovelace"
        assert names[1] == "Serving LLMs"
    else:
        assert names == trail
    assert html.count('property="og:title"') == 1  # no second set from the template
