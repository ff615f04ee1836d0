"""``history.jsonl`` (written by ``export --with-history``) read back as revisions.

Every field ``postdata`` declares is read under the key the export wrote it with
(``export.record_key``), so a field added there comes back with no list here to forget.
"""

from __future__ import annotations

import json
from pathlib import Path

from pressmark.content import postdata
from pressmark.content.models import Post, Revision, User
from pressmark.content.postdata import PostData
from pressmark.extensions import db
from sqlalchemy import select


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


def new_records(post: Post, records: list[dict]) -> list[dict]:
    """The history records not yet stored under ``post`` (matched by time, kind, version)."""
    from pressmark.migrate.toolkit.entry import as_datetime

    have = {(r.created_at, r.kind, r.version) for r in post.revisions}
    return [r for r in records
            if (as_datetime(r.get("created_at"), "created_at"), r.get("kind") or "save",
                int(r.get("version") or 1)) not in have]


def revision(post: Post, record: dict) -> Revision:
    """A revision from ``history.jsonl`` (see ``export.history_record``): every field
    ``postdata`` declares is read back under the key the export wrote it with."""
    from pressmark.migrate.export import record_key
    from pressmark.migrate.toolkit.entry import as_datetime

    user = None
    if record.get("user"):
        user = db.session.scalar(select(User).where(User.username == record["user"]))
    values = {}
    for f in postdata.FIELDS:
        raw = record.get(record_key(f.name))
        if f.name == "published_at":
            raw = as_datetime(raw, f.name)
        elif f.name in ("tags", "authors"):
            raw = list(raw or [])
        elif f.name == "topic":
            raw = raw or None
        elif f.name == "status":
            raw = raw or "draft"
        values[f.name] = raw if raw is not None or f.name in ("topic", "published_at",
                                                              "series_position") else ""
    revision = Revision(
        post=post, user=user, created_at=as_datetime(record.get("created_at"), "created_at"),
        kind=record.get("kind") or "save", version=int(record.get("version") or 1),
    )
    postdata.write_revision(revision, PostData(**values))
    return revision
