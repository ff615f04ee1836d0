"""Ghost: the JSON file of Settings -> Labs -> Export (``{"db": [{"meta":..., "data":...}]}``,
or the older ``{"meta":..., "data":...}``).

Posts and pages are imported with their ``html`` converted to Markdown (Koenig cards are
kept as HTML); ``status`` published, scheduled and sent are published, drafts are drafts;
``custom_excerpt`` is the summary, ``featured`` featured; tags keep their order, Ghost's
internal ``#tags`` are left out (noted); authors are matched to accounts. The old URL is
Ghost's default ``/<slug>/``, or ``--permalink`` (``/:year/:month/:day/:slug/`` for a site
with a dated ``routes.yaml``). Members-only posts are imported as drafts, noted. The
``feature_image`` becomes the cover (its alt text from ``posts_meta``): a copy of Ghost's
``content/images/`` folder beside the export is used, else an ``http(s)`` address is
downloaded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pressmark.content.models import DRAFT, PUBLISHED, slugify
from pressmark.content.postdata import PostData
from pressmark.migrate.toolkit.convert import Converter
from pressmark.migrate.toolkit.entry import Entry, as_bool, as_datetime, failed, skipped
from pressmark.migrate.toolkit.frontmatter import FrontMatterError
from pressmark.migrate.toolkit.html import to_markdown
from pressmark.migrate.toolkit.permalinks import PermalinkContext, expand

GHOST_URL = "__GHOST_URL__"  # how Ghost 4+ writes the site's own address in an export
STATUSES = {"published": PUBLISHED, "scheduled": PUBLISHED, "sent": PUBLISHED,
            "draft": DRAFT}


def load(path: Path) -> dict | None:
    """The export's ``data`` mapping, or None if the file is not a Ghost export."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(doc, dict) and isinstance(doc.get("db"), list) and doc["db"]:
        doc = doc["db"][0]
    if isinstance(doc, dict) and isinstance(doc.get("data"), dict) and "posts" in doc["data"]:
        return doc["data"]
    return None


def detect(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".json" and load(path) is not None


@dataclass
class GhostSource:
    path: Path
    converters: Mapping[str, Converter] = field(default_factory=dict)
    permalink: str | None = None
    name: str = "ghost"

    def entries(self) -> Iterator[Entry]:
        data = load(self.path)
        if data is None:
            yield failed(self.path.name, "not a Ghost export (no data.posts)")
            return
        tags = {t.get("id"): t for t in data.get("tags") or []}
        users = {u.get("id"): u for u in data.get("users") or []}
        post_tags: dict[str, list] = {}
        for link in sorted(data.get("posts_tags") or [], key=lambda r: r.get("sort_order") or 0):
            post_tags.setdefault(link.get("post_id"), []).append(tags.get(link.get("tag_id")))
        self.posts_meta = {m.get("post_id"): m for m in data.get("posts_meta") or []}
        settings = {s.get("key"): s.get("value") for s in data.get("settings") or []
                    if isinstance(s, dict)}
        # The site's own permalink setting (Ghost 0.x-3.x keep it in settings), else /:slug/.
        self.pattern = str(settings.get("permalinks") or "/:slug/")
        post_authors: dict[str, list] = {}
        for link in sorted(data.get("posts_authors") or [],
                           key=lambda r: r.get("sort_order") or 0):
            author = users.get(link.get("author_id"))
            post_authors.setdefault(link.get("post_id"), []).append(author)
        for index, post in enumerate(data.get("posts") or [], start=1):
            name = f"{self.path.name}#{post.get('slug') or post.get('id') or index}"
            try:
                yield self.entry(post, name, post_tags.get(post.get("id"), []),
                                 post_authors.get(post.get("id"), []) or
                                 [users.get(post.get("author_id"))])
            except FrontMatterError as exc:
                yield failed(name, str(exc))

    def find_cover(self, entry: Entry, post: dict) -> None:
        """The feature image: Ghost's ``content/images/...`` copied beside the export, or
        an ``http(s)`` address to download; its alt text from the post or ``posts_meta``."""
        image = str(post.get("feature_image") or "").strip()
        if not image:
            return
        meta = self.posts_meta.get(post.get("id"), {})
        entry.cover_alt = str(post.get("feature_image_alt") or meta.get("feature_image_alt")
                              or "")
        path = image.replace(GHOST_URL, "")
        if path.startswith("/content/images/"):
            local = self.path.parent / unquote(path.lstrip("/"))
            try:
                local.resolve().relative_to(self.path.parent.resolve())
            except ValueError:
                local = None
            if local is not None and local.is_file():
                entry.cover_file = local
                return
        if urlsplit(image).scheme in ("http", "https"):
            entry.cover_url = image
            return
        entry.notes.append(f"feature image {image!r} not found beside the export (copy "
                           "Ghost's content/images folder there): no cover")

    def entry(self, post: dict, name: str, tags: list, authors: list) -> Entry:
        notes: list[str] = []
        raw_status = str(post.get("status") or "draft")
        if raw_status not in STATUSES:
            return failed(name, f"unknown status {raw_status!r}")
        status = STATUSES[raw_status]
        if post.get("visibility") not in (None, "public") and status == PUBLISHED:
            status = DRAFT
            notes.append(f"visible to {post['visibility']} only on Ghost: imported as a draft")
        html = post.get("html")
        if html is None:
            if post.get("plaintext"):
                html = "".join(f"<p>{p}</p>" for p in str(post["plaintext"]).split("\n\n"))
                notes.append("no HTML in the export: imported from its plain text")
            else:
                return skipped(name, "no HTML or text in the export (an empty post)")
        body, html_notes = to_markdown(html)
        notes += html_notes
        names = []
        for tag in tags:
            if not tag:
                continue
            if str(tag.get("name", "")).startswith("#") or tag.get("visibility") == "internal":
                notes.append(f"internal tag {tag.get('name')!r} left out")
                continue
            names.append(str(tag.get("name")))
        published_at = as_datetime(post.get("published_at"), "published_at")
        if status == PUBLISHED and published_at is None:
            raise FrontMatterError("a published post without published_at")
        is_page = post.get("type") == "page" or bool(post.get("page"))
        slug = slugify(str(post.get("slug") or "")) or slugify(str(post.get("title") or ""))
        featured = as_bool(post.get("featured") or False, "featured")
        data = PostData(
            title=str(post.get("title") or "").strip() or slug.replace("-", " ").capitalize(),
            slug=slug,
            summary=str(post.get("custom_excerpt") or post.get("meta_description") or ""),
            tags=names,
            featured=featured,
            status=status,
            published_at=published_at,
            body=body,
            created_at=as_datetime(post.get("created_at"), "created_at"),
            updated_at=as_datetime(post.get("updated_at"), "updated_at") or published_at,
            language="",
        )
        entry = Entry(name=name, data=data, notes=notes, is_page=is_page,
                      authors=[str(a.get("name") or a.get("slug")) for a in authors if a])
        self.find_cover(entry, post)
        if status == PUBLISHED:
            # Pages always lived at /:slug/; posts at the site's permalink setting.
            pattern = self.permalink or ("/:slug/" if is_page else self.pattern)
            first = authors[0] if authors and authors[0] else {}
            primary = next((str(t.get("slug") or "") for t in tags
                            if t and not str(t.get("name", "")).startswith("#")), "")
            pattern = (pattern.replace(":author", str(first.get("slug") or ""))
                       .replace(":primary_tag", primary))
            url = expand(pattern, PermalinkContext(
                slug=slug, title_slug=slug, date=published_at, id=str(post.get("id") or ""),
                filename=slug))
            if url:
                entry.old_urls.append(url)
                entry.own_url = url
        return entry
