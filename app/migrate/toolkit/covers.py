"""A post's featured image, as each generator's themes write it, found as a file to import
as the post's cover.

The keys read, first found wins (keys compared without case):

- Hugo: ``cover.image`` (with ``cover.alt``), ``featured_image``/``featuredImage``,
  ``images`` (the first, as Hugo's own templates take it), ``image``; in a page bundle,
  an image whose name holds ``feature``, else ``cover`` or ``thumbnail`` (as Hugo's
  templates look for it);
- Jekyll: ``image`` or ``image.path`` (with ``image.alt``, as jekyll-seo-tag reads them),
  ``header.image`` or ``header.overlay_image`` (with ``header.image_description``, as
  Minimal Mistakes does);
- Pelican: ``image``, ``cover`` (``{static}``/``{attach}`` prefixes understood);
- Eleventy: ``image`` (with ``imageAlt``/``image_alt``);
- Zola: ``extra.image``, ``extra.cover``, ``extra.cover_image``, ``extra.featured_image``,
  ``extra.banner`` (with ``extra.image_alt``/``extra.cover_alt``...);
- pressmark's own ``cover_image`` when it is not already an upload's address.

A path is looked for beside the post (a page bundle's own file), then under the site's
static folders (``static/``, ``assets/``, the content folder, the site's root); it never
leaves the site's folder. An ``http(s)`` address is returned as such, for the importer to
download when it may.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
ALT_KEYS = ("alt", "image_alt", "imagealt", "cover_alt", "coveralt", "image_description",
            "featured_image_alt", "featuredimagealt")
# Keys in the order they are tried; a table value gives its own alt text.
TOP_KEYS = ("cover", "featured_image", "featuredimage", "images", "image", "header",
            "cover_image")
EXTRA_KEYS = ("image", "cover", "cover_image", "featured_image", "featuredimage", "banner",
              "hero", "thumbnail")
PELICAN_PREFIX_RE = re.compile(r"^\{(?:static|attach|filename)\}")
# Keys this module reads, which the report must not call "not kept".
KEYS = {"cover", "featured_image", "featuredimage", "images", "image", "header", *ALT_KEYS}


@dataclass
class CoverRef:
    """Where the source says the featured image is, and its alt text ("" when not given)."""

    ref: str
    alt: str = ""

    @property
    def is_url(self) -> bool:
        return urlsplit(self.ref).scheme in ("http", "https")


def _alt(table: dict) -> str:
    for key in ALT_KEYS:
        value = table.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _from_value(value: Any, table: dict) -> CoverRef | None:
    """A cover from one key's value: a string, a list (its first), or a table with its own
    ``image``/``path``/``src``/``url`` and ``alt``."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        inner = {str(k).lower(): v for k, v in value.items()}
        for key in ("image", "overlay_image", "path", "src", "url", "teaser"):
            if isinstance(inner.get(key), str) and inner[key].strip():
                return CoverRef(inner[key].strip(), _alt(inner) or _alt(table))
        return None
    if isinstance(value, str) and value.strip():
        return CoverRef(value.strip(), _alt(table))
    return None


def cover_reference(meta: dict) -> CoverRef | None:
    """The featured image ``meta`` names (lower-cased keys), or None."""
    for key in TOP_KEYS:
        if key in meta:
            found = _from_value(meta[key], meta)
            if found is not None:
                return found
    extra = meta.get("extra")
    if isinstance(extra, dict):
        extra = {str(k).lower(): v for k, v in extra.items()}
        for key in EXTRA_KEYS:
            if key in extra:
                found = _from_value(extra[key], extra)
                if found is not None:
                    return found
    return None


def bundle_cover(folder: Path, site: Path) -> Path | None:
    """A page bundle's featured image as Hugo's own templates find it: the first image whose
    name holds ``feature``, else one whose name holds ``cover`` or ``thumbnail``; or None.
    A link that leads out of ``site`` is never one."""
    site = site.resolve()
    images = []
    for file in sorted(folder.iterdir()):
        if file.is_file() and file.suffix.lower() in IMAGE_SUFFIXES:
            try:
                file.resolve().relative_to(site)
            except (ValueError, OSError):
                continue
            images.append(file.resolve())
    for words in (("feature",), ("cover", "thumbnail")):
        for file in images:
            if any(word in file.name.lower() for word in words):
                return file
    return None


def find_file(ref: str, beside: Path, roots: list[Path], site: Path) -> Path | None:
    """The image file ``ref`` names: relative to ``beside`` (the post's folder) first, then
    under each of ``roots``; only a file inside ``site`` is returned."""
    path = unquote(PELICAN_PREFIX_RE.sub("", urlsplit(ref).path))
    if not path or path.lower().endswith(".svg"):
        return None
    candidates = [] if path.startswith("/") else [beside / path]
    candidates += [root / path.lstrip("/") for root in roots]
    site = site.resolve()
    for candidate in candidates:
        try:
            resolved = candidate.resolve()
            resolved.relative_to(site)
        except (ValueError, OSError):
            continue
        if resolved.is_file():
            return resolved
    return None
