"""One post read from a source, and the metadata conventions the generators share.

Each source module (``hugo``, ``jekyll``...) finds its files and knows its own URLs; the
meaning of the common keys is decided here once:

- ``title``, else the file name ("migrate-from-jekyll" -> "Migrate from jekyll");
- ``slug``, else the file name (a Jekyll date prefix and a language suffix removed);
- ``date`` (or ``publishDate``, ``pubDate``), else the date in the file name, else the
  file's modification time, noted;
- ``lastmod``, ``modified``, ``updated``, ``last_modified_at``: when it last changed;
- ``draft``, ``published`` and ``status`` with their real meanings: ``draft: "false"`` is
  not a draft, ``published: false`` is, Pelican's ``Status: hidden`` becomes a draft
  (pressmark has no unlisted posts) and is noted;
- ``category``/``categories``: the first is the topic (its name kept), the others become
  tags, noted; ``tags``/``tag``/``keywords`` (strings split on commas, or on spaces for
  Jekyll, as Jekyll does);
- ``summary``, ``description`` or ``excerpt``; ``featured`` only when it is truly a yes;
- ``series``; ``author``/``authors`` matched to accounts by user name or display name;
- ``aliases``, ``redirect_from``, ``url`` and ``permalink`` as old addresses;
- every other key is named in the report as not kept, so nothing is lost in silence.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pressmark.content import postdata
from pressmark.content.models import DRAFT, PUBLISHED, SLUG_RE, TRASHED, slugify
from pressmark.content.postdata import PostData, front_matter_datetime
from pressmark.migrate.toolkit import covers
from pressmark.migrate.toolkit.frontmatter import FrontMatterError

FILE_DATE_RE = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})[-_](?P<rest>.+)$")
LANG_SUFFIX_RE = re.compile(r"^(?P<stem>.+)\.(?P<lang>[a-z]{2}(?:[-_][A-Za-z]{2,4})?)$")
# ISO 639-1 codes: "post.fr.md" is a translation, "why-node.js.md" is not.
_ISO_639_1 = """
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu
hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb
lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om
or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw
ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
"""
LANGUAGES = frozenset(_ISO_639_1.split())
TRUE_WORDS = {"true", "yes", "on", "1", "y"}
FALSE_WORDS = {"false", "no", "off", "0", "n", ""}

# Keys read by ``post_from_meta`` (lowercase); anything else is reported as not kept.
KNOWN_KEYS = {
    "title", "slug", "date", "publishdate", "pubdate", "published_at", "lastmod", "modified",
    "updated", "last_modified_at", "updated_at", "draft", "published", "status", "category",
    "categories", "topic", "tags", "tag", "keywords", "summary", "description", "excerpt",
    "featured", "series", "author", "authors", "aliases", "alias", "redirect_from", "url",
    "permalink", "lang", "language", "weight", "layout", "type", "created_at",
    "status_before_trash", "taxonomies", "translationkey", "translation", "page", "toc",
    "series_index", "series_order", "series_weight", "series_position", "part", "redirect_to",
}


@dataclass
class Entry:
    """What a source read for one file (or one item of a WordPress or Ghost export)."""

    name: str
    data: PostData | None = None
    error: str | None = None  # failed, with this reason
    skip: str | None = None  # skipped, with this reason
    notes: list[str] = field(default_factory=list)
    old_urls: list[str] = field(default_factory=list)  # aliases, as written (normalised later)
    topic_name: str | None = None  # the category as written, for a new topic's name
    series: str | None = None
    authors: list[str] = field(default_factory=list)
    is_page: bool = False
    status_before_trash: str | None = None
    folder: Path | None = None  # where relative image links are found (page bundles)
    uploads: dict[str, Path] = field(default_factory=dict)  # link in the body -> image file
    remote_images: list[str] = field(default_factory=list)  # body images to download
    cover_file: Path | None = None  # the featured image, to store as the cover
    cover_url: str | None = None  # ... or its http(s) address, to download
    cover_alt: str = ""  # its alt text, when the source gives one
    series_order: float | None = None  # the number that orders it in its series
    order_key: str = ""  # the key that number came from
    own_url: str | None = None  # its address by the generator's own rule (not an alias)
    redirect_to: str | None = None  # a redirect stub: the address it sent readers to
    image_paths: dict[str, str] = field(default_factory=dict)  # link -> its old site path
    old_files: list[tuple[str, str]] = field(default_factory=list)  # (old path, upload URL)


def failed(name: str, reason: str) -> Entry:
    return Entry(name=name, error=reason)


def skipped(name: str, reason: str) -> Entry:
    return Entry(name=name, skip=reason)


# PostData fields that ``post_from_meta`` fills by the generators' conventions.
HANDLED_FIELDS = {"title", "slug", "summary", "topic", "tags", "featured", "status",
                  "published_at", "body"}


# --- values -----------------------------------------------------------------------------------


def as_bool(value: Any, key: str) -> bool:
    """A real yes/no: YAML booleans, or the words true/false/yes/no/on/off/1/0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise FrontMatterError(f"{key!r} must be true or false, not {value!r}")


def as_datetime(value: Any, key: str, timezone: str | None = None) -> datetime | None:
    """A date as naive UTC: YAML/TOML dates and datetimes, ISO 8601 text, Pelican's
    ``2010-12-03 10:20``, with ``/`` or ``.`` separators, one-digit hours, no seconds or
    a space for the ``T`` too, as the generators accept them. A date without a zone is
    taken in ``timezone`` (the site's setting, where the generator has one), else UTC.
    ``FrontMatterError`` names ``key`` when it is not a date."""
    try:
        if isinstance(value, str) and value.strip():
            value = datetime.fromisoformat(_iso_text(value))
        if timezone and isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=_zone(timezone))
        return front_matter_datetime(value, key)
    except ValueError as exc:
        raise FrontMatterError(f"{key!r} is not a date: {value!r}") from exc


def _zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # an unknown zone name: the date is taken as UTC


def _iso_text(text: str) -> str:
    """The date spellings generators write, rewritten as ISO 8601."""
    text = text.strip().replace("Z", "+00:00")
    text = re.sub(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", r"\1-\2-\3", text)
    text = re.sub(r"^(\d{4})-(\d)-", r"\1-0\2-", text)
    text = re.sub(r"^(\d{4}-\d{2})-(\d)(?!\d)", r"\1-0\2", text)
    # "2019-04-09T8:09:26" and "2019-04-09 8:09" (Hugo and Pelican accept one-digit hours)
    text = re.sub(r"^(\d{4}-\d{2}-\d{2})[T ]+(\d)(?=:)", r"\1T0\2", text)
    text = re.sub(r"^(\d{4}-\d{2}-\d{2}) +(\d{2}:)", r"\1T\2", text)
    # "2019-02-03 10:20:00 +0100" (Jekyll) -> "+01:00"
    return re.sub(r"\s*([+-]\d{2})(\d{2})$", r"\1:\2", text)


TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>")
EMPHASIS_RE = re.compile(r"(?<![\w*\\])([*_]{1,3})(?=\S)(.+?)(?<=\S)\1(?![\w*])")
CODE_RE = re.compile(r"`([^`]+)`")
ENTITY_RE = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")


def title_text(title: str, notes: list[str]) -> str:
    """A title written with inline Markdown or HTML (``Why *this* <i>matters</i>``) as
    the text readers see, for ``<title>``, feeds and the heading alike; noted. Only
    real markup is read: ``2*3*4`` and ``snake_case`` stay as written."""
    text = TAG_RE.sub("", title)
    text = CODE_RE.sub(r"\1", text)
    for _ in range(3):  # nested emphasis: ***a*** or *a **b***
        text = EMPHASIS_RE.sub(r"\2", text)
    if ENTITY_RE.search(text):
        text = html.unescape(text)
    text = " ".join(text.split())
    if text and text != " ".join(title.split()):
        notes.append(f"the title's markup was kept as its text: “{text}”")
        return text
    return title


def as_list(value: Any, *, split_spaces: bool = False) -> list[str]:
    """A list of words from a list, or from a comma (or, for Jekyll, space) separated string."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value)
    parts = text.split(",") if "," in text or not split_spaces else text.split()
    return [p.strip() for p in parts if p.strip()]


def title_from_name(stem: str) -> str:
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else stem


@dataclass
class FileName:
    """What a file's name says: ``2019-02-03-hello.fr.md`` -> date, slug, language."""

    stem: str
    slug: str
    date: datetime | None
    lang: str


def parse_file_name(path: Path, *, bundle: bool = False, date_prefix: bool = True) -> FileName:
    """The slug, date and language a file name (or, for a page bundle's ``index.md``, its
    folder's name) carries. An impossible date in the name raises ``FrontMatterError``."""
    stem = path.parent.name if bundle else path.name.rsplit(".", 1)[0]
    lang = ""
    if not bundle:
        match = LANG_SUFFIX_RE.match(stem)
        if match and match.group("lang")[:2].lower() in LANGUAGES:
            stem, lang = match.group("stem"), match.group("lang").replace("_", "-")
    elif (suffix := LANG_SUFFIX_RE.match(path.name.rsplit(".", 1)[0])) is not None and (
        suffix.group("lang")[:2].lower() in LANGUAGES
    ):
        lang = suffix.group("lang").replace("_", "-")
    file_date = None
    rest = stem
    match = FILE_DATE_RE.match(stem) if date_prefix else None
    if match:
        try:
            file_date = datetime.strptime(match.group("date"), "%Y-%m-%d")
        except ValueError as exc:
            raise FrontMatterError(
                f"the date in the file name, {match.group('date')}, does not exist"
            ) from exc
        rest = match.group("rest")
    return FileName(stem=rest, slug=slugify(rest) or slugify(stem), date=file_date, lang=lang)


# --- the shared conventions -------------------------------------------------------------------

# Keys that order a post within its series (see ``importers.series``), first found wins.
SERIES_ORDER_KEYS = ("series_index", "series_order", "series_weight", "series_position",
                     "part", "weight")


def series_order_of(meta: dict) -> tuple[str, float] | None:
    """(the key, the number) that orders this post in its series, or None."""
    for key in SERIES_ORDER_KEYS:
        value: Any = meta.get(key)
        if value in (None, "") or isinstance(value, bool):
            continue
        try:
            return key, float(value)
        except (TypeError, ValueError):
            continue
    return None



def lower_keys(meta: dict) -> dict:
    """Keys compared without case (Pelican's ``Title``, WordPress's ``Status``)."""
    return {str(k).lower(): v for k, v in meta.items()}


def status_of(meta: dict, notes: list[str]) -> str:
    """The post's status from ``status``, ``draft`` and ``published``."""
    status = DRAFT if as_bool(meta.get("draft", False), "draft") else PUBLISHED
    if "published" in meta and not as_bool(meta["published"], "published"):
        status = DRAFT
    raw = meta.get("status")
    if raw not in (None, ""):
        word = str(raw).strip().lower()
        if word in ("published", "publish", "public", "live"):
            status = DRAFT if status == DRAFT and "draft" in meta else PUBLISHED
        elif word in ("draft", "pending", "future", "scheduled"):
            status = DRAFT
        elif word in ("hidden", "private", "unlisted"):
            status = DRAFT
            notes.append(
                f"status {raw!r} imported as a draft: pressmark has no unlisted posts"
            )
        elif word in ("trashed", "trash"):
            status = TRASHED
        else:
            raise FrontMatterError(
                f"unknown status {raw!r} (expected published, draft or hidden)"
            )
    return status


def post_from_meta(
    meta: dict,
    body: str,
    *,
    name: FileName,
    path: Path | None = None,
    split_tag_spaces: bool = False,
    extra_categories: list[str] | None = None,
    extra_tags: list[str] | None = None,
    ignore_keys: set[str] | frozenset[str] = frozenset(),
    timezone: str | None = None,
    added: Callable[[Path], datetime | None] | None = None,
) -> Entry:
    """Build the ``Entry`` for one file from its (lower-cased) metadata and body.

    Raises ``FrontMatterError`` with the reason when a value cannot be understood.
    """
    notes: list[str] = []
    meta = lower_keys(meta)
    taxonomies = meta.get("taxonomies") if isinstance(meta.get("taxonomies"), dict) else {}
    title = meta.get("title")
    if title is None or str(title).strip() == "":
        title = title_from_name(name.stem)
        notes.append(f"no title: “{title}” taken from the file name")
    title = title_text(str(title), notes)
    raw_slug = str(meta.get("slug") or "").strip()
    # A translation ("post.fr.md") gets its own slug beside the original's: "post-fr".
    slug = raw_slug or (f"{name.slug}-{slugify(name.lang)}" if name.lang else name.slug)
    if raw_slug and not SLUG_RE.match(raw_slug):
        slug = slugify(raw_slug)
        notes.append(f"slug {raw_slug!r} written as {slug!r}")
    published_at = None
    for key in ("date", "publishdate", "pubdate", "published_at"):
        if meta.get(key) not in (None, ""):
            published_at = as_datetime(meta[key], key, timezone)
            break
    if published_at is None:
        published_at = name.date
    updated_at = None
    for key in ("lastmod", "modified", "updated", "last_modified_at", "updated_at"):
        if meta.get(key) not in (None, ""):
            updated_at = as_datetime(meta[key], key, timezone)
            break
    status = status_of(meta, notes)
    if status == PUBLISHED and published_at is None and path is not None and added:
        published_at = added(path)
        if published_at is not None:
            notes.append(f"date taken from the Git history (first added {published_at:%Y-%m-%d})")
    if status == PUBLISHED and published_at is None:
        if path is not None and path.exists():
            published_at = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(
                tzinfo=None, microsecond=0
            )
            notes.append("no date: the file's modification time was used")
        else:
            raise FrontMatterError("'date' is missing (a published post needs its date)")
    categories = as_list(meta.get("categories"), split_spaces=split_tag_spaces)
    categories += as_list(meta.get("category"))
    categories += as_list(taxonomies.get("categories")) + list(extra_categories or [])
    topic_name = None
    topic = str(meta.get("topic") or "").strip() or None
    if topic is None and categories:
        topic_name = categories[0]
        topic = slugify(topic_name) or None
    tags = as_list(meta.get("tags"), split_spaces=split_tag_spaces)
    tags += as_list(meta.get("tag"), split_spaces=split_tag_spaces)
    tags += as_list(taxonomies.get("tags")) + list(extra_tags or [])
    if len(categories) > 1:
        tags += categories[1:]
        notes.append("categories after the first kept as tags: " + ", ".join(categories[1:]))
    featured = False
    if "featured" in meta:
        try:
            featured = as_bool(meta["featured"], "featured")
        except FrontMatterError:
            notes.append(f"featured: {meta['featured']!r} is not a yes or no; not featured")
    summary = ""
    for key in ("summary", "description", "excerpt"):
        if meta.get(key):
            summary = str(meta[key]).strip()
            break
    old_urls: list[str] = []
    for key in ("aliases", "alias", "redirect_from"):
        old_urls += as_list(meta.get(key))
    for key in ("url", "permalink"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip() and key not in ignore_keys:
            old_urls.append(value.strip())
    lang = str(meta.get("lang") or meta.get("language") or name.lang or "").strip()
    series = as_list(meta.get("series")) + as_list(taxonomies.get("series"))
    authors = as_list(meta.get("authors")) + as_list(meta.get("author"))
    order = series_order_of(meta) if series else None
    if meta.get("weight") not in (None, "") and (order is None or order[0] != "weight"):
        notes.append(f"weight {meta['weight']!r} not kept: posts are ordered by date")
    known = KNOWN_KEYS | covers.KEYS | {
        f.front_matter_key for f in postdata.FIELDS if f.front_matter_key}
    leftover = sorted(k for k in meta if k not in known and k not in ignore_keys
                      and not (k == "extra" and isinstance(meta[k], dict)))
    if isinstance(meta.get("extra"), dict):  # Zola's [extra]: its cover keys are read
        leftover += sorted(f"extra.{k}" for k in meta["extra"]
                           if str(k).lower() not in covers.EXTRA_KEYS + covers.ALT_KEYS)
    leftover += sorted(f"taxonomies.{k}" for k in taxonomies if k not in ("tags", "categories",
                                                                         "series"))
    if leftover:
        notes.append("not kept: " + ", ".join(leftover))
    created_at = as_datetime(meta.get("created_at"), "created_at")
    data = PostData(
        title=str(title).strip(),
        slug=slug,
        summary=summary,
        topic=topic,
        tags=tags,
        featured=featured,
        status=status,
        published_at=published_at,
        body=body,
        created_at=created_at,
        # Without an updated date a post last changed when it was published.
        updated_at=updated_at or published_at,
        language=lang,
    )
    # Fields declared in postdata that no rule above reads (added later) follow its rules.
    for kind in postdata.FIELDS:
        key = kind.front_matter_key
        if kind.name not in HANDLED_FIELDS and key and key in meta:
            try:
                setattr(data, kind.name, kind.from_front_matter(meta[key]))
            except ValueError as exc:
                raise FrontMatterError(str(exc)) from exc
    is_page = False
    if "page" in meta:
        try:
            is_page = as_bool(meta["page"], "page")
        except FrontMatterError:
            notes.append(f"page: {meta['page']!r} is not a yes or no; imported as a post")
    before_trash = meta.get("status_before_trash")
    redirect_to = as_list(meta.get("redirect_to"))
    layout = str(meta.get("layout") or "").strip().lower()
    if not redirect_to and layout == "redirect":  # a stub written for a redirect layout
        redirect_to = as_list(meta.get("redirect") or meta.get("target"))
    return Entry(
        redirect_to=redirect_to[0] if redirect_to else None,
        name="",
        data=data,
        notes=notes,
        old_urls=old_urls,
        topic_name=topic_name,
        series=series[0] if series else None,
        authors=authors,
        status_before_trash=str(before_trash) if before_trash else None,
        is_page=is_page,
        series_order=order[1] if order else None,
        order_key=order[0] if order else "",
    )
