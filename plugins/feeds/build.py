"""Serialising a feed as RSS 2.0, Atom 1.0 or JSON Feed 1.1.

These functions know nothing of Flask or the database: a view gathers a ``Feed`` of
``Entry`` values, with absolute URLs and naive UTC datetimes, and picks a format. XML is
built with ElementTree, which escapes every text and attribute value.
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime

from pressmark.content.models import isoformat_utc
from pressmark.plugins.feeds.html import xml_safe

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
GENERATOR = "pressmark"


@dataclass(frozen=True)
class Author:
    """A byline: the name readers see and the author page's absolute URL."""

    name: str
    url: str = ""


@dataclass(frozen=True)
class EntryImage:
    """A post's cover image: absolute URL, media type, size and alt text."""

    url: str
    media_type: str
    width: int
    height: int
    alt: str = ""


@dataclass(frozen=True)
class Entry:
    """One post as a feed shows it. ``id`` never changes, whatever happens to the URL."""

    id: str
    title: str
    url: str
    published: datetime
    updated: datetime
    content_html: str
    summary: str = ""
    tags: tuple[str, ...] = ()
    # Empty: the feed's own author (the site's) stands for the entry's.
    authors: tuple[Author, ...] = ()
    image: EntryImage | None = None


@dataclass(frozen=True)
class Feed:
    """A feed's metadata and its entries, newest first.

    ``urls`` maps each format name (``xml``, ``atom``, ``json``) to that feed's own URL.
    ``updated`` is when anything in the feed last changed.
    """

    id: str
    title: str
    description: str
    home_url: str
    urls: dict[str, str]
    updated: datetime
    author: str
    language: str = "en"
    entries: list[Entry] = field(default_factory=list)


def rfc822(dt: datetime) -> str:
    """``Tue, 10 Mar 2026 09:00:00 GMT``: RSS dates (RFC 822 with four-digit years)."""
    return format_datetime(dt.replace(tzinfo=UTC, microsecond=0), usegmt=True)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_safe(text)
    return element


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def rss(feed: Feed) -> bytes:
    """RSS 2.0 with ``content:encoded`` for the full post and ``atom:link`` to itself."""
    # Prefixed names with their xmlns attributes written out, instead of
    # ET.register_namespace, which would change a registry shared by the whole process.
    root = ET.Element(
        "rss",
        {"version": "2.0", "xmlns:atom": ATOM_NS, "xmlns:content": CONTENT_NS, "xmlns:dc": DC_NS,
         "xmlns:media": MEDIA_NS},
    )
    channel = _add(root, "channel")
    # Feed readers render an RSS title as HTML, so a title that mentions <b> or "Q&A" is
    # escaped once more (as RSS descriptions are) to show as typed. Atom says type="text".
    _add(channel, "title", html.escape(feed.title, quote=False))
    _add(channel, "link", feed.home_url)
    _add(channel, "description", feed.description or feed.title)
    _add(channel, "language", feed.language)
    _add(channel, "lastBuildDate", rfc822(feed.updated))
    _add(channel, "generator", GENERATOR)
    _add(channel, "docs", "https://www.rssboard.org/rss-specification")
    _add(channel, "atom:link", href=feed.urls["xml"], rel="self", type="application/rss+xml")
    for entry in feed.entries:
        item = _add(channel, "item")
        _add(item, "title", html.escape(entry.title, quote=False))
        _add(item, "link", entry.url)
        _add(item, "guid", entry.id, isPermaLink="false")
        _add(item, "pubDate", rfc822(entry.published))
        # RSS's own <author> must be an e-mail address; Dublin Core's creator is a name.
        for person in entry.authors:
            _add(item, "dc:creator", person.name)
        # RSS readers take description as HTML, so a plain-text summary is escaped first.
        _add(item, "description", html.escape(entry.summary) or entry.content_html)
        _add(item, "content:encoded", entry.content_html)
        for tag in entry.tags:
            _add(item, "category", tag)
        if entry.image is not None:
            # Media RSS: the cover, with its size and alt text (an <enclosure> would need
            # the file's length, and readers treat enclosures as podcast downloads).
            media = _add(
                item, "media:content", url=entry.image.url, medium="image",
                type=entry.image.media_type, width=str(entry.image.width),
                height=str(entry.image.height),
            )
            if entry.image.alt:
                _add(media, "media:description", entry.image.alt, type="plain")
            _add(item, "media:thumbnail", url=entry.image.url, width=str(entry.image.width),
                 height=str(entry.image.height))
    return _xml_bytes(root)


def atom(feed: Feed) -> bytes:
    """Atom 1.0 (RFC 4287) with the full post as escaped HTML content."""
    root = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": feed.language})
    _add(root, "id", feed.id)
    _add(root, "title", feed.title)
    if feed.description:
        _add(root, "subtitle", feed.description)
    _add(root, "updated", isoformat_utc(feed.updated))
    _add(root, "link", rel="self", type="application/atom+xml", href=feed.urls["atom"])
    _add(root, "link", rel="alternate", type="text/html", href=feed.home_url)
    author = _add(root, "author")
    _add(author, "name", feed.author)
    _add(root, "generator", GENERATOR)
    for entry in feed.entries:
        element = _add(root, "entry")
        _add(element, "id", entry.id)
        _add(element, "title", entry.title, type="text")
        _add(element, "link", rel="alternate", type="text/html", href=entry.url)
        _add(element, "published", isoformat_utc(entry.published))
        _add(element, "updated", isoformat_utc(entry.updated))
        for person in entry.authors:
            author_element = _add(element, "author")
            _add(author_element, "name", person.name)
            if person.url:
                _add(author_element, "uri", person.url)
        for tag in entry.tags:
            _add(element, "category", term=tag)
        if entry.summary:
            _add(element, "summary", entry.summary, type="text")
        if entry.image is not None:
            _add(element, "link", rel="enclosure", type=entry.image.media_type,
                 href=entry.image.url)
        _add(element, "content", entry.content_html, type="html")
    return _xml_bytes(root)


def json_feed(feed: Feed) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    document = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.urls["json"],
        "description": feed.description,
        "language": feed.language,
        "authors": [{"name": feed.author}],
        "items": [
            {
                "id": entry.id,
                "url": entry.url,
                "title": entry.title,
                "content_html": entry.content_html,
                **({"summary": entry.summary} if entry.summary else {}),
                "date_published": isoformat_utc(entry.published),
                "date_modified": isoformat_utc(entry.updated),
                "tags": list(entry.tags),
                **(
                    {"authors": [_json_author(a) for a in entry.authors]}
                    if entry.authors
                    else {}
                ),
                **({"image": entry.image.url} if entry.image else {}),
            }
            for entry in feed.entries
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def _json_author(author: Author) -> dict[str, str]:
    return {"name": author.name, **({"url": author.url} if author.url else {})}


@dataclass(frozen=True)
class Format:
    name: str  # the URL suffix: feed.<name>
    label: str  # what a reader is shown
    mimetype: str
    serialise: Callable[[Feed], bytes]


FORMATS: dict[str, Format] = {
    "xml": Format("xml", "RSS", "application/rss+xml", rss),
    "atom": Format("atom", "Atom", "application/atom+xml", atom),
    "json": Format("json", "JSON Feed", "application/feed+json", json_feed),
}
