"""Where uploaded images live: files under ``UPLOAD_FOLDER``, or rows of the database.

With several app machines, an upload saved through one must be served by all, so on
PostgreSQL uploads are kept in the database by default (``UPLOAD_STORAGE = "database"``);
on SQLite, whose database is on one machine anyway, they stay files under
``instance/uploads`` (``"files"``). Either way an upload is named by its content hash and
never changes. Reading from the database goes in ``CHUNK``-sized pieces (``substr`` in
SQL), so serving a large image never holds it whole in memory.
``migrate()`` (``pressmark uploads migrate``) copies every upload from one place to the
other.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from flask import current_app
from pressmark.content.models import Upload
from pressmark.extensions import db
from sqlalchemy import func, select

DATABASE, FILES = "database", "files"
CHUNK = 256 * 1024
# An original (named by the hash of its bytes), or what is made from one: renditions
# ``<sha>-<width>w.<format>`` and the social card ``<sha>-card.jpg``.
NAME_RE = re.compile(
    r"^[0-9a-f]{64}(?:\.(?:png|jpg|gif|webp)|-[0-9]{1,5}w\.(?:webp|avif)|-card\.jpg)$"
)
ORIGINAL_RE = re.compile(r"^[0-9a-f]{64}\.(?:png|jpg|gif|webp)$")


def storage() -> str:
    """``UPLOAD_STORAGE`` when set, else ``database`` on PostgreSQL and ``files`` otherwise."""
    chosen = current_app.config.get("UPLOAD_STORAGE")
    if chosen:
        if chosen not in (DATABASE, FILES):
            raise ValueError(f"UPLOAD_STORAGE must be {DATABASE!r} or {FILES!r}, not {chosen!r}")
        return chosen
    return DATABASE if db.engine.dialect.name == "postgresql" else FILES


def folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def save(name: str, media_type: str, data: bytes, where: str | None = None,
         into: str | os.PathLike | None = None) -> None:
    """Keep ``data`` as upload ``name`` (nothing to do when it is already there): in
    ``where`` (the site's storage by default), or as a file in the folder ``into``."""
    if into is None and (where or storage()) == DATABASE:
        if size_in_database(name) is None:
            db.session.add(Upload(name=name, media_type=media_type, size=len(data), data=data))
            db.session.commit()
        return
    directory = Path(into) if into is not None else folder()
    os.makedirs(directory, exist_ok=True)
    target = directory / name
    if target.exists():
        return
    # Write aside then rename, so a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def delete(name: str, where: str) -> None:
    """Remove upload ``name`` from ``where`` (nothing to do when it is not there)."""
    if where == DATABASE:
        db.session.execute(db.delete(Upload).where(Upload.name == name))
        db.session.commit()
        return
    (folder() / name).unlink(missing_ok=True)


def size_in_database(name: str) -> int | None:
    return db.session.scalar(select(Upload.size).where(Upload.name == name))


def chunks_from_database(name: str, size: int) -> Iterator[bytes]:
    """The upload's bytes, ``CHUNK`` at a time, each read by its own small query."""
    for start in range(0, size, CHUNK):
        yield db.session.scalar(
            select(func.substr(Upload.data, start + 1, CHUNK)).where(Upload.name == name)
        )


def names(where: str) -> list[str]:
    if where == DATABASE:
        return list(db.session.scalars(select(Upload.name).order_by(Upload.name)))
    if not folder().is_dir():
        return []
    return sorted(p.name for p in folder().iterdir() if p.is_file() and NAME_RE.match(p.name))


def read(name: str, where: str) -> bytes:
    """One upload whole (for copying it elsewhere, not for serving)."""
    if where == DATABASE:
        size = size_in_database(name) or 0
        return b"".join(chunks_from_database(name, size))
    return (folder() / name).read_bytes()


def migrate(to: str, media_type_of) -> tuple[int, int]:
    """Copy every upload into ``to`` from the other place; returns (copied, already there).

    Each copy is checked against its name (the SHA-256 of its bytes) before it is kept.
    """
    source = FILES if to == DATABASE else DATABASE
    present = set(names(to))
    copied = kept = 0
    for name in names(source):
        if name in present:
            kept += 1
            continue
        data = read(name, source)
        # An original must match its name; a rendition or card is made from one.
        if ORIGINAL_RE.match(name) and hashlib.sha256(data).hexdigest() != name.split(".", 1)[0]:
            raise ValueError(f"upload {name} does not match its name; it was not copied")
        save(name, media_type_of(name), data, where=to)
        copied += 1
    return copied, kept
