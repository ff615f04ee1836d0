"""The Markdown pipeline: Markdown + embeds -> sanitised HTML, run when a post is saved.

Order matters for safety. Embeds are cut out of the source first (outside code), the
Markdown is rendered, the author's HTML is sanitised with an allowlist, and only then are
the embeds' trusted fragments put back. So no ``<script>`` or ``onerror=`` written in a
body reaches a reader, while a plugin's calculator form survives.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import markdown
import markdown.extensions.codehilite
import markdown.extensions.tables
import markdown.extensions.toc
import nh3
from flask import Flask, current_app
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markupsafe import escape
from pressmark.content.models import reading_minutes
from pressmark.plugin_system.manager import call_isolated, record_failure

# Headings needed before a post gets a table of contents.
TOC_MIN_HEADINGS = 3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "s", "samp", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul", "var",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
TAG_RE = re.compile(r"<[^>]*>")
TOC_WRAPPER_RE = re.compile(r'^\s*<div class="toc">\s*|\s*</div>\s*$')

# {{< name key=value key2="quoted value" >}}; "{{</* ... */>}}" is a literal, as in Hugo.
EMBED_RE = re.compile(
    r"(?P<code>`+[^`\n]*`+)"
    r"|\{\{</\*(?P<literal>.*?)\*/>\}\}"
    r"|\{\{<\s*(?P<name>[A-Za-z][\w-]*)(?P<args>(?:\s+[^>]*?)?)\s*>\}\}"
)
ARG_RE = re.compile(r"""([\w-]+)=(?:"([^"]*)"|'([^']*)'|(\S+))|(\S+)""")


@dataclass(frozen=True)
class Rendered:
    html: str
    toc_html: str
    word_count: int

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.word_count)


def parse_embed_args(raw: str) -> dict[str, str]:
    """``'kv-cache layers=32 model="llama 3"'`` -> {"_": "kv-cache", "layers": "32", ...}.

    Bare words are joined, space-separated, under the key ``"_"``.
    """
    params: dict[str, str] = {}
    bare = []
    for key, dq, sq, plain, word in ARG_RE.findall(raw):
        if word:
            bare.append(word)
        else:
            params[key] = dq or sq or plain
    if bare:
        params["_"] = " ".join(bare)
    return params


def embed_notice(message: str) -> str:
    """A visible, harmless placeholder for an embed that could not be rendered."""
    return f'<p class="embed-error" role="note">{escape(message)}</p>'


class _EmbedPreprocessor(Preprocessor):
    """Swaps each embed outside code for a placeholder and renders it aside."""

    def __init__(self, md, renderer: _EmbedRenderer):
        super().__init__(md)
        self.renderer = renderer

    def run(self, lines: list[str]) -> list[str]:
        out = []
        for line in lines:
            # Indented code blocks keep their text. (Fenced blocks are already stashed.)
            if line.startswith(("    ", "\t")):
                out.append(line)
            else:
                out.append(EMBED_RE.sub(self.renderer.substitute, line))
        return out


class _EmbedRenderer:
    def __init__(self, app: Flask, handlers: Mapping[str, Callable[..., str]]):
        self.app = app
        self.handlers = handlers
        self.nonce = secrets.token_hex(6)
        self.fragments: dict[str, str] = {}

    def substitute(self, match: re.Match) -> str:
        if match.group("code"):
            return match.group("code")
        if match.group("literal") is not None:
            return "{{<" + match.group("literal") + ">}}"
        name, params = match.group("name"), parse_embed_args(match.group("args") or "")
        handler = self.handlers.get(name)
        if handler is None:
            html = embed_notice(f"Unknown embed “{name}”: nothing is registered by that name.")
        else:
            try:
                html = handler(params=params)
            except Exception as exc:  # noqa: BLE001 - a broken embed must not stop a save
                plugin = getattr(handler, "__module__", name)
                record_failure(self.app, plugin, "register_embeds", exc)
                html = embed_notice(f"The “{name}” embed failed to render.")
        token = f"tpembed{self.nonce}x{len(self.fragments)}"
        self.fragments[token] = html
        return token

    def restore(self, html: str) -> str:
        if not self.fragments:
            return html
        # An embed written inside an attribute (a link's title, say) is dropped: its HTML may
        # only stand where text stands, or it could add attributes to the author's tag.
        token = re.compile(rf"tpembed{self.nonce}x\d+")
        html = TAG_RE.sub(lambda tag: token.sub("", tag.group(0)), html)
        for name, fragment in self.fragments.items():
            html = html.replace(f"<p>{name}</p>", fragment).replace(name, fragment)
        return html


class _EmbedExtension(Extension):
    def __init__(self, renderer: _EmbedRenderer):
        super().__init__()
        self.renderer = renderer

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        # After fenced code (25) has stashed code blocks, so embeds in code stay text.
        md.preprocessors.register(_EmbedPreprocessor(md, self.renderer), "pressmark_embeds", 15)


def sanitize(html: str) -> str:
    """Keep only allowlisted tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def _base_extensions() -> list:
    return [
        "fenced_code",
        # align="..." rather than style="...", which the Content-Security-Policy forbids.
        markdown.extensions.tables.TableExtension(use_align_attribute=True),
        "footnotes",
        "sane_lists",
        "attr_list",
        markdown.extensions.codehilite.CodeHiliteExtension(
            css_class="highlight", guess_lang=False, wrapcode=True
        ),
        markdown.extensions.toc.TocExtension(
            permalink="#", permalink_class="heading-anchor", permalink_title="Link to this section",
            toc_depth="2-4",
        ),
    ]


def _plugin_extensions(app: Flask) -> list:
    cache = app.extensions.setdefault("pressmark_markdown", {})
    if "extensions" not in cache:
        found = call_isolated("register_markdown_extensions", app=app)
        cache["extensions"] = [ext for group in found for ext in group]
    return cache["extensions"]


def embed_handlers(app: Flask) -> dict[str, Callable[..., str]]:
    """Every registered embed handler by name (later plugins win on a clash)."""
    cache = app.extensions.setdefault("pressmark_markdown", {})
    if "embeds" not in cache:
        handlers: dict[str, Callable[..., str]] = {}
        for mapping in reversed(call_isolated("register_embeds", app=app)):
            handlers.update(mapping)
        cache["embeds"] = handlers
    return cache["embeds"]


def render_markdown(text: str, app: Flask | None = None) -> Rendered:
    """Render a post body to sanitised HTML, a table of contents and a word count.

    Never raises on odd input: Markdown has no syntax errors, and failing embeds become
    visible notices.
    """
    app = app or current_app._get_current_object()
    renderer = _EmbedRenderer(app, embed_handlers(app))
    md = markdown.Markdown(
        extensions=[*_base_extensions(), *_plugin_extensions(app), _EmbedExtension(renderer)],
        output_format="html",
    )
    html = renderer.restore(sanitize(md.convert(text)))
    headings = _count_headings(md.toc_tokens)
    # Python-Markdown wraps the list in <div class="toc">; the page supplies its own <nav>.
    toc_html = TOC_WRAPPER_RE.sub("", sanitize(md.toc)) if headings >= TOC_MIN_HEADINGS else ""
    return Rendered(html=html, toc_html=toc_html, word_count=len(text.split()))


def _count_headings(tokens: list[dict]) -> int:
    return sum(1 + _count_headings(t.get("children", [])) for t in tokens)
