"""An imported post's images stored as uploads, its links pointed at them, and their old
addresses remembered (kept as redirects when the post is saved, see ``content.old_files``).

Local files (page bundles, static folders, WordPress uploads beside the export) are
stored through ``store_image``, given by the caller (the content package does not depend
on the web package); remote ones are downloaded first (``fetch``) when allowed. A file
pressmark cannot store leaves its link as written, with a note; a featured image becomes
the post's cover.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pressmark.migrate.toolkit.entry import Entry
from pressmark.migrate.toolkit.fetch import Fetcher

StoreImage = Callable[[Path], str]  # an image file -> its URL on this site


def store_images(entry: Entry, store_image: StoreImage | None, notes: list[str],
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
    body, stored = entry.data.body, 0
    for link, file in entry.uploads.items():
        try:
            url = store_image(file)
        except ValueError as exc:  # not an image pressmark stores: the link stays
            notes.append(f"image {link} not imported: {exc}")
            continue
        body, stored = relink(body, link, url), stored + 1
        _remember_old_path(entry, link, url)
    entry.data.body = body
    notes.append(f"{stored} image(s) imported as uploads")


def _remember_old_path(entry: Entry, link: str, url: str) -> None:
    """Note the old address of an image now at ``url``, kept as a redirect on save."""
    old = entry.image_paths.get(link)
    if old is None and urlsplit(link).scheme in ("http", "https"):
        old = unquote(urlsplit(link).path)
    if old and old != url:
        entry.old_files.append((old, url))


def relink(body: str, link: str, url: str) -> str:
    """``body`` with every Markdown or HTML reference to ``link`` pointing at ``url``:
    inline links, reference definitions, ``src``, ``href`` and ``srcset`` candidates."""
    for before, after in (("](", ")"), ("](<", ">)"), ("](", " "), ('src="', '"'),
                          ("src='", "'"), ('href="', '"'), ("href='", "'")):
        closing = ")" if after == ">)" else after
        body = body.replace(f"{before}{link}{after}", f"{before.rstrip('<')}{url}{closing}")
    escaped = re.escape(link)
    body = re.sub(rf"^([ ]{{0,3}}\[[^\]]+\]:\s*)<?{escaped}>?(?=\s|$)",
                  lambda m: m.group(1) + url, body, flags=re.M)

    def srcset(found: re.Match) -> str:
        parts = [re.sub(rf"^(\s*){escaped}(?=\s|$)", lambda m: m.group(1) + url, part)
                 for part in found.group(2).split(",")]
        return found.group(1) + ",".join(parts) + found.group(3)

    return re.sub(r"""(\bsrcset=["'])([^"']+)(["'])""", srcset, body, flags=re.I)


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
            new = store_image(fetcher.get(url))
            body = relink(body, url, new)
            _remember_old_path(entry, url, new)
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


