"""Body syntax of other generators, converted on import: Hugo shortcodes, Liquid tags
(Jekyll, Eleventy), Zola shortcodes and WordPress shortcodes.

Each tag is parsed into a name, its parameters and, for a paired tag, the text inside, and
handed to the converter registered under its name. Built-in converters cover ``highlight``,
``figure``, ``youtube``, ``vimeo``, ``gist``, ``tweet``/``x``, ``raw``, ``ref``/``relref``,
``post_url``/``link``, ``caption``/``embed`` and the ``relative_url``/``absolute_url``
filters; plugins add or replace converters through the ``register_import_converters``
hook (the plugin's wins). A tag that nothing converts is kept for the author as an HTML
comment, which the editor shows and readers never see, with its braces written in
pressmark's literal form so it is never run as one of pressmark's own embeds.

Videos, gists and posts on social sites become links: pages load nothing from other hosts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask import Flask
from pressmark.content.models import slugify
from pressmark.plugin_system.manager import call_isolated

Converter = Callable[..., "str | None"]

SOURCE_NAMES = {
    "hugo": "Hugo shortcode", "jekyll": "Liquid tag", "eleventy": "template tag",
    "zola": "Zola shortcode", "wordpress": "WordPress shortcode", "ghost": "Ghost card",
}

HUGO_RE = re.compile(
    r"\{\{(?P<delim>[<%])(?P<comment>/\*)?\s*(?P<close>/)?\s*(?P<name>[\w./-]+)"
    r"(?P<args>.*?)\s*(?P<selfclose>/)?\s*(?P<endcomment>\*/)?(?P=delim)?[>%]\}\}",
    re.S,
)
LIQUID_TAG_RE = re.compile(r"\{%-?\s*(?P<name>\w+)(?P<args>(?:\(.*?\))?[^%]*?)\s*-?%\}", re.S)
OUTPUT_RE = re.compile(r"\{\{-?\s*(?P<expr>[^<%].*?)\s*-?\}\}", re.S)
WP_RE = re.compile(
    r"\[(?P<name>[a-z][\w-]*)(?P<args>(?:\s[^\]]*)?)\](?:(?P<inner>.*?)\[/(?P=name)\])?", re.S
)
ARG_RE = re.compile(
    r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s,)]+))|"([^"]*)"|'([^']*)'|([^\s,]+)"""
)


def parse_args(raw: str) -> dict[str, str]:
    """``user="x" id=1 "pos" word`` -> ``{"user": "x", "id": "1", "0": "pos", "1": "word"}``."""
    params: dict[str, str] = {}
    position = 0
    raw = raw.strip()
    if raw.startswith("(") and raw.endswith(")"):
        raw = raw[1:-1]
    for key, dq, sq, plain, pdq, psq, word in ARG_RE.findall(raw):
        if key:
            params[key] = dq or sq or plain
        else:
            params[str(position)] = pdq or psq or word
            position += 1
    return params


def literal(text: str) -> str:
    """Text that pressmark shows as is: its own embed braces written in the literal form."""
    return re.sub(r"\{\{<(?!/\*)(.*?)>\}\}", r"{{</*\1*/>}}", text, flags=re.S)


def notice(kind: str, original: str) -> str:
    """An HTML comment for the author: the editor shows it, readers never see it."""
    kept = literal(original).replace("--", "- -")
    return f"<!-- pressmark import: this {kind} was not converted; edit it by hand: {kept} -->"


# --- built-in converters ----------------------------------------------------------------------


def _first(params: Mapping[str, str], *keys: str) -> str:
    for key in keys:
        if params.get(key):
            return params[key]
    return ""


def highlight(params, inner=None, **_):
    if inner is None:
        return None
    lang = _first(params, "0", "lang")
    code = inner.strip("\n")
    fence = "~~~" if "```" in code else "```"
    return f"\n{fence}{lang}\n{code}\n{fence}\n"


def figure(params, inner=None, **_):
    src = _first(params, "src")
    if not src:
        return None
    alt = _first(params, "alt", "title", "caption") or "image"
    alt = re.sub(r"[\[\]\n]+", " ", alt)
    out = f"![{alt}]({src})"
    link = _first(params, "link")
    if link:
        out = f"[{out}]({link})"
    caption = _first(params, "caption", "title")
    if caption:
        out += f"\n\n*{caption}*"
    return f"\n{out}\n"


def youtube(params, **_):
    video = _first(params, "id", "0")
    if not video:
        return None
    if video.startswith("http"):
        return f"[Video on YouTube]({video})"
    return f"[Video on YouTube](https://www.youtube.com/watch?v={video})"


def vimeo(params, **_):
    video = _first(params, "id", "0")
    return f"[Video on Vimeo](https://vimeo.com/{video})" if video else None


def gist(params, **_):
    first = _first(params, "0", "id")
    if not first:
        return None
    if "/" in first:  # Jekyll: {% gist user/id [file] %}
        return f"[Gist {first}](https://gist.github.com/{first})"
    second = params.get("1", "")
    if second:  # Hugo: {{< gist user id [file] >}}
        return f"[Gist {first}/{second}](https://gist.github.com/{first}/{second})"
    return f"[Gist {first}](https://gist.github.com/{first})"


def tweet(params, **_):
    user, post = params.get("user", ""), _first(params, "id", "0")
    if post.startswith("http"):
        return f"[Post on X]({post})"
    if not post:
        return None
    path = f"{user}/status/{post}" if user else f"i/status/{post}"
    return f"[Post on X](https://x.com/{path})"


def raw(params, inner=None, **_):
    return literal(inner) if inner is not None else None


def post_link(params, **_):
    target = _first(params, "0")
    if not target:
        return None
    stem = target.rstrip("/").rsplit("/", 1)[-1]
    stem = re.sub(r"\.(md|markdown|mdown|html)$", "", stem)
    stem = re.sub(r"^\d{4}-\d{2}-\d{2}[-_]", "", stem)
    if stem in ("index", "_index"):
        stem = target.rstrip("/").rsplit("/", 2)[-2] if "/" in target else stem
    return f"/posts/{slugify(stem)}"


def caption(params, inner=None, **_):
    if inner is None:
        return None
    # WordPress: [caption id=".." align=".."]<img ...> The caption text[/caption]
    return inner.strip()


def embed(params, inner=None, **_):
    url = (inner or _first(params, "0", "url")).strip()
    return f"<{url}>" if url.startswith(("http://", "https://")) else None


BUILT_IN: dict[str, Converter] = {
    "highlight": highlight,
    "figure": figure,
    "youtube": youtube,
    "vimeo": vimeo,
    "gist": gist,
    "tweet": tweet,
    "twitter": tweet,
    "x": tweet,
    "raw": raw,
    "ref": post_link,
    "relref": post_link,
    "post_url": post_link,
    "link": post_link,
    "caption": caption,
    "embed": embed,
}


# --- the registry and the conversion ----------------------------------------------------------


def converters(app: Flask) -> dict[str, Converter]:
    """Built-in converters, then every plugin's (later plugins win, as for embeds)."""
    found = dict(BUILT_IN)
    for mapping in reversed(call_isolated("register_import_converters", app=app)):
        found.update(mapping)
    return found


@dataclass
class Converted:
    text: str
    notes: list[str] = field(default_factory=list)


class BodyConverter:
    """Converts one body at a time for ``source`` (hugo, jekyll, eleventy, zola, wordpress)."""

    def __init__(self, table: Mapping[str, Converter], source: str):
        self.table = table
        self.source = source
        self.kind = SOURCE_NAMES.get(source, "tag")
        self.unconverted: list[str] = []

    def call(self, name: str, params: dict[str, str], inner: str | None) -> str | None:
        converter = self.table.get(name)
        if converter is None:
            return None
        try:
            return converter(name=name, params=params, inner=inner, source=self.source)
        except Exception:  # noqa: BLE001 - a broken converter leaves the tag for the author
            return None

    def keep(self, name: str, original: str, inner: str | None = None, closing: str = "") -> str:
        self.unconverted.append(name)
        if inner is None:
            return notice(self.kind, original)
        return notice(self.kind, original) + self.convert(inner) + notice(self.kind, closing)

    def convert(self, text: str) -> str:
        """Tags outside fenced code are converted; inside, code stays code (only Liquid's
        ``raw`` markers and Hugo's ``{{</* */>}}`` escapes, which were there for the
        generator, are removed)."""
        out = []
        for is_code, segment in split_fences(text):
            if is_code:
                out.append(self._code(segment))
            elif self.source == "hugo":
                out.append(self._hugo(segment))
            elif self.source == "wordpress":
                out.append(self._wordpress(segment))
            elif self.source in ("jekyll", "eleventy", "zola"):
                out.append(self._liquid(segment))
            else:
                out.append(segment)
        return "".join(out)

    def _code(self, code: str) -> str:
        if self.source == "hugo":
            return re.sub(r"\{\{([<%])/\*(.*?)\*/([>%])\}\}", r"{{\1\2\3}}", code, flags=re.S)
        if self.source in ("jekyll", "eleventy"):
            return re.sub(r"\{%-?\s*(?:end)?raw\s*-?%\}", "", code)
        return code

    def _hugo(self, text: str) -> str:
        out, pos = [], 0
        for match in HUGO_RE.finditer(text):
            if match.start() < pos:
                continue
            out.append(text[pos : match.start()])
            pos = match.end()
            if match.group("comment"):  # {{</* x */>}}: Hugo's literal, and pressmark's
                out.append(match.group(0))
                continue
            name, params = match.group("name"), parse_args(match.group("args") or "")
            if match.group("close"):
                out.append(notice(self.kind, match.group(0)))
                self.unconverted.append("/" + name)
                continue
            closing = re.compile(r"\{\{[<%]\s*/\s*" + re.escape(name) + r"\s*[>%]\}\}")
            end = None if match.group("selfclose") else closing.search(text, pos)
            inner = None
            if end is not None and not _opens_again(text, pos, end.start(), name):
                inner, pos = text[pos : end.start()], end.end()
            result = self.call(name, params, inner)
            if result is None:
                closing_text = end.group(0) if inner is not None and end is not None else ""
                out.append(self.keep(name, match.group(0), inner, closing_text))
            else:
                out.append(result)
        out.append(text[pos:])
        return "".join(out)

    def _liquid(self, text: str) -> str:
        out, pos = [], 0
        pattern = re.compile(f"{LIQUID_TAG_RE.pattern}|{OUTPUT_RE.pattern}", re.S)
        while True:
            match = pattern.search(text, pos)
            if match is None:
                break
            out.append(text[pos : match.start()])
            pos = match.end()
            if match.group("expr") is not None:
                out.append(self._output(match.group("expr"), match.group(0)))
                continue
            name, args = match.group("name"), match.group("args") or ""
            if name.startswith("end") or name == "end":
                out.append(self.keep(name, match.group(0)))
                continue
            params = parse_args(args)
            end_name = "end" if self.source == "zola" and args.strip().startswith("(") else (
                "end" + name)
            closing = re.compile(r"\{%-?\s*" + end_name + r"\s*-?%\}")
            end = closing.search(text, pos)
            paired = name in ("raw", "highlight", "comment", "capture") or (
                end is not None and self.source == "zola")
            if name in ("highlight", "raw") or (paired and end is not None):
                if end is None:
                    out.append(self.keep(name, match.group(0)))
                    continue
                inner = text[pos : end.start()]
                pos = end.end()
                if name == "comment":
                    continue
                result = self.call(name, params, inner)
                out.append(self.keep(name, match.group(0), inner, end.group(0))
                           if result is None else result)
                continue
            result = self.call(name, params, None)
            out.append(self.keep(name, match.group(0)) if result is None else result)
        out.append(text[pos:])
        return "".join(out)

    def _output(self, expr: str, original: str) -> str:
        call = re.match(r"^(\w+)\s*\((.*)\)$", expr, re.S)
        if call:  # Zola: {{ youtube(id="x") }}
            result = self.call(call.group(1), parse_args(call.group(2)), None)
            return self.keep(call.group(1), original) if result is None else result
        value, *filters = [part.strip() for part in expr.split("|")]
        names = [f.split(":")[0].strip() for f in filters]
        literal_value = re.match(r"""^(["'])(.*)\1$""", value)
        if literal_value and set(names) <= {"relative_url", "absolute_url", "prepend",
                                            "url", "escape"}:
            return literal_value.group(2)
        if value in ("site.baseurl", "site.url", "site.base_url") and not filters:
            return ""
        self.unconverted.append(value)
        return notice(self.kind, original)

    def _wordpress(self, text: str) -> str:
        def replace(match: re.Match) -> str:
            name, inner = match.group("name"), match.group("inner")
            params = parse_args(match.group("args") or "")
            result = self.call(name, params, inner)
            if result is None:
                self.unconverted.append(name)
                return notice(self.kind, match.group(0)) if inner is None else (
                    notice(self.kind, f"[{name}{match.group('args')}]") + inner
                    + notice(self.kind, f"[/{name}]"))
            return result

        known = "|".join(re.escape(n) for n in {*self.table, "gallery", "audio", "video",
                                                "playlist", "contact-form"})
        pattern = re.compile(WP_RE.pattern.replace(r"[a-z][\w-]*", f"(?:{known})"), re.S)
        return pattern.sub(replace, text)


FENCE_RE = re.compile(r"^( {0,3})(`{3,}|~{3,})[^\n]*\n(?:.*?\n)?\1?\2[`~]*[ \t]*(?:\n|$)",
                      re.M | re.S)


def split_fences(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into (is fenced code, segment) pieces, in order."""
    pieces, pos = [], 0
    for match in FENCE_RE.finditer(text):
        if match.start() > pos:
            pieces.append((False, text[pos : match.start()]))
        pieces.append((True, match.group(0)))
        pos = match.end()
    if pos < len(text):
        pieces.append((False, text[pos:]))
    return pieces


def _opens_again(text: str, start: int, end: int, name: str) -> bool:
    """True when another ``name`` opens before the closing tag found (nesting unsupported:
    the outer one is then treated as unpaired, and kept for the author)."""
    return re.search(r"\{\{[<%]\s*" + re.escape(name) + r"\b", text[start:end]) is not None


NOTICE_RE = re.compile(r"<!-- pressmark import: .*? -->", re.S)
# A link's destination or a quoted attribute, up to where it is closed.
OPENERS = (("](", ")"), ('href="', '"'), ("href='", "'"), ('src="', '"'), ("src='", "'"))


def notices_out_of_links(text: str) -> str:
    """Notices (unconverted tags) that landed inside a link's address (``[a]({% for %})``,
    ``href="{{ x }}"``) moved to just after the link, so no address holds a comment."""
    for _ in range(50):  # each pass moves one notice; a body has few
        moved = False
        for found in NOTICE_RE.finditer(text):
            start, end = found.span()
            before = NOTICE_RE.sub("", text[:start])
            for opener, closer in OPENERS:
                at = before.rfind(opener)
                if at < 0 or closer in before[at + len(opener):] or "\n" in before[at:]:
                    continue
                rest = NOTICE_RE.sub(lambda m: "\0" * len(m.group(0)), text[end:])
                close = rest.find(closer)
                if close < 0:
                    continue
                close += end + 1
                if closer != ")":  # an attribute: after the end of its tag
                    tag_end = text.find(">", close)
                    close = tag_end + 1 if tag_end >= 0 else close
                while (after := NOTICE_RE.match(text, close)) is not None:
                    close = after.end()  # after the notices moved before, in order
                text = text[:start] + text[end:close] + found.group(0) + text[close:]
                moved = True
                break
            if moved:
                break
        if not moved:
            return text
    return text


def convert_body(text: str, source: str, table: Mapping[str, Converter]) -> Converted:
    """``text`` with ``source``'s tags converted, and a note naming those kept as they were."""
    converter = BodyConverter(table, source)
    result = notices_out_of_links(converter.convert(text))
    notes = []
    if converter.unconverted:
        names = sorted(set(converter.unconverted))
        notes.append(
            f"{len(converter.unconverted)} {converter.kind}(s) kept for the author, not "
            f"converted: {', '.join(names)}"
        )
    return Converted(result, notes)
