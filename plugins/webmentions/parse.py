"""Reading other sites' HTML: the Webmention endpoint a page advertises, the links a page
holds, and what a mention is (a reply, like or repost, by whom) from its microformats.

Only text is kept from a source: the author's name, their URL and an excerpt, each
stripped of markup here and escaped again when shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

LINK_HEADER_RE = re.compile(r'<([^>]*)>\s*((?:;\s*[^;,]+)*)')
REL_RE = re.compile(r'rel\s*=\s*"?([^";]+)"?', re.IGNORECASE)
KINDS = {"u-in-reply-to": "reply", "u-like-of": "like", "u-repost-of": "repost"}
EXCERPT_CHARS = 280


def normalise(url: str) -> str:
    """A URL compared without its fragment and with a lower-cased scheme and host."""
    url = urldefrag(url.strip())[0]
    parts = urlsplit(url)
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}{query}"


def endpoint_from_headers(headers: Message, base: str) -> str | None:
    for value in headers.get_all("Link") or []:
        for url, params in LINK_HEADER_RE.findall(value):
            rel = REL_RE.search(params)
            if rel and "webmention" in rel.group(1).lower().split():
                return urljoin(base, url)
    return None


@dataclass
class _Element:
    tag: str
    classes: set[str]
    text: list[str] = field(default_factory=list)


class PageReader(HTMLParser):
    """One pass over a page: endpoint, links, microformat kind, author and content."""

    def __init__(self, base: str, target: str | None = None):
        super().__init__(convert_charrefs=True)
        self.base, self.target = base, normalise(target) if target else None
        self.endpoint: str | None = None
        self.links: list[str] = []
        self.kind = "mention"
        self.links_target = False
        self.author_name = ""
        self.author_url = ""
        self.title = ""
        self.content: list[str] = []
        self.stack: list[_Element] = []

    def _in(self, *classes: str) -> bool:
        return any(e.classes & set(classes) for e in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        classes = set(attr.get("class", "").split())
        rels = set(attr.get("rel", "").lower().split())
        if tag in ("link", "a") and "webmention" in rels and self.endpoint is None \
                and "href" in attr:
            self.endpoint = urljoin(self.base, attr["href"])
        if tag == "a" and attr.get("href"):
            href = urljoin(self.base, attr["href"])
            self.links.append(href)
            if self.target and normalise(href) == self.target:
                self.links_target = True
                for cls, kind in KINDS.items():
                    if cls in classes:
                        self.kind = kind
            in_card = bool(classes & {"u-url", "u-uid"}) and self._in("p-author", "h-card")
            if (in_card or classes & {"p-author", "h-card"}) and not self.author_url:
                self.author_url = href
        if tag not in ("br", "img", "input", "link", "meta", "hr", "source", "wbr"):
            self.stack.append(_Element(tag, classes))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index].tag == tag:
                element = self.stack.pop(index)
                del self.stack[index:]
                self._closed(element)
                return

    def _closed(self, element: _Element) -> None:
        text = " ".join("".join(element.text).split())
        names_author = element.classes & {"p-author", "h-card"} or (
            "p-name" in element.classes and self._in("p-author", "h-card"))
        if names_author and not self.author_name:
            self.author_name = text
        if self.stack:
            self.stack[-1].text.append("".join(element.text))

    def handle_data(self, data: str) -> None:
        if any(e.tag in ("script", "style", "template") for e in self.stack):
            return  # never text a reader sees
        if self.stack:
            self.stack[-1].text.append(data)
        if self._in("e-content", "p-content"):
            self.content.append(data)
        if self.stack and self.stack[-1].tag == "title":
            self.title += data

    @property
    def excerpt(self) -> str:
        text = " ".join("".join(self.content).split()) or " ".join(self.title.split())
        return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1] + "…"


def read_page(html: str, base: str, target: str | None = None) -> PageReader:
    reader = PageReader(base, target)
    reader.feed(html)
    reader.close()
    return reader
