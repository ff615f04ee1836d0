"""Files of an old site that now live elsewhere here: an imported image's old address
(``/images/van.jpg``) and the upload that holds it now (``/uploads/<sha>.jpg``).

Old links from other sites to an image keep working: the site answers such a path with
a 301 to the upload (``web.old_addresses``). Rows are written by the importer through
``keep``, one per old path; the first upload to claim a path keeps it.
"""

from __future__ import annotations

from pressmark.extensions import db
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column


class OldFile(db.Model):
    """An old site's file path that answers 301 to its copy here."""

    __tablename__ = "old_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(500), unique=True)
    url: Mapped[str] = mapped_column(String(300))


def keep(path: str, url: str) -> bool:
    """Record that ``path`` (a site path) now lives at ``url``, in the caller's
    transaction; False when the path already leads to another file (it is left as is)."""
    if not path.startswith("/") or len(path) > 500 or "\x00" in path:
        return False
    existing = db.session.scalar(select(OldFile).where(OldFile.path == path))
    if existing is None:
        db.session.add(OldFile(path=path, url=url))
        return True
    return existing.url == url


def moved_to(path: str) -> str | None:
    """Where the old file at ``path`` lives now, or None."""
    if "\x00" in path:
        return None
    return db.session.scalar(select(OldFile.url).where(OldFile.path == path))
