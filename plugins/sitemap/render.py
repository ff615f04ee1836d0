"""Writing the sitemap, robots.txt, llms.txt and a post's Markdown copy.

Pure functions of their arguments (absolute URLs, naive UTC datetimes): the views gather
the data. XML is built with ElementTree, which escapes every value.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pressmark.content.models import isoformat_utc

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@dataclass(frozen=True)
class Link:
    """One listed document: where it is, what it is called, what it is about."""

    url: str
    title: str = ""
    summary: str = ""


def sitemap_xml(urls: Iterable[tuple[str, datetime | None]]) -> bytes:
    """A sitemaps.org ``urlset`` of (absolute URL, last modified or None)."""
    return _locations("urlset", "url", urls)


def sitemap_index_xml(sitemaps: Iterable[tuple[str, datetime | None]]) -> bytes:
    """A sitemaps.org ``sitemapindex`` of (absolute sitemap URL, last modified or None)."""
    return _locations("sitemapindex", "sitemap", sitemaps)


def _locations(root_tag: str, item_tag: str,
               items: Iterable[tuple[str, datetime | None]]) -> bytes:
    """Both sitemap documents: a root of items, each a ``loc`` and maybe a ``lastmod``."""
    root = ET.Element(root_tag, {"xmlns": SITEMAP_NS})
    for loc, lastmod in items:
        item = ET.SubElement(root, item_tag)
        ET.SubElement(item, "loc").text = loc
        if lastmod is not None:
            ET.SubElement(item, "lastmod").text = isoformat_utc(lastmod)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def robots_txt(disallowed: Iterable[str], sitemap_url: str) -> str:
    """Allow every crawler everything but ``disallowed`` path prefixes."""
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {path}" for path in disallowed]
    return "\n".join([*lines, "", f"Sitemap: {sitemap_url}", ""])


def one_line(text: str) -> str:
    """``text`` with every run of whitespace, newlines included, made one space."""
    return " ".join(text.split())


def link_text(text: str) -> str:
    r"""``text`` safe inside Markdown link brackets: ``[`` ``]`` and ``\`` are escaped."""
    return re.sub(r"([\\\[\]])", r"\\\1", one_line(text))


def llms_txt(title: str, tagline: str, sections: Iterable[tuple[str, list[Link]]]) -> str:
    """An llms.txt file (https://llmstxt.org/): H1 title, blockquote summary, a note, then
    one H2 section of ``- [title](url): summary`` lines per (heading, links)."""
    out = [f"# {one_line(title)}", ""]
    if tagline.strip():
        out += [f"> {one_line(tagline)}", ""]
    out += [
        "Every post below links to a plain Markdown copy of it; the same address without "
        "`.md` is the post's web page.",
        "",
    ]
    for heading, links in sections:
        if not links:
            continue
        out += [f"## {one_line(heading)}", ""]
        for link in links:
            line = f"- [{link_text(link.title)}]({link.url})"
            summary = one_line(link.summary)
            out.append(f"{line}: {summary}" if summary else line)
        out.append("")
    return "\n".join(out)


def markdown_copy(
    *, title: str, url: str, published: datetime, updated: datetime, summary: str, body: str
) -> str:
    """A post as one Markdown file: H1 title, its dates and canonical URL, then the body."""
    head = [f"# {one_line(title)}", ""]
    # A list, so the lines stay lines when the Markdown is rendered.
    head.append(f"- Published: {published:%Y-%m-%d}")
    if updated.date() > published.date():
        head.append(f"- Updated: {updated:%Y-%m-%d}")
    head += [f"- Canonical URL: <{url}>", ""]
    if summary.strip():
        head += [f"> {one_line(summary)}", ""]
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return "\n".join(head) + "\n" + body + "\n"
