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
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml
from flask import current_app
from pressmark.content import old_files, postdata
from pressmark.content.models import (
    Alias,
    Post,
    User,
    page_path,
    post_path,
)
from pressmark.content.postdata import PostData
from pressmark.content.store import ValidationError, page_slug_problem, save_post, validate
from pressmark.content.uploads.images import UPLOAD_NAME_RE
from pressmark.extensions import db
from pressmark.migrate import eleventy, ghost, hugo, jekyll, markdown, pelican, wordpress, zola
from pressmark.migrate.toolkit import bylines, claims, images
from pressmark.migrate.toolkit import history as history_records
from pressmark.migrate.toolkit.convert import converters
from pressmark.migrate.toolkit.entry import Entry, failed, skipped
from pressmark.migrate.toolkit.fetch import Fetcher
from pressmark.migrate.toolkit.files import SourceError, inside
from pressmark.migrate.toolkit.images import StoreImage
from pressmark.migrate.toolkit.permalinks import AliasError, normalise_alias
from pressmark.migrate.toolkit.report import (
    FAILED,
    IMPORTED,
    SKIPPED,
    UPDATED,
    ImportReport,
    Line,
)
from pressmark.migrate.toolkit.series import number_parts
from pressmark.migrate.toolkit.topics import TOPICS_FILE, import_topics
from sqlalchemy import or_, select

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

Planned = dict[str, set[str]]




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
    for name, why in source.problems:
        fallback = ("--permalink is used for old URLs" if permalink else
                    "the generator's defaults are used for old URLs: give --permalink if "
                    "the old site used another rule")
        yield skipped(name, f"{why}: {fallback}")
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
    on_line: Callable[[Line], None] | None = None,
) -> ImportReport:
    """Import every post found at ``path``; see the module's docstring for the rules.

    ``on_line`` is called with each report line as it is added (the CLI prints it then).

    Raises ``SourceError`` when the source as a whole cannot be read; every problem with
    one file is a line of the report instead.
    """
    # "../blog" and "~/blog" work: every path below is the resolved one.
    path = Path(path).expanduser()
    if not path.exists():
        raise SourceError(f"{path} does not exist")
    path = path.resolve()
    if on_conflict not in CONFLICT_POLICIES:
        raise SourceError(f"--on-conflict must be one of {', '.join(CONFLICT_POLICIES)}")
    source_format = source_format or detect_format(path)
    if source_format not in FORMATS:
        raise SourceError(f"unknown format {source_format!r} (one of {', '.join(FORMATS)})")
    report = ImportReport(source_format=source_format, dry_run=dry_run, on_line=on_line)
    topics = path / TOPICS_FILE if path.is_dir() else None
    if topics is not None and topics.is_file():
        # Reported when it fails; the posts are what the totals count.
        try:
            import_topics(topics, dry_run=dry_run)
        except (yaml.YAMLError, KeyError, TypeError) as exc:
            db.session.rollback()
            report.add(TOPICS_FILE, FAILED, f"cannot read topics: {exc}")
    history = history_records.read_history(path / HISTORY_FILE) if path.is_dir() else {}
    if source_format == "markdown" and store_image is not None and not dry_run:
        # pressmark's export: uploads/ keeps their content-hash names, so links stay valid.
        for image in sorted((path / UPLOADS_DIR).glob("*")) if path.is_dir() else []:
            # Renditions (<sha>-800w.webp...) in an older export are made again, not stored.
            if not image.is_file() or not UPLOAD_NAME_RE.match(image.name):
                continue
            if inside(image, path):
                store_image(image)
            else:
                report.add(f"{UPLOADS_DIR}/{image.name}", FAILED,
                           "refused: a link to a file outside the source folder")
    fetcher = None
    if fetch and not dry_run:
        config = current_app.config
        fetcher = Fetcher(limit=int(config["UPLOAD_MAX_BYTES"]),
                          deadline=float(config["IMPORT_DOWNLOAD_SECONDS"]),
                          allow_hosts=config["IMPORT_ALLOW_HOSTS"])
    found = list(entries(path, source_format, permalink))
    number_parts(found)
    claims.settle(found)
    # Slugs and old URLs this run gives out, so a dry run names the addresses the real
    # run will (in a real run the database knows them too).
    planned: Planned = {"slugs": set(), "aliases": set()}
    try:
        for entry in found:
            try:
                _import_entry(entry, report, dry_run=dry_run, on_conflict=on_conflict,
                              store_image=store_image, history=history, fetcher=fetcher,
                              planned=planned)
            except Exception as exc:  # noqa: BLE001 - one odd post never stops the others
                db.session.rollback()
                report.add(entry.name, FAILED, f"could not be imported: {exc!r}", entry.notes)
    finally:
        if fetcher is not None:
            fetcher.close()
    return report


# --- one post -------------------------------------------------------------------------------


def _import_entry(entry: Entry, report: ImportReport, *, dry_run: bool, on_conflict: str,
                  store_image: StoreImage | None, history: dict[str, list[dict]],
                  fetcher: Fetcher | None = None, planned: Planned | None = None) -> None:
    planned = planned if planned is not None else {"slugs": set(), "aliases": set()}
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
    if existing is None and data.slug in planned["slugs"] and on_conflict != "update":
        # Taken by an earlier file of this run (only a dry run gets here: nothing written).
        data.slug = _free_slug(data.slug, page=data.is_page, planned=planned)
        notes.append(f"the slug {source_slug!r} was taken: imported as {data.slug!r}")
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
            records = history_records.new_records(existing, records)
        else:
            data.slug = _free_slug(data.slug, page=data.is_page, planned=planned)
            notes.append(f"the slug {source_slug!r} was taken: imported as {data.slug!r}")
    if target is None and data.is_page and data.slug and (
            problem := page_slug_problem(data.slug)):
        if on_conflict == "skip":
            report.add(entry.name, SKIPPED, problem, notes)
            return
        data.slug = _free_slug(data.slug, page=True, planned=planned)
        notes.append(f"{problem.removesuffix(' choose another slug.').rstrip(';')}: "
                     f"imported as {data.slug!r}")
    own_path = page_path(data.slug) if (target or data).is_page else post_path(data.slug)
    kept = _keep_aliases(aliases, own_path, target, planned, notes)
    data.aliases = kept
    planned["slugs"].add(data.slug)
    planned["aliases"].update(kept)
    authors = bylines.match_authors(entry.authors, notes, dry_run=dry_run)
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
        line = report.add(entry.name, outcome, _detail(own_path, kept), notes)
        line.address, line.old_urls = own_path, kept
        return
    try:
        images.store_images(entry, store_image, notes, fetcher)
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
        for old, url in entry.old_files:
            old_files.keep(old, url)
        for record in records:
            db.session.add(history_records.revision(post, record))

    try:
        post = save_post(data, target, kind="import", before_commit=finish)
    except ValidationError as exc:
        report.add(entry.name, FAILED, "; ".join(exc.errors.values()), notes)
        return
    except Exception as exc:  # noqa: BLE001 - one bad post never stops the others
        db.session.rollback()
        report.add(entry.name, FAILED, f"could not be saved: {exc}", notes)
        return
    line = report.add(entry.name, outcome, _detail(post.path, kept), notes)
    line.address, line.old_urls = post.path, kept


def _keep_aliases(aliases: list[str], own_path: str, target: Post | None, planned: Planned,
                  notes: list[str]) -> list[str]:
    """The old URLs the post can keep: not its own address, not the home page, not one
    that another post (or an earlier item of this run) already holds."""
    kept, dropped = [], []
    for alias in aliases:
        owner = db.session.scalar(select(Alias).where(Alias.path == alias))
        if alias in (own_path, "/") or (owner is not None and owner.post is not target) or (
                owner is None and alias in planned["aliases"]):
            dropped.append(alias)
        else:
            kept.append(alias)
    if dropped:
        notes.append("old URLs already in use, not kept: " + ", ".join(dropped))
    return kept


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


def _free_slug(slug: str, *, page: bool = False, planned: Planned | None = None) -> str:
    """``slug-2``, ``slug-3``...: the first no post uses and no old address holds; for a
    page, also the first that is not one of the site's own addresses."""
    prefix = "/" if page else "/posts/"
    taken = set(db.session.scalars(
        select(Post.slug).where(or_(Post.slug == slug, Post.slug.like(f"{slug}-%")))
    ))
    taken |= {path.removeprefix(prefix) for path in db.session.scalars(
        select(Alias.path).where(Alias.path.like(f"{prefix}{slug}%")))}
    taken |= planned["slugs"] if planned else set()
    number = 2
    while f"{slug}-{number}" in taken or (page and page_slug_problem(f"{slug}-{number}")):
        number += 1
    return f"{slug}-{number}"
