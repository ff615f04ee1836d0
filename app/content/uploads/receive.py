"""Receiving image uploads: checked by their bytes, cleaned, resized, stored by content
hash (served forever by ``pressmark.web.editor.uploads``).

An upload is accepted only when its first bytes are those of a PNG, JPEG, GIF or WebP
image; the file name and the browser's Content-Type are ignored because both are the
sender's claim. SVG is refused: it is a document that can carry scripts. The image is then
decoded, turned upright, stripped of all metadata and resized (``content/uploads/images.py``); a
damaged file or a decompression bomb is refused.
Uploads are named ``<sha256>.<ext>`` (the hash of the bytes kept) with renditions
``<sha256>-<width>w.<webp|avif>`` and a social card ``<sha256>-card.jpg`` beside them, and
kept as files in ``UPLOAD_FOLDER`` or, on PostgreSQL, in the database
(``pressmark.content.uploads.storage``), so the same image uploaded twice is stored once, and
a name never changes meaning, which is why it may be cached forever. Each image has a row
in ``images`` with its width, height and renditions.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from flask import Flask, current_app
from pressmark.content.models import Image
from pressmark.content.uploads import storage as upload_store
from pressmark.content.uploads.image_budget import DecodeBudget, configure_pillow
from pressmark.content.uploads.images import MEDIA_TYPES as ALL_MEDIA_TYPES
from pressmark.content.uploads.images import ImageError, ProcessedImage, crop_card, process_image
from pressmark.extensions import db
from sqlalchemy import select

# (extension, media type, test on the first bytes)
IMAGE_TYPES: tuple[tuple[str, str, Callable[[bytes], bool]], ...] = (
    ("png", "image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ("jpg", "image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ("gif", "image/gif", lambda head: head[:6] in (b"GIF87a", b"GIF89a")),
    ("webp", "image/webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
)
MEDIA_TYPES = {ext: media for ext, media, _ in IMAGE_TYPES}
# An original, a rendition or a social card (see the module docstring).
NAME_RE = upload_store.NAME_RE
CARD_SUFFIX = "-card.jpg"
CACHE_FOREVER = "public, max-age=31536000, immutable"
CHUNK = 64 * 1024
ACCEPTED = "PNG, JPEG, GIF or WebP"


def init_app(app: Flask) -> None:
    """Bound every image Pillow opens in this process by the upload budget's canvas."""
    configure_pillow(DecodeBudget.from_config(app.config))


class UploadError(ValueError):
    """An upload that was refused, with a message for the author."""


@dataclass(frozen=True)
class StoredUpload:
    name: str
    size: int
    width: int = 0
    height: int = 0

    @property
    def url(self) -> str:
        return f"/uploads/{self.name}"

    def markdown(self, alt: str) -> str:
        """Markdown that shows the image; brackets in the alt text would end it early."""
        alt = re.sub(r"[\[\]\s]+", " ", alt).strip() or "image"
        return f"![{alt}]({self.url})"


def detect_type(head: bytes) -> tuple[str, str] | None:
    """(extension, media type) from an image's first bytes, or None."""
    for ext, media, test in IMAGE_TYPES:
        if test(head):
            return ext, media
    return None


def _refusal(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") and (b"<svg" in text or b"<?xml" in text):
        return (
            f"SVG images cannot be uploaded (they can carry scripts). Convert it to {ACCEPTED}."
        )
    return f"This file is not a {ACCEPTED} image (checked from its contents, not its name)."


def describe_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    return f"{max(1, round(size / 1024))} KiB"


def store_upload(
    stream: BinaryIO, folder: str | None = None, limit: int | None = None
) -> StoredUpload:
    """Check and store the image read from ``stream``; raise ``UploadError`` to refuse it.

    At most ``limit`` + 1 bytes are read (``UPLOAD_MAX_BYTES`` by default), so an oversized
    file is refused without being held in memory. The image is kept where the site keeps
    uploads (``pressmark.content.uploads.storage``), or as a file in ``folder`` when given.
    """
    limit = int(limit if limit is not None else current_app.config["UPLOAD_MAX_BYTES"])
    data = bytearray()
    while len(data) <= limit:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        data.extend(chunk)
    if not data:
        raise UploadError("The file is empty.")
    if len(data) > limit:
        raise UploadError(
            f"The image is larger than the limit of {describe_size(limit)}. "
            "Resize or compress it and try again."
        )
    detected = detect_type(bytes(data[:16]))
    if detected is None:
        raise UploadError(_refusal(bytes(data[:512])))
    ext, media = detected
    try:
        processed = process_image(bytes(data), ext, DecodeBudget.from_config(current_app.config))
    except ImageError as exc:
        raise UploadError(str(exc)) from exc
    sha = hashlib.sha256(processed.original).hexdigest()
    name = f"{sha}.{ext}"
    # Renditions first, the original last: a name on record always has all its files.
    save_renditions(name, processed, folder)
    upload_store.save(name, media, processed.original, into=folder)
    record_image(name, processed)
    return StoredUpload(
        name=name, size=len(processed.original), width=processed.width,
        height=processed.height,
    )


def save_renditions(name: str, processed: ProcessedImage, folder: str | None = None) -> None:
    """Keep the renditions of the original ``name`` (``<sha>-<width>w.<format>``)."""
    stem = name.rsplit(".", 1)[0]
    for suffix, content in processed.renditions.items():
        rendition = f"{stem}{suffix}"
        upload_store.save(rendition, ALL_MEDIA_TYPES[rendition.rsplit(".", 1)[1]], content,
                          into=folder)


def record_image(name: str, processed: ProcessedImage) -> None:
    """Put the original ``name``'s size and renditions on record (once)."""
    if db.session.scalar(select(Image).where(Image.name == name)) is None:
        db.session.add(Image(
            name=name, width=processed.width, height=processed.height,
            widths=",".join(map(str, processed.widths)), formats=",".join(processed.formats),
        ))
        db.session.commit()


def card_url(image_url: str) -> str:
    """The 1200x630 social card of the uploaded image at ``image_url`` (made on first use)."""
    return image_url.rsplit(".", 1)[0] + CARD_SUFFIX


def make_card(name: str) -> None:
    """Keep ``<sha>-card.jpg``, the stored image ``<sha>.<ext>`` cropped to 1200x630, if it
    is not there yet; ``LookupError`` when no such image is on record."""
    where = upload_store.storage()
    if name in _present(name, where):
        return
    sha = name.removesuffix(CARD_SUFFIX)
    image = db.session.scalar(select(Image).where(Image.name.startswith(f"{sha}.")))
    if image is None or not _present(image.name, where):
        raise LookupError(name)
    card = crop_card(upload_store.read(image.name, where))
    upload_store.save(name, "image/jpeg", card)


def _present(name: str, where: str) -> set[str]:
    if where == upload_store.DATABASE:
        return {name} if upload_store.size_in_database(name) is not None else set()
    return {name} if (upload_store.folder() / name).is_file() else set()
