"""Old URLs: permalink patterns expanded for each post, and aliases made safe paths.

Patterns use the ``:name`` placeholders Hugo and Jekyll share (Pelican's ``{name}`` and
Zola's paths are written the same way by their readers)::

    :year :month :day :i_month :i_day :y_day :hour :minute :second
    :title (the generator's title slug) :slug :section :sections :categories :category
    :filename :lang :id (WordPress's and Ghost's post id)

``/:categories/:year/:month/:day/:title.html`` gives ``/2019/02/03/hello.html`` when the
post has no category: empty segments collapse, as in Jekyll.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, unquote, urlsplit

from pressmark.content.models import slugify
from text_unidecode import unidecode

PLACEHOLDER_RE = re.compile(r":([a-z_]+)")


class AliasError(ValueError):
    """An alias that cannot be kept, with the reason."""


@dataclass
class PermalinkContext:
    """What a permalink pattern may use."""

    slug: str
    title_slug: str  # Jekyll's :title: the file name's slug (or front matter ``slug``)
    date: datetime | None = None
    sections: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    filename: str = ""
    lang: str = ""
    id: str = ""  # the export's id of the item ("" in a folder of files: :id cannot apply)


def expand(pattern: str, ctx: PermalinkContext) -> str | None:
    """The path ``pattern`` gives for ``ctx``, or None when it needs a date the post lacks."""
    values: dict[str, str] = {
        "slug": ctx.slug,
        "title": ctx.title_slug,
        "filename": ctx.filename,
        "section": ctx.sections[0] if ctx.sections else "",
        "sections": "/".join(ctx.sections),
        # Jekyll lowercases categories and keeps them otherwise (a space stays a space).
        "categories": "/".join(c.lower() for c in ctx.categories),
        "category": slugify(ctx.categories[0]) if ctx.categories else "",
        "lang": ctx.lang,
    }
    if ctx.id:
        values["id"] = ctx.id
    if ctx.date is not None:
        d = ctx.date
        values |= {
            "year": f"{d.year:04d}", "month": f"{d.month:02d}", "day": f"{d.day:02d}",
            "i_month": str(d.month), "i_day": str(d.day),
            "short_year": f"{d.year % 100:02d}", "y_day": f"{d.timetuple().tm_yday:03d}",
            "hour": f"{d.hour:02d}", "minute": f"{d.minute:02d}", "second": f"{d.second:02d}",
        }
    missing = False

    def fill(match: re.Match) -> str:
        nonlocal missing
        name = match.group(1)
        if name in values:
            return values[name]
        # A longest-known-prefix match: ":title.html" is ":title" then ".html".
        for known in sorted(values, key=len, reverse=True):
            if name.startswith(known):
                return values[known] + name[len(known) :]
        missing = True
        return ""

    path = PLACEHOLDER_RE.sub(fill, pattern)
    if missing:
        return None
    path = re.sub(r"/{2,}", "/", "/" + path.lstrip("/"))
    return path


# Query keys that address one item on their own (WordPress's plain permalinks): an old URL
# such as "/?p=42" keeps that key, and the site answers it whatever else the query holds.
QUERY_KEYS = ("p", "page_id", "attachment_id")


def query_alias(raw: str) -> str | None:
    """``/?p=42`` for an old URL whose query names an item by one of ``QUERY_KEYS``
    (``https://old.example/?p=42&x=1`` -> ``/?p=42``), else None."""
    parts = urlsplit(str(raw).strip())
    for key, value in parse_qsl(parts.query):
        if key in QUERY_KEYS and value.isdigit():
            path = parts.path or "/"
            return f"{normalise_alias(path)}?{key}={int(value)}"
    return None


def normalise_alias(raw: str) -> str:
    """An old URL as a site path: ``https://old.example/2019/x/`` -> ``/2019/x/``,
    ``2019/x.html`` -> ``/2019/x.html``. Percent-encoding is decoded once. A query is
    dropped, except an item's id (see ``query_alias``).

    Raises ``AliasError`` for a path that would leave the site (``..``, encoded or not) or
    is not a path at all.
    """
    text = str(raw).strip()
    if not text:
        raise AliasError("an alias is empty")
    if "?" in text and (kept := query_alias(text)) is not None:
        return kept
    parts = urlsplit(text)
    if parts.scheme and parts.scheme not in ("http", "https"):
        raise AliasError(f"the alias {raw!r} is not a web address")
    path = parts.path if (parts.scheme or parts.netloc) else text.split("?")[0].split("#")[0]
    decoded = path
    # Decode until stable, so "%252e%252e" cannot hide a "..".
    for _ in range(3):
        decoded = unquote(decoded)
    segments = decoded.replace("\\", "/").split("/")
    if any(segment in ("..", ".") for segment in segments):
        raise AliasError(f"the alias {raw!r} leaves the site (it contains '..' or '.')")
    if any(ord(ch) < 32 for ch in decoded):
        raise AliasError(f"the alias {raw!r} contains control characters")
    path = "/" + decoded.lstrip("/")
    path = re.sub(r"/{2,}", "/", path)
    if len(path) > 500:
        raise AliasError(f"the alias {raw!r} is longer than 500 characters")
    return path


# --- the generators' own slug functions ---------------------------------------------------------


def hugo_urlize(text: str) -> str:
    """Hugo's ``urlize`` (``PathSpec.MakePathSanitized``): letters, digits, marks and
    ``._/\\#+~-@`` kept (``%`` before two hex digits too), runs of spaces made one hyphen,
    anything else dropped, then lower-cased."""
    out: list[str] = []
    pending = was_hyphen = False
    for index, ch in enumerate(text):
        allowed = ch in "./\\_#+~-@" or ch.isalpha() or ch.isdigit() or (
            unicodedata.category(ch).startswith("M"))
        allowed = allowed or (ch == "%" and bool(re.match(r"[0-9a-fA-F]{2}",
                                                          text[index + 1:index + 3])))
        if allowed:
            was_hyphen = ch == "-"
            if pending and not was_hyphen:
                out.append("-")
            pending = False
            out.append(ch)
        elif out and not was_hyphen and ch.isspace():
            pending = True
    return "".join(out).lower()


def pelican_slugify(text: str, *, preserve_case: bool = False, use_unicode: bool = False,
                    substitutions: list | None = None) -> str:
    """Pelican's ``utils.slugify`` with its default ``SLUG_REGEX_SUBSTITUTIONS``: tags
    stripped, NFKC, transliterated to ASCII (unidecode), ``[^\\w\\s-]`` dropped, runs of
    spaces and hyphens one hyphen, lower-cased."""
    value = re.sub(r"<[^>]*>", "", text)
    value = unicodedata.normalize("NFKC", value)
    if not use_unicode:
        value = unidecode(value)
    subs = substitutions if substitutions is not None else PELICAN_SUBSTITUTIONS
    for source, target in subs:
        value = re.sub(unicodedata.normalize("NFKC", source),
                       unicodedata.normalize("NFKC", target), value, flags=re.IGNORECASE)
    if not preserve_case:
        value = value.lower()
    return value.strip()


PELICAN_SUBSTITUTIONS = [(r"[^\w\s-]", ""), (r"(?u)\A\s*", ""), (r"(?u)\s*\Z", ""),
                         (r"[-\s]+", "-")]


def zola_slugify(text: str) -> str:
    """Zola's default ``slugify`` (the ``slug`` crate): transliterated to ASCII, lower-cased,
    every run of other characters one hyphen, none at either end."""
    return re.sub(r"[^a-z0-9]+", "-", unidecode(text).lower()).strip("-")
