"""Jekyll: ``_posts/YYYY-MM-DD-title.markdown`` (also under category folders), ``_drafts/``.

The date comes from the file name when front matter has none; ``published: false`` and
``_drafts/`` make drafts; ``tags`` given as a string are split on spaces, as Jekyll does;
folders above ``_posts`` are categories. Old URLs follow ``_config.yml``'s ``permalink``
(a pattern, or one of the styles ``date`` (the default), ``pretty``, ``ordinal``, ``none``),
or a ``permalink`` in front matter. Files outside ``_posts`` and ``_drafts`` are pages and
are skipped with that reason.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pressmark.content.importers.entry import Entry, FileName
from pressmark.content.importers.files import FileSource
from pressmark.content.importers.permalinks import expand
from pressmark.content.models import DRAFT, PUBLISHED

STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}


def pretty_slug(text: str) -> str:
    """Jekyll's ``:title``: the file name with its case kept, runs of characters other than
    letters, digits and ``._~!$&'()+,;=@`` made one hyphen (Jekyll's "pretty" slugify)."""
    return re.sub(r"[^\w.~!$&'()+,;=@]+", "-", text).strip("-")


def read_config(root: Path) -> dict:
    path = root / "_config.yml"
    if not path.is_file():
        return {}
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8", errors="replace"))
    except yaml.YAMLError:
        return {}
    return config if isinstance(config, dict) else {}


def detect(root: Path) -> bool:
    return (root / "_config.yml").is_file() or (root / "_posts").is_dir()


class JekyllSource(FileSource):
    name = "jekyll"
    split_tag_spaces = True

    def __post_init__(self) -> None:
        pattern = str(read_config(self.root).get("permalink") or "date")
        self.pattern = STYLES.get(pattern, pattern)

    def kind(self, path: Path) -> str | None:
        parts = path.relative_to(self.root).parts[:-1]
        if "_posts" in parts:
            return "post"
        if "_drafts" in parts:
            return "draft"
        return None

    def skip_reason(self, path: Path) -> str | None:
        if self.kind(path) is None:
            return "not in _posts or _drafts: a page of the site, not a post"
        return super().skip_reason(path)

    def is_bundle(self, path: Path) -> bool:
        return False

    def folder_categories(self, path: Path, meta: dict) -> list[str]:
        parts = path.relative_to(self.root).parts[:-1]
        marker = "_posts" if "_posts" in parts else "_drafts"
        return [p for p in parts[: parts.index(marker)] if not p.startswith("_")]

    def ignored_keys(self, meta: dict) -> set[str]:
        # A front-matter permalink is a pattern Jekyll expands; old_url does it.
        return {"permalink"}

    def adjust(self, path: Path, entry: Entry) -> None:
        if self.kind(path) == "draft" and entry.data.status == PUBLISHED:
            entry.data.status = DRAFT
            entry.notes.append("in _drafts: imported as a draft")

    def old_url(self, path: Path, entry: Entry, name: FileName, meta: dict) -> str | None:
        ctx = self.context(path, entry, name, meta)
        ctx.title_slug = pretty_slug(str(meta.get("slug") or "").strip() or name.stem)
        categories = self.folder_categories(path, meta)
        from pressmark.content.importers.entry import as_list

        categories = as_list(meta.get("categories"), split_spaces=True) + as_list(
            meta.get("category")) + categories
        ctx.categories = categories
        if self.permalink:  # the user's pattern replaces the generator's rule
            return self.user_url(path, entry, name, meta)
        if self.kind(path) == "draft":
            return None  # drafts were never published
        pattern = str(meta.get("permalink") or "").strip() or self.pattern
        pattern = STYLES.get(pattern, pattern).replace(":output_ext", ".html")
        return expand(pattern, ctx)
