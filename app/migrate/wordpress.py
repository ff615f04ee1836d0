"""WordPress: a WXR export file (Tools -> Export), read with ``defusedxml``.

Each ``<item>`` is one line of the report: posts and pages are imported, attachments
serve to find images, anything else (menu items, blocks, revisions) is skipped with its
type named. For each post:

- ``wp:status``: ``publish`` and ``future`` (scheduled) are published, ``draft``,
  ``pending`` and ``auto-draft`` drafts, ``private`` a draft (noted), ``trash`` trashed
  with its previous status from ``_wp_trash_meta_status``;
- ``wp:post_name`` the slug (percent-decoded and transliterated), ``link`` the old
  permalink (an alias), ``wp:post_date_gmt`` the date, ``wp:post_modified_gmt`` the last
  change, ``wp:is_sticky`` featured;
- the first category (other than "Uncategorized") the topic, the others and the tags tags;
- ``dc:creator`` the author, matched to an account;
- the body HTML converted to Markdown (``importers.html``); WordPress shortcodes are
  converted or kept for the author.

Images under the old site's ``wp-content/uploads/`` are imported from the same path beside
the export file (``wp-content/uploads/2019/02/x.png``) when it exists; otherwise the
importer downloads them from their address (``importers.fetch``), unless told not to.
A post's featured image (``_thumbnail_id``) is found the same way and becomes its cover.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from defusedxml import ElementTree
from pressmark.content.models import DRAFT, PUBLISHED, TRASHED, slugify
from pressmark.content.postdata import PostData
from pressmark.migrate.toolkit.convert import Converter, convert_body
from pressmark.migrate.toolkit.entry import Entry, as_datetime, failed, skipped
from pressmark.migrate.toolkit.files import IMAGE_SUFFIXES
from pressmark.migrate.toolkit.frontmatter import FrontMatterError
from pressmark.migrate.toolkit.html import plain_text, to_markdown
from pressmark.migrate.toolkit.permalinks import PermalinkContext, expand, query_alias

STATUSES = {"publish": PUBLISHED, "future": PUBLISHED, "draft": DRAFT, "pending": DRAFT,
            "auto-draft": DRAFT, "private": DRAFT, "trash": TRASHED}
IMAGE_URL_RE = re.compile(r"""(?:src|href)=["']([^"']+)["']|\]\(([^)\s]+)\)""")


def detect(path: Path) -> bool:
    if not path.is_file() or path.suffix.lower() != ".xml":
        return False
    with path.open("rb") as fh:
        head = fh.read(4096)
    return b"<rss" in head and b"wordpress.org/export" in head


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, name = tag[1:].split("}", 1)
        return ns, name
    return "", tag


def _fields(item) -> dict[str, str]:
    """An item's children as ``prefix:name`` -> text (wp, content, excerpt, dc or bare)."""
    out: dict[str, str] = {}
    for child in item:
        ns, name = _local(child.tag)
        if "wordpress.org/export" in ns:
            prefix = "excerpt" if ns.rstrip("/").endswith("excerpt") else "wp"
        elif "purl.org/rss/1.0/modules/content" in ns:
            prefix = "content"
        elif "purl.org/dc/elements" in ns:
            prefix = "dc"
        else:
            prefix = ""
        key = f"{prefix}:{name}" if prefix else name
        out.setdefault(key, (child.text or ""))
    return out


def _postmeta(item) -> dict[str, str]:
    meta = {}
    for child in item:
        if _local(child.tag)[1] == "postmeta":
            values = {_local(c.tag)[1]: (c.text or "") for c in child}
            meta[values.get("meta_key", "")] = values.get("meta_value", "")
    return meta


def _channel_text(channel, name: str) -> str:
    """The text of the channel's child whose local name is ``name`` ("" when none)."""
    for child in channel:
        if _local(child.tag)[1] == name:
            return (child.text or "").strip()
    return ""


# WordPress's permalink tags as pattern placeholders (see ``permalinks.expand``).
WP_TAGS = {"%year%": ":year", "%monthnum%": ":month", "%day%": ":day", "%hour%": ":hour",
           "%minute%": ":minute", "%second%": ":second", "%post_id%": ":id",
           "%postname%": ":slug", "%category%": ":category", "%author%": ":author"}


def permalink_pattern(structure: str) -> str | None:
    """The site's ``permalink_structure`` (``/%year%/%monthnum%/%postname%/``) as a
    pattern; None for plain permalinks (an empty structure: ``?p=ID`` is the address)."""
    if not structure:
        return None
    for tag, placeholder in WP_TAGS.items():
        structure = structure.replace(tag, placeholder)
    return structure


def _date(value: str) -> object:
    if not value or value.startswith("0000-00-00"):
        return None
    return as_datetime(value, "date")


@dataclass
class WordPressSource:
    path: Path
    converters: Mapping[str, Converter] = field(default_factory=dict)
    permalink: str | None = None
    name: str = "wordpress"

    def entries(self) -> Iterator[Entry]:
        label = self.path.name
        try:
            tree = ElementTree.parse(self.path)
        except (ElementTree.ParseError, ValueError) as exc:
            yield failed(label, f"not a readable WordPress export: {exc}")
            return
        except Exception as exc:  # defusedxml refuses entity tricks with its own errors
            yield failed(label, f"refused: {exc}")
            return
        channel = tree.getroot().find("channel")
        if channel is None:
            yield failed(label, "not a WordPress export: no <channel>")
            return
        items = channel.findall("item")
        site = (channel.findtext("link") or "").rstrip("/")
        # Attachments by id: their address and alt text, for featured images.
        self.attachments: dict[str, tuple[str, str]] = {}
        # Attachment ids by their parent post's id: "/?attachment_id=9" leads to the post.
        self.children: dict[str, list[str]] = {}
        for item in items:
            f = _fields(item)
            if f.get("wp:post_type") == "attachment" and f.get("wp:attachment_url"):
                alt = _postmeta(item).get("_wp_attachment_image_alt", "")
                self.attachments[f.get("wp:post_id", "")] = (f["wp:attachment_url"], alt)
            if f.get("wp:post_type") == "attachment" and f.get("wp:post_parent", "0") != "0":
                self.children.setdefault(f["wp:post_parent"], []).append(f.get("wp:post_id", ""))
        self.structure = permalink_pattern(_channel_text(channel, "permalink_structure"))
        for index, item in enumerate(items, start=1):
            f = _fields(item)
            name = f"{label}#{f.get('wp:post_type') or 'item'}-{f.get('wp:post_id') or index}"
            kind = f.get("wp:post_type", "")
            if kind == "attachment":
                yield skipped(name, "an attachment: its file is imported with the posts using it")
                continue
            if kind not in ("post", "page"):
                yield skipped(name, f"a {kind or 'untyped'} item, not a post or page")
                continue
            try:
                yield self.entry(item, f, name, site)
            except FrontMatterError as exc:
                yield failed(name, str(exc))

    def entry(self, item, f: dict[str, str], name: str, site: str) -> Entry:
        notes: list[str] = []
        raw_status = f.get("wp:status", "")
        if raw_status == "inherit":
            return skipped(name, "a revision of another item")
        if raw_status not in STATUSES:
            return failed(name, f"unknown status {raw_status!r}")
        status = STATUSES[raw_status]
        if raw_status == "private":
            notes.append("private on WordPress: imported as a draft")
        meta = _postmeta(item)
        title = (f.get("title") or "").strip()
        slug = slugify(unquote(f.get("wp:post_name") or "")) or slugify(title)
        if not title:
            title = slug.replace("-", " ").capitalize() or f"Untitled {f.get('wp:post_id', '')}"
            notes.append(f"no title: “{title}” given")
        published_at = _date(f.get("wp:post_date_gmt", "")) or _date(f.get("wp:post_date", ""))
        if status == PUBLISHED and published_at is None:
            raise FrontMatterError("a published item without a date")
        categories, tags = [], []
        for cat in item.findall("category"):
            text = (cat.text or "").strip()
            if cat.get("domain") == "category" and cat.get("nicename") != "uncategorized":
                categories.append(text)
            elif cat.get("domain") == "post_tag":
                tags.append(text)
        body, html_notes = to_markdown(f.get("content:encoded", ""),
                                       paragraphs_by_blank_lines=True)
        notes += html_notes
        converted = convert_body(body, "wordpress", self.converters)
        notes += converted.notes
        data = PostData(
            title=title,
            slug=slug,
            summary=plain_text(f.get("excerpt:encoded", "")),
            topic=slugify(categories[0]) if categories else None,
            tags=tags + categories[1:],
            featured=f.get("wp:is_sticky") == "1",
            status=status,
            published_at=published_at,
            body=converted.text,
            created_at=published_at,
            updated_at=_date(f.get("wp:post_modified_gmt", "")) or published_at,
            language="",
        )
        comments = sum(1 for child in item if _local(child.tag)[1] == "comment")
        if comments:
            notes.append(f"{comments} comment(s) not imported: pressmark has no comments")
        entry = Entry(name=name, data=data, notes=notes, topic_name=categories[0] if categories
                      else None, authors=[f["dc:creator"]] if f.get("dc:creator") else [],
                      is_page=f.get("wp:post_type") == "page")
        if status == TRASHED:
            entry.status_before_trash = STATUSES.get(meta.get("_wp_trash_meta_status", ""), DRAFT)
            slug_meta = meta.get("_wp_desired_post_slug")
            if slug_meta:
                data.slug = slugify(unquote(slug_meta)) or data.slug
        self.old_urls(entry, f, categories)
        self.find_images(entry, site)
        self.find_cover(entry, meta.get("_thumbnail_id", ""))
        return entry

    def old_urls(self, entry: Entry, f: dict[str, str], categories: list[str]) -> None:
        """Every address the item answered at on WordPress: its ``link`` (a plain
        permalink ``/?p=42`` keeps its query), ``/?p=ID`` or ``/?page_id=ID`` (WordPress
        answers them whatever the permalink setting), ``/?attachment_id=ID`` of its
        images, and the ``--permalink`` pattern or the export's ``permalink_structure``."""
        data, post_id = entry.data, f.get("wp:post_id", "")
        if data.status == DRAFT:
            return  # never published: no old address
        link = f.get("link", "")
        if link and (urlsplit(link).path not in ("", "/") or query_alias(link)):
            entry.old_urls.append(link)
            entry.own_url = link
        if post_id.isdigit():
            entry.old_urls.append(f"/?{'page_id' if entry.is_page else 'p'}={post_id}")
            entry.old_urls += [f"/?attachment_id={child}"
                               for child in self.children.get(post_id, []) if child.isdigit()]
        pattern = self.permalink or (self.structure if not entry.is_page else None)
        if pattern and data.published_at is not None:
            url = expand(pattern, PermalinkContext(
                slug=data.slug, title_slug=data.slug, date=data.published_at,
                categories=categories, id=post_id, filename=data.slug))
            if url:
                entry.old_urls.append(url)
            else:
                entry.notes.append(f"old URL not worked out: {pattern!r} needs a value "
                                   "this item lacks")

    def local_copy(self, url: str) -> Path | None:
        """The file beside the export that holds the upload at ``url``, if there is one."""
        path = urlsplit(url).path
        if "/wp-content/uploads/" not in path:
            return None
        local = self.path.parent / unquote(path[path.index("wp-content/uploads/"):])
        try:
            local.resolve().relative_to(self.path.parent.resolve())
        except ValueError:
            return None
        return local if local.is_file() else None

    def find_cover(self, entry: Entry, thumbnail_id: str) -> None:
        """The featured image (``_thumbnail_id``): its attachment, a local copy or its URL."""
        if not thumbnail_id:
            return
        if thumbnail_id not in self.attachments:
            entry.notes.append(f"featured image (attachment {thumbnail_id}) is not in the "
                               "export: no cover")
            return
        url, alt = self.attachments[thumbnail_id]
        entry.cover_alt = alt
        entry.cover_file = self.local_copy(url)
        if entry.cover_file is None:
            entry.cover_url = url

    def find_images(self, entry: Entry, site: str) -> None:
        """Images under the old site's uploads: local copies beside the export are used."""
        missing = []
        for match in IMAGE_URL_RE.finditer(entry.data.body):
            url = match.group(1) or match.group(2)
            path = urlsplit(url).path
            if "/wp-content/uploads/" not in path or not path.lower().endswith(IMAGE_SUFFIXES):
                continue
            local = self.local_copy(url)
            if local is not None:
                entry.uploads[url] = local
            else:
                missing.append(url)
        # Downloaded from the old site by the importer (unless told not to).
        entry.remote_images = list(dict.fromkeys(missing))
