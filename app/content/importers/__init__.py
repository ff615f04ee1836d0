"""``pressmark import``: posts from Hugo, Jekyll, Pelican, Eleventy, Zola, WordPress, Ghost
or plain Markdown, with every old URL kept as an alias and every file accounted for.

One module per source format finds the posts and knows the generator's conventions and URL
rules; ``frontmatter`` reads metadata, ``entry`` gives the shared keys their meaning,
``convert`` turns shortcodes and Liquid tags into Markdown (a plugin hook adds converters),
``html`` turns WordPress and Ghost HTML into Markdown, ``permalinks`` works out old URLs and
makes aliases safe, and ``report`` accounts for every file. This module runs an import:

- each post is saved with ``store.save_post`` (kind "import") in its own transaction, so a
  bad file never stops the others and never leaves half a post;
- a slug already taken by a different post is renamed with a suffix (the default),
  skipped, or overwritten, per ``on_conflict``; the very same post (same slug, title and
  date) is skipped as already imported, so importing twice changes nothing;
- ``dry_run`` checks everything and writes nothing;
- page-bundle and WordPress images are stored as uploads (through ``store_image``, given by
  the caller: the content package does not depend on the web package) and their links
  rewritten; WordPress images with no copy beside the export, and featured images given by
  address, are downloaded (``fetch``) unless ``fetch`` is false;
- a featured image becomes the post's cover;
- every file is read before anything is saved, so each series' parts are numbered in the
  source's order (``series``);
- a page is a page in the data that is validated, so the editor's rules for pages apply.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml
from flask import current_app
from pressmark.content import postdata
from pressmark.content.importers import (
    eleventy,
    ghost,
    hugo,
    jekyll,
    markdown,
    pelican,
    wordpress,
    zola,
)
from pressmark.content.importers.convert import converters
from pressmark.content.importers.entry import Entry, failed
from pressmark.content.importers.fetch import Fetcher
from pressmark.content.importers.permalinks import AliasError, normalise_alias
from pressmark.content.importers.report import FAILED, IMPORTED, SKIPPED, UPDATED, ImportReport
from pressmark.content.importers.series import number_parts
from pressmark.content.importers.topics import TOPICS_FILE, import_topics
from pressmark.content.models import (
    Alias,
    Post,
    Revision,
    User,
    page_path,
    post_path,
    slugify,
)
from pressmark.content.postdata import PostData
from pressmark.content.store import ValidationError, page_slug_problem, save_post, validate
from pressmark.content.uploads.images import UPLOAD_NAME_RE
from pressmark.extensions import db
from sqlalchemy import func, or_, select

FORMATS = ("hugo", "jekyll", "pelican", "eleventy", "zola", "wordpress", "ghost", "markdown")
CONFLICT_POLICIES = ("rename", "skip", "update")
HISTORY_FILE = "history.jsonl"
UPLOADS_DIR = "uploads"
# Folder formats in the order they are tried; plain Markdown is the fallback.
DETECTORS = (
    ("pelican", pelican.detect),
    ("jekyll", jekyll.detect),
    ("eleventy", eleventy.detect),
    ("zola", zola.detect),
    ("hugo", hugo.detect),
)
FOLDER_SOURCES = {
    "hugo": hugo.HugoSource,
    "jekyll": jekyll.JekyllSource,
    "pelican": pelican.PelicanSource,
    "eleventy": eleventy.EleventySource,
    "zola": zola.ZolaSource,
    "markdown": markdown.MarkdownSource,
}

StoreImage = Callable[[Path], str]  # an image file -> its URL on this site


class SourceError(ValueError):
    """A source that cannot be imported at all (a missing path, a format that does not fit)."""


def detect_format(path: str | Path) -> str:
    """The source format of ``path``: a WordPress or Ghost export file, or a generator's
    folder recognised by its configuration; plain ``markdown`` otherwise."""
    path = Path(path)
    if path.is_file():
        if wordpress.detect(path):
            return "wordpress"
        if ghost.detect(path):
            return "ghost"
        raise SourceError(
            f"{path.name} is neither a WordPress export (.xml) nor a Ghost export (.json); "
            "give a folder for Markdown sources"
        )
    for name, detect in DETECTORS:
        if detect(path):
            return name
    return "markdown"


def entries(path: Path, source_format: str, permalink: str | None) -> Iterator[Entry]:
    table = converters(current_app._get_current_object())
    if source_format in ("wordpress", "ghost"):
        if not path.is_file():
            raise SourceError(f"a {source_format} import reads an export file, not a folder")
        cls = wordpress.WordPressSource if source_format == "wordpress" else ghost.GhostSource
        yield from cls(path, converters=table, permalink=permalink).entries()
        return
    if not path.is_dir():
        raise SourceError(f"a {source_format} import reads a folder")
    source = FOLDER_SOURCES[source_format](path, converters=table, permalink=permalink)
    for file in source.files():
        try:
            yield source.read(file)
        except Exception as exc:  # noqa: BLE001 - one odd file never stops the others
            yield failed(source.display_name(file), f"could not be read: {exc!r}")


def import_source(
    path: str | Path,
    source_format: str | None = None,
    *,
    dry_run: bool = False,
    on_conflict: str = "rename",
    permalink: str | None = None,
    store_image: StoreImage | None = None,
    fetch: bool = True,
) -> ImportReport:
    """Import every post found at ``path``; see the module's docstring for the rules.

    Raises ``SourceError`` when the source as a whole cannot be read; every problem with
    one file is a line of the report instead.
    """
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path} does not exist")
    if on_conflict not in CONFLICT_POLICIES:
        raise SourceError(f"--on-conflict must be one of {', '.join(CONFLICT_POLICIES)}")
    source_format = source_format or detect_format(path)
    if source_format not in FORMATS:
        raise SourceError(f"unknown format {source_format!r} (one of {', '.join(FORMATS)})")
    report = ImportReport(source_format=source_format, dry_run=dry_run)
    topics = path / TOPICS_FILE if path.is_dir() else None
    if topics is not None and topics.is_file():
        # Reported when it fails; the posts are what the totals count.
        try:
            import_topics(topics, dry_run=dry_run)
        except (yaml.YAMLError, KeyError, TypeError) as exc:
            db.session.rollback()
            report.add(TOPICS_FILE, FAILED, f"cannot read topics: {exc}")
    history = read_history(path / HISTORY_FILE) if path.is_dir() else {}
    if source_format == "markdown" and store_image is not None and not dry_run:
        # pressmark's export: uploads/ keeps their content-hash names, so links stay valid.
        for image in sorted((path / UPLOADS_DIR).glob("*")) if path.is_dir() else []:
            # Renditions (<sha>-800w.webp...) in an older export are made again, not stored.
            if image.is_file() and UPLOAD_NAME_RE.match(image.name):
                store_image(image)
    fetcher = None
    if fetch and not dry_run:
        fetcher = Fetcher(limit=int(current_app.config["UPLOAD_MAX_BYTES"]))
    found = list(entries(path, source_format, permalink))
    number_parts(found)
    try:
        for entry in found:
            try:
                _import_entry(entry, report, dry_run=dry_run, on_conflict=on_conflict,
                              store_image=store_image, history=history, fetcher=fetcher)
            except Exception as exc:  # noqa: BLE001 - one odd post never stops the others
                db.session.rollback()
                report.add(entry.name, FAILED, f"could not be imported: {exc!r}", entry.notes)
    finally:
        if fetcher is not None:
            fetcher.close()
    return report


def read_history(path: Path) -> dict[str, list[dict]]:
    """``history.jsonl`` (written by ``export --with-history``): revisions by post slug."""
    found: dict[str, list[dict]] = {}
    if not path.is_file():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            found.setdefault(record["post"], []).append(record)
    return found


# --- one post -------------------------------------------------------------------------------


def _import_entry(entry: Entry, report: ImportReport, *, dry_run: bool, on_conflict: str,
                  store_image: StoreImage | None, history: dict[str, list[dict]],
                  fetcher: Fetcher | None = None) -> None:
    if entry.error is not None:
        report.add(entry.name, FAILED, entry.error)
        return
    if entry.skip is not None:
        report.add(entry.name, SKIPPED, entry.skip)
        return
    data, notes = entry.data, entry.notes
    source_slug = data.slug
    # A page is a page in the data that is validated, so the editor's rules apply to it
    # (a reserved address, no series); only a new post takes the flag (see ``save_post``).
    data.is_page = entry.is_page
    if entry.series and not data.series:
        data.series = entry.series
    if data.is_page and data.series:
        notes.append(f"series {data.series!r} not kept: a page is not part of a series")
        data.series, data.series_position = "", None
    try:
        aliases = _aliases(entry)
    except AliasError as exc:
        report.add(entry.name, FAILED, str(exc), notes)
        return
    existing = db.session.scalar(select(Post).where(Post.slug == data.slug)) if data.slug else None
    target = None
    records = history.get(source_slug, [])
    if existing is not None:
        same = existing.title == data.title and existing.published_at == data.published_at
        if same and on_conflict != "update":
            report.add(entry.name, SKIPPED, f"already imported as {existing.path}", notes)
            return
        if on_conflict == "skip":
            report.add(entry.name, SKIPPED,
                       f"the slug {data.slug!r} is taken by “{existing.title}”", notes)
            return
        if on_conflict == "update":
            target = existing
            records = _new_records(existing, records)
        else:
            data.slug = _free_slug(data.slug, page=data.is_page)
            notes.append(f"the slug {source_slug!r} was taken: imported as {data.slug!r}")
    if target is None and data.is_page and data.slug and (
            problem := page_slug_problem(data.slug)):
        if on_conflict == "skip":
            report.add(entry.name, SKIPPED, problem, notes)
            return
        data.slug = _free_slug(data.slug, page=True)
        notes.append(f"{problem.removesuffix(' choose another slug.').rstrip(';')}: "
                     f"imported as {data.slug!r}")
    own_path = page_path(data.slug) if (target or data).is_page else post_path(data.slug)
    kept, dropped = [], []
    for alias in aliases:
        owner = db.session.scalar(select(Alias).where(Alias.path == alias))
        if alias in (own_path, "/") or (owner is not None and owner.post is not target):
            dropped.append(alias)
        else:
            kept.append(alias)
    if dropped:
        notes.append("old URLs already in use, not kept: " + ", ".join(dropped))
    data.aliases = kept
    authors = _match_authors(entry.authors, notes)
    outcome = UPDATED if target is not None else IMPORTED
    if dry_run:
        if target is not None and not records and _unchanged(target, data, authors):
            report.add(entry.name, SKIPPED, f"already imported as {target.path}, unchanged",
                       notes)
            return
        try:
            validate(copy.deepcopy(data), target)
        except ValidationError as exc:
            report.add(entry.name, FAILED, "; ".join(exc.errors.values()), notes)
            return
        finally:
            db.session.rollback()
        downloads = len(entry.remote_images) + bool(entry.cover_url and not entry.cover_file)
        if downloads:
            notes.append(f"{downloads} image(s) to download from the old site")
        if target is not None and (entry.uploads or entry.cover_file or downloads):
            notes.append("its images are compared only when they are stored: the real run "
                         "may find this post unchanged")
        report.add(entry.name, outcome, _detail(own_path, kept), notes)
        return
    try:
        _store_images(entry, store_image, notes, fetcher)
    except ValueError as exc:
        report.add(entry.name, FAILED, f"an image could not be imported: {exc}", notes)
        return
    # Compared once the images are uploads (stored by content, so the same each run).
    if target is not None and not records and _unchanged(target, data, authors):
        report.add(entry.name, SKIPPED, f"already imported as {target.path}, unchanged", notes)
        return

    def finish(post: Post) -> None:
        if entry.status_before_trash:
            post.status_before_trash = entry.status_before_trash
        topic = post.topic
        if entry.topic_name and topic is not None and topic.name == _default_name(topic.slug):
            topic.name = entry.topic_name[:120]
        if authors:
            post.authors = authors
        for record in records:
            db.session.add(_revision(post, record))

    try:
        post = save_post(data, target, kind="import", before_commit=finish)
    except ValidationError as exc:
        report.add(entry.name, FAILED, "; ".join(exc.errors.values()), notes)
        return
    except Exception as exc:  # noqa: BLE001 - one bad post never stops the others
        db.session.rollback()
        report.add(entry.name, FAILED, f"could not be saved: {exc}", notes)
        return
    report.add(entry.name, outcome, _detail(post.path, kept), notes)


def _unchanged(post: Post, data: PostData, authors: list[User]) -> bool:
    """True when saving ``data`` over ``post`` would change nothing a reader or the author
    sees, so that running an update import again adds no revision."""
    cleaned = postdata.clean(copy.deepcopy(data))
    mine, theirs = postdata.of_post(post), postdata.of_data(cleaned)
    differing = {key for key in mine if mine[key] != theirs[key]}
    if not cleaned.authors:
        differing.discard("authors")  # the bylines the file names are compared below
    if cleaned.series_position is None:
        differing.discard("series_position")  # an empty part keeps the post's own
    if differing or (authors and list(post.authors) != authors):
        return False
    if data.language is not None and (post.language or "") != data.language:
        return False
    return set(data.aliases) <= {alias.path for alias in post.aliases}


def _new_records(post: Post, records: list[dict]) -> list[dict]:
    """The history records not yet stored under ``post`` (matched by time, kind, version)."""
    from pressmark.content.importers.entry import as_datetime

    have = {(r.created_at, r.kind, r.version) for r in post.revisions}
    return [r for r in records
            if (as_datetime(r.get("created_at"), "created_at"), r.get("kind") or "save",
                int(r.get("version") or 1)) not in have]


def _default_name(slug: str) -> str:
    """The name ``get_or_create_topic`` gives a topic it creates."""
    return slug.replace("-", " ").title()


def _detail(path: str, aliases: list[str]) -> str:
    text = path
    if aliases:
        text += " (old URLs: " + ", ".join(aliases) + ")"
    return text


def _aliases(entry: Entry) -> list[str]:
    found: list[str] = []
    for raw in entry.old_urls:
        alias = normalise_alias(raw)
        if alias not in found:
            found.append(alias)
    return found


def _free_slug(slug: str, *, page: bool = False) -> str:
    """``slug-2``, ``slug-3``...: the first no post uses and no old address holds; for a
    page, also the first that is not one of the site's own addresses."""
    prefix = "/" if page else "/posts/"
    taken = set(db.session.scalars(
        select(Post.slug).where(or_(Post.slug == slug, Post.slug.like(f"{slug}-%")))
    ))
    taken |= {path.removeprefix(prefix) for path in db.session.scalars(
        select(Alias.path).where(Alias.path.like(f"{prefix}{slug}%")))}
    number = 2
    while f"{slug}-{number}" in taken or (page and page_slug_problem(f"{slug}-{number}")):
        number += 1
    return f"{slug}-{number}"


def _match_authors(names: list[str], notes: list[str]) -> list[User]:
    found: list[User] = []
    for name in names:
        user = db.session.scalar(select(User).where(or_(
            func.lower(User.username) == name.lower(),
            User.slug == slugify(name),
            func.lower(User.display_name) == name.lower(),
        )))
        if user is None:
            notes.append(f"author {name!r} has no account here: not recorded as the author")
        elif user not in found:
            found.append(user)
    return found


def _store_images(entry: Entry, store_image: StoreImage | None, notes: list[str],
                  fetcher: Fetcher | None) -> None:
    """Store the post's images as uploads and point its links at them; a local file that
    is refused fails the post (raises ``ValueError``), a download that fails is noted."""
    _store_cover(entry, store_image, notes, fetcher)
    _store_remote(entry, store_image, notes, fetcher)
    if not entry.uploads:
        return
    if store_image is None:
        notes.append(f"{len(entry.uploads)} image(s) not imported (no upload folder)")
        return
    body = entry.data.body
    for link, file in entry.uploads.items():
        body = _relink(body, link, store_image(file))
    entry.data.body = body
    notes.append(f"{len(entry.uploads)} image(s) imported as uploads")


def _relink(body: str, link: str, url: str) -> str:
    """``body`` with every Markdown or HTML reference to ``link`` pointing at ``url``."""
    for before, after in (("](", ")"), ("](<", ">)"), ("](", " "), ('src="', '"'),
                          ("src='", "'"), ('href="', '"'), ("href='", "'")):
        closing = ")" if after == ">)" else after
        body = body.replace(f"{before}{link}{after}", f"{before.rstrip('<')}{url}{closing}")
    return body


def _store_remote(entry: Entry, store_image: StoreImage | None, notes: list[str],
                  fetcher: Fetcher | None) -> None:
    """Download the images the body links to on the old site, and relink them."""
    urls = entry.remote_images
    if not urls:
        return
    if fetcher is None or store_image is None:
        notes.append(f"{len(urls)} image(s) left at the old address (no copy beside the "
                     f"export, and downloads are off): {urls[0]}")
        return
    body, stored = entry.data.body, 0
    for url in urls:
        try:
            body = _relink(body, url, store_image(fetcher.get(url)))
            stored += 1
        except ValueError as exc:  # a failed download, or a file that is no image
            notes.append(f"image not downloaded, left at its old address: {url}: {exc}")
    entry.data.body = body
    if stored:
        notes.append(f"{stored} image(s) downloaded from the old site as uploads")


def _store_cover(entry: Entry, store_image: StoreImage | None, notes: list[str],
                 fetcher: Fetcher | None) -> None:
    """Store the featured image as an upload and make it the post's cover, with the
    source's alt text (else the title, noted: the editor asks for one)."""
    if entry.cover_file is None and entry.cover_url:
        if fetcher is None or store_image is None:
            notes.append(f"featured image not downloaded (downloads are off): {entry.cover_url}")
            return
        try:
            entry.cover_file = fetcher.get(entry.cover_url)
            entry.data.cover_image = store_image(entry.cover_file)
        except ValueError as exc:
            notes.append(f"featured image not downloaded: {entry.cover_url}: {exc}; no cover")
            entry.cover_file = None
            return
    if entry.cover_file is None:
        return
    if store_image is None:
        notes.append("featured image not imported (no upload folder)")
        return
    if not entry.data.cover_image:
        entry.data.cover_image = store_image(entry.cover_file)
    alt = " ".join(entry.cover_alt.split())[:300]
    if not alt:
        alt = entry.data.title[:300]
        notes.append("the cover has no alt text in the source: the title is used; "
                     "describe the image in the editor")
    entry.data.cover_alt = alt
    notes.append("cover image imported: " + (entry.cover_url or entry.cover_file.name))


def _revision(post: Post, record: dict) -> Revision:
    """A revision from ``history.jsonl`` (see ``export.history_record``)."""
    from pressmark.content.importers.entry import as_datetime

    user = None
    if record.get("user"):
        user = db.session.scalar(select(User).where(User.username == record["user"]))
    return Revision(
        post=post,
        user=user,
        created_at=as_datetime(record.get("created_at"), "created_at"),
        kind=record.get("kind") or "save",
        version=int(record.get("version") or 1),
        title=record.get("title") or "",
        slug=record.get("slug") or "",
        summary=record.get("summary") or "",
        body=record.get("body") or "",
        topic_slug=record.get("topic") or None,
        tags=",".join(record.get("tags") or []),
        featured=bool(record.get("featured")),
        status=record.get("status") or "draft",
        published_at=as_datetime(record.get("published_at"), "published_at"),
        series_title=record.get("series_title") or "",
        series_position=record.get("series_position"),
    )
