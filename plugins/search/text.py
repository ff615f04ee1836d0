"""Text in and out of the index: plain text from a post's HTML, and safe highlighted HTML
from the database's marked-up snippets."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from html.parser import HTMLParser

from markupsafe import Markup, escape

# Bodies longer than this are indexed only up to here: PostgreSQL caps a tsvector at 1 MB,
# and snippets of huge texts are slow on either backend.
MAX_BODY_CHARS = 200_000

# Elements whose text is interface, not prose (a calculator's form, a script).
SKIPPED = {"script", "style", "template", "form", "button", "select", "textarea", "svg"}
BLOCKS = {
    "p", "div", "li", "ul", "ol", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "tr", "td", "th", "dt", "dd", "figcaption", "br", "hr", "details", "summary",
}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.in_anchor_link = False
        self.in_math = False  # inside a formula read from its alttext (math does not nest)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        alttext = dict(attrs).get("alttext") if tag == "math" else None
        if alttext and not self.skip_depth:
            # A formula reads as its TeX source, not as its MathML's flattened symbols.
            self.parts.append(f" ${alttext}$ ")
            self.in_math = True
            return
        if tag in SKIPPED:
            self.skip_depth += 1
        elif tag == "a" and "heading-anchor" in (dict(attrs).get("class") or "").split():
            self.in_anchor_link = True  # the "#" permalink beside each heading
        if tag in BLOCKS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "math":
            self.in_math = False
        elif tag in SKIPPED and self.skip_depth:
            self.skip_depth -= 1
        elif tag == "a":
            self.in_anchor_link = False
        if tag in BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth and not self.in_anchor_link and not self.in_math:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The readable text of ``html``, entities decoded, whitespace squeezed, bounded."""
    parser = _TextExtractor()
    parser.feed(html or "")
    parser.close()
    return " ".join("".join(parser.parts).split())[:MAX_BODY_CHARS]


@dataclass(frozen=True)
class Markers:
    """Start and end strings the database wraps around matches. Random per search, so no
    post text can contain them, and made of letters so escaping leaves them alone."""

    start: str
    end: str

    @classmethod
    def new(cls) -> Markers:
        nonce = secrets.token_hex(6)
        return cls(start=f"tpmarkstart{nonce}x", end=f"tpmarkend{nonce}x")

    def found_in(self, text: str | None) -> bool:
        return bool(text) and self.start in text

    def to_html(self, text: str | None) -> Markup:
        """Escape ``text`` and turn each marked span into ``<mark>``; nothing else of the
        text can become markup."""
        escaped = str(escape(text or ""))
        pattern = re.compile(re.escape(self.start) + "(.*?)" + re.escape(self.end), re.S)
        html = pattern.sub(r"<mark>\1</mark>", escaped)
        # A span cut open by a snippet's edge: drop the lone marker.
        html = html.replace(self.start, "").replace(self.end, "")
        return Markup(html)
