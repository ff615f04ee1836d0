"""Zola: ``content/`` with TOML front matter between ``+++`` lines, page bundles,
``[taxonomies]``, Tera shortcodes, and ``2019-01-01-slug.md`` (or ``_``) file names.

Old URLs follow Zola's rule: ``/<section path>/<slug>/`` where the slug is the front
matter's, else the file (or bundle folder) name without its date; ``/<lang>/...`` for a
translation (``post.fr.md``); a ``path`` in front matter is the URL itself. ``_index.md``
files are sections, not posts.

Posts are the pages of sections that sort by date (a blog's list); pages of sections
sorted otherwise, of the root section, and orphan pages (in a folder with no
``_index.md``) are imported as pages.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

from pressmark.migrate.toolkit import frontmatter
from pressmark.migrate.toolkit.entry import Entry, FileName
from pressmark.migrate.toolkit.files import FileSource
from pressmark.migrate.toolkit.frontmatter import FrontMatterError
from pressmark.migrate.toolkit.permalinks import zola_slugify


def detect(root: Path) -> bool:
    for name in ("zola.toml", "config.toml"):
        path = root / name
        if path.is_file():
            try:
                config = tomllib.loads(path.read_text(encoding="utf-8", errors="replace"))
            except tomllib.TOMLDecodeError:
                continue
            if "base_url" in config:
                return True
    return False


def section_meta(section: Path) -> dict:
    """The front matter of the section in ``section`` (its ``_index.md``), or {}."""
    try:
        meta, _, _ = frontmatter.split((section / "_index.md").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, FrontMatterError):
        return {}
    return meta


def sort_by(section: Path) -> str:
    """The ``sort_by`` of the section in ``section`` (its ``_index.md``), ``none`` by default."""
    return str(section_meta(section).get("sort_by") or "none").strip().lower()


PATH_DATE_RE = re.compile(r"(?:^|/)(\d{4})[/-](\d{2})[/-](\d{2})(?:/|$|-)")


class ZolaSource(FileSource):
    name = "zola"

    def section_folder(self, path: Path) -> Path | None:
        """The section ``path`` belongs to (None: an orphan page, in a folder that has no
        ``_index.md``); the content folder is always the root section."""
        folder = path.parent.parent if self.is_bundle(path) else path.parent
        if folder == self.content_root or (folder / "_index.md").is_file():
            return folder
        return None

    @functools.cached_property
    def date_sections(self) -> bool:
        """Whether any section of the site sorts its pages by date (a blog's list)."""
        for index in self.content_root.rglob("_index.md"):
            if sort_by(index.parent) == "date":
                return True
        return False

    def title_slug(self, title: str) -> str:
        return zola_slugify(title)

    def listing_section(self, section: Path | None) -> Path | None:
        """The section whose list shows the pages of ``section``: a ``transparent``
        section passes its pages up to its parent, as Zola does."""
        while section is not None and section != self.content_root and (
                section_meta(section).get("transparent") is True):
            section = section.parent
        return section

    def prepare(self, path: Path, meta: dict, body: str) -> tuple[dict, str]:
        """A page with no date takes the one its ``path`` carries (``2015/04/10/Title``)."""
        if not meta.get("date") and isinstance(meta.get("path"), str):
            found = PATH_DATE_RE.search(meta["path"].strip("/"))
            if found:
                meta["date"] = "-".join(found.groups())
        return meta, body

    def page_reason(self, path: Path, meta: dict) -> str | None:
        section = self.listing_section(self.section_folder(path))
        at_root = section == self.content_root
        if not self.date_sections:
            # No section lists by date: the site's folders hold its posts, the top its pages.
            return "it sits at the top of content/" if at_root else None
        if section is None:
            return "an orphan page (its folder has no _index.md)"
        order = sort_by(section)
        if order == "date":
            return None
        where = "the root section" if at_root else f"section {self.display_name(section)!r}"
        return f"{where} sorts its pages by {order!r}, not by date"

    @property
    def content_root(self) -> Path:
        content = self.root / "content"
        return content if content.is_dir() else self.root

    def skip_reason(self, path: Path) -> str | None:
        if path.name.startswith("_index."):
            return "a section page (_index), not a post"
        return super().skip_reason(path)

    def ignored_keys(self, meta: dict) -> set[str]:
        return {"path", "template", "in_search_index", "render", "sort_by"} & set(meta)

    def old_url(self, path: Path, entry: Entry, name: FileName, meta: dict) -> str | None:
        if self.permalink:  # the user's pattern replaces the generator's rule
            return self.user_url(path, entry, name, meta)
        lang = f"/{entry.data.language}" if entry.data.language else ""
        if meta.get("path"):  # the address itself, each part slugified (slugify.paths)
            parts = [zola_slugify(p) for p in str(meta["path"]).strip("/").split("/")]
            return lang + "/" + "/".join(p for p in parts if p) + "/"
        slug = zola_slugify(str(meta.get("slug") or "")) or zola_slugify(name.stem) or name.slug
        sections = [zola_slugify(s) or s for s in self.sections(path)]
        return lang + "/" + "/".join([*sections, slug]) + "/"
