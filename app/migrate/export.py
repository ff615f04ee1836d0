"""``pressmark export DIR``: every post as Markdown with front matter, losslessly.

``DIR`` receives

- ``<slug>.md`` for every post (drafts, scheduled and trashed ones too), its front matter
  holding every field: ``title``, ``slug``, ``date`` (publication), ``updated``,
  ``created_at``, ``summary``, ``topic``, ``tags`` (display names), ``featured``,
  ``status``, ``status_before_trash``, ``page``, ``series``, ``authors`` (user names),
  ``language`` and ``aliases``; the body follows the closing ``---`` line byte for byte;
- ``_topics.yaml``: the topics, in order, with names and descriptions;
- ``uploads/``: every uploaded image, under its content-hash name (links stay valid; the
  resized renditions are not exported, the import makes them again), whether the site
  keeps it as a file or in the database (PostgreSQL's default);
- with ``--with-history``, ``history.jsonl``: one JSON object per line for every revision,
  oldest first: ``post`` (the post's slug), ``created_at``, ``kind``, ``version``, ``user``
  (user name or null) and every field ``postdata.FIELDS`` declares, under its name
  (``title``, ``slug``, ``summary``, ``body``, ``topic``, ``tags``, ``authors``,
  ``featured``, ``cover_image``, ``cover_alt``, ``status``, ``published_at``,
  ``series_title``, ``series_position``). Times are UTC, ISO 8601 with a ``Z``.

``pressmark import DIR`` reads all of it back (``--from markdown``).
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import yaml
from pressmark.content import postdata
from pressmark.content.models import Post, Revision, Topic
from pressmark.content.uploads import storage as upload_store
from pressmark.content.uploads.images import UPLOAD_NAME_RE
from pressmark.extensions import db
from sqlalchemy import select

TOPICS_FILE = "_topics.yaml"
HISTORY_FILE = "history.jsonl"
UPLOADS_DIR = "uploads"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None


def post_to_file(post: Post) -> str:
    """The front-matter file for ``post`` (read back by ``pressmark import``)."""
    meta = postdata.to_front_matter(post) | {
        "updated": _iso(post.updated_at),
        "created_at": _iso(post.created_at),
        "status_before_trash": post.status_before_trash,
        "page": post.is_page,
        "series": post.series.title if post.series else None,
        "authors": [u.username for u in post.authors],
        "language": post.language or "",
        "aliases": [a.path for a in sorted(post.aliases, key=lambda a: a.path)],
    }
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n{post.body}"


# History record keys that differ from the field's name (kept for older history files).
RECORD_KEYS = {"topic": "topic", "series": "series_title"}


def record_key(name: str) -> str:
    """The key of field ``name`` in a ``history.jsonl`` record."""
    return RECORD_KEYS.get(name, name)


def history_record(revision: Revision, slug: str) -> dict:
    """One revision as a JSON object: who, when, and every field ``postdata`` declares, so
    a field added there is exported (and imported, see ``importers.revision_from_record``)
    with no list here to forget."""
    record: dict = {
        "post": slug,
        "created_at": _iso(revision.created_at),
        "kind": revision.kind,
        "version": revision.version,
        "user": revision.user.username if revision.user else None,
    }
    for f in postdata.FIELDS:
        value = f.read_revision(revision)
        record[record_key(f.name)] = _iso(value) if isinstance(value, datetime) else value
    return record


def export_uploads(target: Path) -> int:
    """Copy every uploaded original into ``target``, from both places an upload may live
    (files under ``UPLOAD_FOLDER``, rows of the database: see ``upload_store``), so that an
    export is whole whichever storage the site used or moved between; the count."""
    written: set[str] = set()
    for where in (upload_store.FILES, upload_store.DATABASE):
        for name in upload_store.names(where):
            # Originals only: renditions and cards are made again when they are imported.
            if name in written or not UPLOAD_NAME_RE.match(name):
                continue
            target.mkdir(parents=True, exist_ok=True)
            if where == upload_store.FILES:
                shutil.copy2(upload_store.folder() / name, target / name)
            else:
                size = upload_store.size_in_database(name) or 0
                with (target / name).open("wb") as fh:
                    for chunk in upload_store.chunks_from_database(name, size):
                        fh.write(chunk)
            written.add(name)
    return len(written)


def export_directory(directory: str | Path, *, with_history: bool = False) -> int:
    """Write every post, the topics, the uploads and (optionally) the history; the count."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    topics = db.session.scalars(select(Topic).order_by(Topic.position, Topic.slug)).all()
    (directory / TOPICS_FILE).write_text(
        yaml.safe_dump(
            [{"slug": t.slug, "name": t.name, "description": t.description} for t in topics],
            sort_keys=False, allow_unicode=True, width=1000,
        ),
        encoding="utf-8",
    )
    posts = db.session.scalars(select(Post).order_by(Post.id)).all()
    for post in posts:
        (directory / f"{post.slug}.md").write_text(post_to_file(post), encoding="utf-8",
                                                   newline="")
    export_uploads(directory / UPLOADS_DIR)
    if with_history:
        with (directory / HISTORY_FILE).open("w", encoding="utf-8") as fh:
            for post in posts:
                for revision in post.revisions:
                    fh.write(json.dumps(history_record(revision, post.slug),
                                        ensure_ascii=False) + "\n")
    return len(posts)
