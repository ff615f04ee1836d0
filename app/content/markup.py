"""The Markdown pipeline: Markdown + embeds + TeX -> sanitised HTML, run when a post is saved.

Order matters for safety. Embeds are cut out of the source first (outside code), the
Markdown is rendered, the author's HTML is sanitised with an allowlist, and only then are
the embeds' trusted fragments put back. So no ``<script>`` or ``onerror=`` written in a
body reaches a reader, while a plugin's calculator form survives.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
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
from pressmark.content.list_indent import CommonMarkListIndentExtension
from pressmark.content.math import (
    MATHML_ALLOWED_ATTRIBUTES,
    MATHML_TAGS,
    MathExtension,
    MathRenderer,
)
from pressmark.content.models import Image, reading_minutes
from pressmark.content.uploads.images import enhance_images
from pressmark.content.wordcheck import describe_loss, lost_words
from pressmark.plugin_system.manager import (
    call_isolated,
    call_isolated_by_plugin,
    call_with_deadline,
    plugin_name_for,
    record_failure,
)
from pressmark.state import app_state

# Headings needed before a post gets a table of contents.
TOC_MIN_HEADINGS = 3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "s", "samp", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul", "var",
} | MATHML_TAGS
ALLOWED_ATTRIBUTES = {
    **MATHML_ALLOWED_ATTRIBUTES,
    "*": {"id", "class", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Every id written in a post (a heading's, a footnote's, one in raw HTML) gets this prefix,
# and so do the post's own "#..." links, so a heading called "Main" cannot take over the
# page's id="main". The page's templates never use an id starting with it. Readers' old
# "#sizes" links are followed to "#s-sizes" by theme.js (docs/reliability.md).
BODY_ID_PREFIX = "s-"
TAG_RE = re.compile(r"<[^>]*>")
# The start of a tag in Markdown source: "<name" or "</name" followed by a space, "/", ">"
# or the end of the line.
# (Code spans are matched first so that their text is left alone.)
SOURCE_TAG_RE = re.compile(
    r"(?P<code>`+[^`\n]*`+)|<(?=/?(?P<name>[A-Za-z][A-Za-z0-9-]*)(?:[\s/>]|$))"
)
# A tag the HTML parser reads the way it looks, or a closed comment. Anything else that
# starts with "<" (an unclosed quote, a tag with no ">") would make the parser swallow the
# text after it, so it is shown as text instead.
_ATTRIBUTE = r"""\s+[^\s"'>/=<&]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?"""
HTML_TAG_RE = re.compile(
    rf"<(?P<name>[A-Za-z][A-Za-z0-9]*)(?:{_ATTRIBUTE})*\s*/?>"
    r"|</(?P<close>[A-Za-z][A-Za-z0-9]*)\s*>"
    r"|(?P<comment><!--.*?-->)"
    r"|<",
    re.DOTALL,
)
TOC_WRAPPER_RE = re.compile(r'^\s*<div class="toc">\s*|\s*</div>\s*$')

# {{< name key=value key2="quoted value" >}}; "{{</* ... */>}}" is a literal, as in Hugo.
EMBED_RE = re.compile(
    r"(?P<code>`+[^`\n]*`+)"
    r"|\{\{</\*(?P<literal>.*?)\*/>\}\}"
    r"|\{\{<\s*(?P<name>[A-Za-z][\w-]*)(?P<args>(?:\s+[^>]*?)?)\s*>\}\}"
)
# Each embed stands in the Markdown as EMBED_TOKEN_PREFIX + a per-render nonce + "x" + its
# number until the sanitised HTML is ready for it.
EMBED_TOKEN_PREFIX = "tpembed"
ANY_EMBED_TOKEN_RE = re.compile(rf"\s*{EMBED_TOKEN_PREFIX}[0-9a-f]{{12}}x\d+")
HEADING_RE = re.compile(r"<h([1-6])\b[^>]*>.*?</h\1>", re.DOTALL)
ARG_RE = re.compile(r"""([\w-]+)=(?:"([^"]*)"|'([^']*)'|(\S+))|(\S+)""")


@dataclass(frozen=True)
class Rendered:
    html: str
    toc_html: str
    word_count: int
    # Source words missing from ``html`` when they are a noticeable share (see wordcheck).
    lost_words: tuple[str, ...] = ()
    # What the author should fix (formulas that did not parse); readers never see these.
    problems: tuple[str, ...] = ()

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.word_count)

    @property
    def loss_warning(self) -> str:
        """A sentence for the author when words went missing, else ``""``."""
        return describe_loss(self.lost_words) if self.lost_words else ""


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
                html = call_with_deadline(self.app, handler, params=params)
                if not isinstance(html, str):
                    raise TypeError(f"the {name!r} embed returned {type(html).__name__}")
            except Exception as exc:  # noqa: BLE001 - a broken embed must not stop a save
                plugin = getattr(handler, "__module__", name)
                record_failure(self.app, plugin, "register_embeds", exc)
                html = embed_notice(f"The “{name}” embed failed to render.")
        token = f"{EMBED_TOKEN_PREFIX}{self.nonce}x{len(self.fragments)}"
        self.fragments[token] = html
        return token

    def restore(self, html: str) -> str:
        """Put each embed's fragment where its token stands, in one pass.

        Matching whole tokens at once keeps ``…x1`` from also replacing the start of
        ``…x10``. An embed written inside an attribute (a link's title, say) is dropped: its
        HTML may only stand where text stands, or it could add attributes to the author's
        tag. An embed in a heading follows the heading: a form or table inside an ``<h2>``
        is not valid HTML, and the heading's text (and its table-of-contents entry) stays
        the author's words.
        """
        if not self.fragments:
            return html
        token = rf"{EMBED_TOKEN_PREFIX}{self.nonce}x\d+"
        html = TAG_RE.sub(lambda tag: re.sub(token, "", tag.group(0)), html)
        html = HEADING_RE.sub(lambda h: self._move_out_of_heading(h, token), html)
        return re.sub(
            rf"<p>({token})</p>|({token})",
            lambda m: self.fragments.get(m.group(1) or m.group(2), ""),
            html,
        )

    def _move_out_of_heading(self, heading: re.Match, token: str) -> str:
        found = re.findall(token, heading.group(0))
        if not found:
            return heading.group(0)
        text = re.sub(rf"\s*{token}", "", heading.group(0))
        return text + "".join(f"\n{name}" for name in found)


class _StrayTagPreprocessor(Preprocessor):
    """Writes ``<`` as ``&lt;`` where it starts a tag the sanitiser does not allow.

    Such a tag is shown as text. Doing it in the source, before Python-Markdown looks for
    raw HTML blocks, matters: an unclosed ``<textarea>`` or ``<iframe>`` at the start of a
    line would otherwise turn the rest of the post into one raw block, and a ``<style>``
    or ``<xmp>`` would make the HTML parser swallow everything after it. Code spans, fenced
    code (already stashed) and indented code keep their text; the HTML-level check in
    ``escape_stray_tags`` covers whatever this line-by-line pass cannot see.

    An allowed block tag (``<div>``, ``<details>``...) opened at the start of a line and
    never closed would also make the rest of the post one raw block; it is closed at the
    end of its paragraph instead, as CommonMark ends such an HTML block at a blank line.
    """

    def run(self, lines: list[str]) -> list[str]:
        indented = ("    ", "\t")
        lines = [
            line if line.startswith(indented) else SOURCE_TAG_RE.sub(_escape_source_tag, line)
            for line in lines
        ]
        return _close_unclosed_blocks(lines, self.md.block_level_elements)


BLOCK_TAG_RE = re.compile(r"(?P<code>`+[^`\n]*`+)|<(?P<close>/?)(?P<name>[A-Za-z][A-Za-z0-9]*)\b")
VOID_TAGS = {"hr", "br", "img"}


def _close_unclosed_blocks(lines: list[str], block_level: list[str]) -> list[str]:
    """Close each allowed block tag opened at a line's start and never closed, at the end of
    its paragraph (before the next blank line)."""
    watched = (ALLOWED_TAGS & set(block_level)) - VOID_TAGS
    open_tags: dict[str, list[tuple[int, bool]]] = {}
    for number, line in enumerate(lines):
        if line.startswith(("    ", "\t")):
            continue
        for match in BLOCK_TAG_RE.finditer(line):
            name = (match.group("name") or "").lower()
            if match.group("code") or name not in watched:
                continue
            if match.group("close"):
                if open_tags.get(name):
                    open_tags[name].pop()
            else:
                at_start = not line[: match.start()].strip() and match.start() < 4
                open_tags.setdefault(name, []).append((number, at_start))
    closing: dict[int, list[str]] = {}
    for name, opened in open_tags.items():
        for number, at_start in opened:
            if at_start:
                end = number
                while end + 1 < len(lines) and lines[end + 1].strip():
                    end += 1
                closing.setdefault(end, []).append(f"</{name}>")
    if not closing:
        return lines
    result = []
    for number, line in enumerate(lines):
        result.append(line)
        result.extend(reversed(closing.get(number, [])))
    return result


def _escape_source_tag(match: re.Match) -> str:
    if match.group("code") or match.group("name").lower() in ALLOWED_TAGS:
        return match.group(0)
    return "&lt;"


def escape_stray_tags(html: str) -> str:
    """Show as text every ``<`` that does not start a well-formed, allowed tag or a closed
    comment, so the HTML parser in the sanitiser never reads past it into the author's text
    (as it does after ``<style>``, ``<xmp>``, ``<plaintext>`` or an unclosed quote).

    Every allowed element is also closed by the end of the element it was opened in (its
    block: a paragraph, a heading, a list item) and by the end of the post, so that an
    element left open (``<math>``, ``<table>``, ``<details>``, ``<a>``...) cannot swallow
    the rest of the post into a formula, a table cell or a collapsed box. A closing tag of
    nothing open is dropped, as the HTML parser would.

    MathML and HTML do not mix: inside ``<math>`` only MathML tags are kept, and outside it
    only HTML ones, since an HTML tag in MathML makes the parser leave the formula and drop
    what it held. An HTML closing tag of an element around the formula still closes it.
    """
    open_elements: list[str] = []
    # How many of each are open: membership without walking a deeply nested stack.
    depth: Counter[str] = Counter()

    def pop() -> str:
        name = open_elements.pop()
        depth[name] -= 1
        return name

    def keep_or_escape(match: re.Match) -> str:
        if match.group("comment"):
            return match.group(0)
        name = (match.group("name") or match.group("close") or "").lower()
        if match.group("close"):
            if not depth[name]:
                return "" if name in ALLOWED_TAGS else escape(match.group(0))
            closed = []
            while open_elements[-1] != name:
                closed.append(f"</{pop()}>")
            pop()
            return "".join(closed) + match.group(0)
        in_math = depth["math"] > 0
        if name not in ALLOWED_TAGS or (name != "math" and (name in MATHML_TAGS) != in_math):
            return escape(match.group(0))
        if name not in VOID_TAGS and not match.group(0).endswith("/>"):
            open_elements.append(name)
            depth[name] += 1
        return match.group(0)

    balanced = HTML_TAG_RE.sub(keep_or_escape, html)
    return balanced + "".join(f"</{name}>" for name in reversed(open_elements))


class _EmbedExtension(Extension):
    def __init__(self, renderer: _EmbedRenderer):
        super().__init__()
        self.renderer = renderer

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        # After fenced code (25) has stashed code blocks, so embeds in code stay text.
        md.preprocessors.register(_EmbedPreprocessor(md, self.renderer), "pressmark_embeds", 15)
        # Between fenced code (25) and the raw-HTML-block pass (20).
        md.preprocessors.register(_StrayTagPreprocessor(md), "pressmark_stray_tags", 22)


def _prefix_ids(tag: str, attribute: str, value: str) -> str:
    if attribute == "id":
        return BODY_ID_PREFIX + value
    if attribute == "href" and value.startswith("#") and len(value) > 1:
        return "#" + BODY_ID_PREFIX + value[1:]
    return value


def sanitize(html: str) -> str:
    """Keep only allowlisted tags, attributes and URL schemes; show any other tag as text;
    prefix every id, and every link to one, with ``BODY_ID_PREFIX``."""
    return nh3.clean(
        escape_stray_tags(html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_prefix_ids,
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
        # Two-space nested lists (CommonMark's rule), as imported posts are written.
        CommonMarkListIndentExtension(),
        "attr_list",
        markdown.extensions.codehilite.CodeHiliteExtension(
            css_class="highlight", guess_lang=False, wrapcode=True
        ),
        markdown.extensions.toc.TocExtension(
            slugify=_slugify_without_embeds,
            permalink="#", permalink_class="heading-anchor", permalink_title="Link to this section",
            toc_depth="2-4",
        ),
    ]


def _slugify_without_embeds(value: str, separator: str) -> str:
    # A heading's id must not depend on an embed's per-render token.
    return markdown.extensions.toc.slugify(ANY_EMBED_TOKEN_RE.sub("", value), separator)


def _plugin_extensions(app: Flask) -> list:
    """The plugins' Markdown extensions, each tried once on its own: one that Python-Markdown
    cannot load is recorded as its plugin's failure and left out."""
    cache = app_state(app).markdown
    if "extensions" not in cache:
        usable = []
        hook = "register_markdown_extensions"
        for plugin, group in call_isolated_by_plugin(hook, app=app):
            for ext in group:
                try:
                    markdown.Markdown(extensions=[ext]).convert("")
                except Exception as exc:  # noqa: BLE001 - a plugin's garbage or bug
                    record_failure(app, plugin, hook, exc)
                else:
                    usable.append(ext)
        cache["extensions"] = usable
    return cache["extensions"]


def embed_handlers(app: Flask) -> dict[str, Callable[..., str]]:
    """Every registered embed handler by name (later plugins win on a clash)."""
    cache = app_state(app).markdown
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
    plugin_extensions = _plugin_extensions(app)
    try:
        return _render(text, app, plugin_extensions)
    except Exception as exc:
        if not plugin_extensions:
            raise
        # A plugin's Markdown extension broke on this text: the post is rendered without
        # the plugins' extensions, and the failure is shown to the author.
        record_failure(app, _failing_plugin(app, exc), "register_markdown_extensions", exc)
        return _render(text, app, [])


def _failing_plugin(app: Flask, exc: BaseException) -> str:
    """The plugin whose code the traceback went through last (for ``record_failure``)."""
    name = "markdown-extension"
    tb = exc.__traceback__
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if plugin_name_for(app, module) != module:
            name = plugin_name_for(app, module)
        tb = tb.tb_next
    return name


def _render(text: str, app: Flask, plugin_extensions: list) -> Rendered:
    renderer = _EmbedRenderer(app, embed_handlers(app))
    math = MathRenderer()
    md = markdown.Markdown(
        extensions=[
            *_base_extensions(),
            *plugin_extensions,
            _EmbedExtension(renderer),
            MathExtension(math),
        ],
        output_format="html",
    )
    # Images become responsive markup after sanitising (the allowlist has no <picture> or
    # srcset an author could misuse) and before the embeds' trusted HTML is put back.
    html = renderer.restore(enhance_images(sanitize(md.convert(text)), Image.info_for))
    headings = _count_headings(md.toc_tokens)
    # Python-Markdown wraps the list in <div class="toc">; the page supplies its own <nav>.
    toc_html = ""
    if headings >= TOC_MIN_HEADINGS:
        # An embed in a heading is not part of its table-of-contents entry.
        toc_html = TOC_WRAPPER_RE.sub("", sanitize(ANY_EMBED_TOKEN_RE.sub("", md.toc)))
    return Rendered(
        html=html,
        toc_html=toc_html,
        word_count=len(text.split()),
        lost_words=lost_words(text, html),
        problems=tuple(math.problems),
    )


def _count_headings(tokens: list[dict]) -> int:
    return sum(1 + _count_headings(t.get("children", [])) for t in tokens)
