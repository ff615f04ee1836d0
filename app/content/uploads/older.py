"""Uploads stored before images were processed, brought up to what new uploads get.

An image uploaded (or imported) by an older pressmark has no recorded size and no
renditions, so pages show it without ``srcset``, ``width`` and ``height``, and a photo may
still carry its metadata (where it was taken, the camera). ``process_older_uploads``
(``pressmark uploads process``) gives each such upload its renditions and size under its
own name, then renders the posts again so they use them. Uploads processed when they were
stored are left alone.

An upload whose file still carries metadata keeps it unless ``strip_metadata`` is given:
then a clean copy is stored under its own name (uploads are named by the hash of their
bytes), every post and revision that used the old address is pointed at the new one, and
the old file is removed, so that the location is no longer published.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from pressmark.content.models import Image, Post, Revision
from pressmark.content.store import rerender_all
from pressmark.content.uploads import storage as upload_store
from pressmark.content.uploads.image_budget import DecodeBudget
from pressmark.content.uploads.image_format import is_clean
from pressmark.content.uploads.images import ImageError, process_image
from pressmark.content.uploads.receive import (
    UploadError,
    record_image,
    save_renditions,
    store_upload,
)
from pressmark.extensions import db
from sqlalchemy import delete, func, select, update


@dataclass
class ProcessReport:
    processed: list[str] = field(default_factory=list)  # renditions and size recorded
    with_metadata: list[str] = field(default_factory=list)  # ...but the file kept its metadata
    replaced: dict[str, str] = field(default_factory=dict)  # old name -> clean copy's name
    failed: dict[str, str] = field(default_factory=dict)  # name -> why
    posts_rendered: int = 0


def originals(where: str) -> list[str]:
    """The names of the original uploads (not renditions) kept in ``where``."""
    return [name for name in upload_store.names(where) if upload_store.ORIGINAL_RE.match(name)]


def process_older_uploads(*, strip_metadata: bool = False,
                          on_item: Callable[[str], None] | None = None) -> ProcessReport:
    """Process every original upload without an ``Image`` record; see the module's text.

    ``on_item(name)`` is called after each upload looked at (for a progress bar)."""
    report = ProcessReport()
    where = upload_store.storage()
    recorded = set(db.session.scalars(select(Image.name)))
    budget = DecodeBudget.from_config(current_app.config)
    for name in originals(where):
        if on_item:
            on_item(name)
        if name in recorded and not strip_metadata:
            continue
        data = upload_store.read(name, where)
        try:
            ext = name.rsplit(".", 1)[1]
            # Any block beyond the allowlist: EXIF, XMP, comments, text, appended data.
            carries_metadata = not is_clean(data, ext)
            if carries_metadata and strip_metadata:
                report.replaced[name] = store_upload(io.BytesIO(data), limit=len(data)).name
                continue
            if name in recorded:
                continue
            processed = process_image(data, ext, budget)
        except (ImageError, UploadError, OSError) as exc:
            report.failed[name] = str(exc)
            continue
        save_renditions(name, processed)
        record_image(name, processed)
        report.processed.append(name)
        if carries_metadata:
            report.with_metadata.append(name)
    if report.replaced:
        _point_posts_at(report.replaced)
        stems = {old.rsplit(".", 1)[0] for old in report.replaced}
        for name in upload_store.names(where):  # the originals, their renditions and cards
            if name[:64] in stems:
                upload_store.delete(name, where)
        db.session.execute(delete(Image).where(Image.name.in_(report.replaced)))
        db.session.commit()
    if report.processed or report.replaced:
        report.posts_rendered = rerender_all()
    return report


def _point_posts_at(replaced: dict[str, str]) -> None:
    """Every post's and revision's body and cover: the old addresses become the new ones."""
    for old, new in replaced.items():
        before, after = f"/uploads/{old}", f"/uploads/{new}"
        for model in (Post, Revision):
            db.session.execute(update(model).where(model.body.contains(before)).values(
                body=func.replace(model.body, before, after)))
            db.session.execute(update(model).where(model.cover_image == before).values(
                cover_image=after))
    db.session.commit()
