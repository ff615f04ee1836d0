"""Zola: ``content/`` with TOML front matter between ``+++`` lines, page bundles,
``[taxonomies]``, Tera shortcodes, and ``2019-01-01-slug.md`` (or ``_``) file names.

Old URLs follow Zola's rule: ``/<section path>/<slug>/`` where the slug is the front
matter's, else the file (or bundle folder) name without its date; ``/<lang>/...`` for a
translation (``post.fr.md``); a ``path`` in front matter is the URL itself. ``_index.md``
files are sections, not posts.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pressmark.content.importers.entry import Entry, FileName
from pressmark.content.importers.files import FileSource
from pressmark.content.models import slugify


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


class ZolaSource(FileSource):
    name = "zola"

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
        if meta.get("path"):
            return lang + "/" + str(meta["path"]).strip("/") + "/"
        slug = slugify(str(meta.get("slug") or "")) or name.slug
        sections = self.sections(path)
        return lang + "/" + "/".join([*sections, slug]) + "/"
