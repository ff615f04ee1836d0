"""Body HTML from WordPress and Ghost turned into Markdown.

HTML that Markdown can say (paragraphs, headings, emphasis, links, images, lists, quotes,
code, simple tables) is converted with ``markdownify``. HTML that Markdown cannot say
without losing structure (figures with captions, tables with merged cells, embeds,
definition lists, anything with attributes other than links' and images') is kept as HTML:
pressmark renders HTML blocks in a post, through its sanitiser, so nothing is lost and
nothing unsafe gets through.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment
from markdownify import markdownify

CONVERTIBLE = {"p", "br", "a", "em", "i", "strong", "b", "ul", "ol", "li", "h1", "h2", "h3",
               "h4", "h5", "h6", "blockquote", "pre", "code", "img", "hr", "span", "div",
               "table", "thead", "tbody", "tr", "th", "td", "del", "s", "sup", "sub"}
PLAIN_ATTRIBUTES = {"href", "src", "alt", "title", "class", "id", "width", "height", "rel",
                    "target", "loading", "srcset", "sizes", "decoding", "start"}
BLOCK_START_RE = re.compile(
    r"^\s*<(?:p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr|dl|section|iframe)\b", re.I)


def autop(html: str) -> str:
    """WordPress's classic editor stores paragraphs as blank lines: make them ``<p>``s."""
    chunks = re.split(r"\n\s*\n", html.replace("\r\n", "\n").strip())
    out = []
    for chunk in chunks:
        if not chunk.strip():
            continue
        if BLOCK_START_RE.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.strip().replace("\n", "<br />\n") + "</p>")
    return "\n\n".join(out)


def lossy_parts(soup: BeautifulSoup) -> list[str]:
    """Names of the elements Markdown would lose (empty when conversion is faithful)."""
    lost = set()
    for tag in soup.find_all(True):
        if tag.name not in CONVERTIBLE:
            lost.add(tag.name)
        elif tag.name in ("td", "th") and (tag.get("colspan") or tag.get("rowspan")):
            lost.add("merged table cells")
        elif tag.name in ("span", "div") and set(tag.attrs) - {"class", "id"}:
            lost.add(tag.name)
    return sorted(lost)


def to_markdown(html: str, *, paragraphs_by_blank_lines: bool = False) -> tuple[str, list[str]]:
    """``(body, notes)``: Markdown when the HTML converts faithfully, else the HTML itself."""
    html = re.sub(r"<!--\s*/?wp:.*?-->", "", html or "", flags=re.S)
    if paragraphs_by_blank_lines and not re.search(r"<p[\s>]", html):
        html = autop(html)
    soup = BeautifulSoup(html, "html.parser")
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    lost = lossy_parts(soup)
    if lost:
        return str(soup).strip() + "\n", [
            "kept as HTML, since Markdown would lose its structure: " + ", ".join(lost)]
    text = markdownify(str(soup), heading_style="ATX", bullets="-", strong_em_symbol="*",
                       code_language_callback=_code_language, escape_underscores=False,
                       escape_misc=False)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text + "\n", []


def _code_language(element) -> str:
    for node in (element, element.find("code")):
        if node is None:
            continue
        for cls in node.get("class") or []:
            if cls.startswith(("language-", "lang-")):
                return cls.split("-", 1)[1]
    return ""


def plain_text(html: str) -> str:
    return " ".join(BeautifulSoup(html or "", "html.parser").get_text(" ").split())
