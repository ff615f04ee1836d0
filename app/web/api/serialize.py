"""What the API says about each resource: posts and pages, topics, tags, authors, series.

One function per resource, each returning plain JSON data. Times are RFC 3339 in UTC;
URLs are absolute (the site's canonical address of the thing, and the API's own URL of
it). A post's body comes in the ``formats`` asked for: ``html`` (rendered and sanitised
when it was saved), ``markdown`` (the source) and ``text`` (the HTML's text).
"""

from __future__ import annotations

from collections.abc import Iterable
from html.parser import HTMLParser

from flask import request
from pressmark.api import absolute_url
from pressmark.content.models import Post, Series, Tag, Topic, User, isoformat_utc

POST_FIELDS = (
    "id", "slug", "title", "summary", "url", "api_url", "published_at", "updated_at",
    "language", "reading_minutes", "word_count", "featured", "cover", "topic", "tags",
    "authors", "series", "body",
)
PAGE_FIELDS = tuple(f for f in POST_FIELDS if f not in ("topic", "series", "featured"))
LIST_FIELDS = tuple(f for f in POST_FIELDS if f != "body")


def _time(value) -> str | None:
    return isoformat_utc(value) if value is not None else None


API = "/api/v1"


def link(path: str) -> str:
    """The absolute URL of a site path (slugs are URL-safe ASCII, so no quoting is needed;
    formatting them is much cheaper than ``url_for`` for every link of a list)."""
    return absolute_url(request.script_root + path)


def _asset_url(path: str) -> str:
    return absolute_url(path) if path.startswith("/") else path


def topic_ref(topic: Topic) -> dict:
    return {"slug": topic.slug, "name": topic.name,
            "url": link(f"/topics/{topic.slug}")}


def tag_ref(tag: Tag) -> dict:
    return {"slug": tag.slug, "name": tag.name,
            "url": link(f"/tags/{tag.slug}")}


def author_ref(user: User) -> dict:
    return {"slug": user.slug, "name": user.name,
            "url": link(f"/authors/{user.slug}")}


def series_ref(series: Series) -> dict:
    return {"slug": series.slug, "title": series.title,
            "url": link(f"/series/{series.slug}")}


class _Text(HTMLParser):
    """The text of sanitised HTML: block elements end lines, nothing else survives, and
    the headings' "#" anchors are left out."""

    BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote",
              "tr", "br", "figcaption", "dt", "dd", "table", "ul", "ol"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = False

    def handle_starttag(self, tag, attrs) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "a" and ("class", "heading-anchor") in attrs:
            self.skipping = True

    def handle_endtag(self, tag) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "a":
            self.skipping = False

    def handle_data(self, data) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    """Plain text of ``html``: paragraphs separated by a blank line, spaces squeezed."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    text, blank = [], False
    for line in lines:
        if line:
            if blank and text:
                text.append("")
            text.append(line)
            blank = False
        else:
            blank = True
    return "\n".join(text)


def body(post: Post, formats: Iterable[str]) -> dict[str, str]:
    found = {}
    for name in formats:
        if name == "html":
            found["html"] = post.body_html
        elif name == "markdown":
            found["markdown"] = post.body
        elif name == "text":
            found["text"] = html_text(post.body_html)
    return found


def post_json(post: Post, fields: Iterable[str], formats: Iterable[str] = ()) -> dict:
    """``post`` (or page) with ``fields`` only; ``body`` in ``formats`` when asked for."""
    kind = "pages" if post.is_page else "posts"
    getters = {
        "id": lambda: post.id,
        "slug": lambda: post.slug,
        "title": lambda: post.title,
        "summary": lambda: post.summary,
        "url": lambda: link(post.path),
        "api_url": lambda: link(f"{API}/{kind}/{post.slug}"),
        "published_at": lambda: _time(post.published_at),
        "updated_at": lambda: _time(post.modified_at),
        "language": lambda: post.language or None,
        "reading_minutes": lambda: post.reading_minutes,
        "word_count": lambda: post.word_count,
        "featured": lambda: bool(post.featured),
        "cover": lambda: {"url": _asset_url(post.cover_image), "alt": post.cover_alt}
        if post.cover_image else None,
        "topic": lambda: topic_ref(post.topic) if post.topic is not None else None,
        "tags": lambda: [tag_ref(t) for t in post.tags],
        "authors": lambda: [author_ref(a) for a in post.authors],
        "series": lambda: {**series_ref(post.series), "part": post.series_position}
        if post.series is not None else None,
        "body": lambda: body(post, formats),
    }
    return {name: getters[name]() for name in fields}


def topic_json(topic: Topic) -> dict:
    return {**topic_ref(topic), "description": topic.description,
            "api_url": link(f"{API}/topics/{topic.slug}")}


def tag_json(tag: Tag) -> dict:
    return {**tag_ref(tag), "api_url": link(f"{API}/tags/{tag.slug}")}


def author_json(user: User) -> dict:
    return {**author_ref(user), "bio": user.bio,
            "api_url": link(f"{API}/authors/{user.slug}")}


def series_json(series: Series, parts: list[Post] | None = None) -> dict:
    found = {**series_ref(series), "description": series.description or "",
             "api_url": link(f"{API}/series/{series.slug}")}
    if parts is not None:
        found["parts"] = [post_json(p, ("slug", "title", "url", "api_url", "published_at"))
                          | {"part": p.series_position} for p in parts]
    return found
