"""Pelican: ``content/`` with category folders, ``Key: value`` metadata (or YAML front
matter), ``Status: draft|hidden|published``, and ``pages/``.

Settings are read from ``pelicanconf.py`` without running it (plain assignments only):
``PATH``, ``ARTICLE_URL`` (default ``{slug}.html``), ``ARTICLE_LANG_URL``
(``{slug}-{lang}.html``), ``PAGE_URL`` (``pages/{slug}.html``), ``PAGE_PATHS``,
``USE_FOLDER_AS_CATEGORY`` and ``DEFAULT_LANG``. Pelican's slug comes from the title, so
its old URL is worked out from the title even though the new slug is the file name's.
reStructuredText files are reported and skipped.
"""

from __future__ import annotations

import ast
import contextlib
from pathlib import Path

from pressmark.content.models import slugify
from pressmark.migrate.toolkit.entry import Entry, FileName
from pressmark.migrate.toolkit.files import FileSource

DEFAULTS = {
    "PATH": "content",
    "ARTICLE_URL": "{slug}.html",
    "ARTICLE_LANG_URL": "{slug}-{lang}.html",
    "PAGE_URL": "pages/{slug}.html",
    "PAGE_LANG_URL": "pages/{slug}-{lang}.html",
    "PAGE_PATHS": ["pages"],
    "USE_FOLDER_AS_CATEGORY": True,
    "DEFAULT_LANG": "en",
}


def read_settings(root: Path) -> dict:
    """``pelicanconf.py``'s literal assignments over Pelican's defaults."""
    settings = dict(DEFAULTS)
    path = root / "pelicanconf.py"
    if not path.is_file():
        return settings
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError:
        return settings
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in DEFAULTS:
                with contextlib.suppress(ValueError):
                    settings[target.id] = ast.literal_eval(node.value)
    return settings


def detect(root: Path) -> bool:
    return (root / "pelicanconf.py").is_file()


class _Date:
    """``{date:%Y}`` in a Pelican URL setting."""

    def __init__(self, value):
        self.value = value

    def __format__(self, spec: str) -> str:
        return self.value.strftime(spec) if spec else self.value.isoformat()


class PelicanSource(FileSource):
    name = "pelican"
    date_prefix = False

    def __post_init__(self) -> None:
        self.settings = read_settings(self.root)

    @property
    def content_root(self) -> Path:
        content = self.root / str(self.settings["PATH"])
        return content if content.is_dir() else self.root

    def is_bundle(self, path: Path) -> bool:
        return False

    def is_page(self, path: Path) -> bool:
        parts = path.relative_to(self.content_root).parts
        return bool(parts) and parts[0] in self.settings["PAGE_PATHS"]

    def folder_categories(self, path: Path, meta: dict) -> list[str]:
        if self.is_page(path) or not self.settings["USE_FOLDER_AS_CATEGORY"]:
            return []
        if meta.get("category"):
            return []
        parts = path.relative_to(self.content_root).parts[:-1]
        return [parts[0]] if parts else []

    def ignored_keys(self, meta: dict) -> set[str]:
        return {"save_as", "url", "template", "translation"} & set(meta)

    def adjust(self, path: Path, entry: Entry) -> None:
        entry.is_page = self.is_page(path)

    def old_url(self, path: Path, entry: Entry, name: FileName, meta: dict) -> str | None:
        if self.permalink:  # the user's pattern replaces the generator's rule
            return self.user_url(path, entry, name, meta)
        if meta.get("url"):
            return str(meta["url"])
        data = entry.data
        slug = str(meta.get("slug") or "").strip() or slugify(data.title)
        lang = data.language or ""
        translation = lang and lang != self.settings["DEFAULT_LANG"]
        key = ("PAGE" if entry.is_page else "ARTICLE") + ("_LANG_URL" if translation else "_URL")
        category = entry.topic_name or ""
        values = {"slug": slug, "lang": lang, "category": slugify(category),
                  "author": slugify(entry.authors[0]) if entry.authors else ""}
        if data.published_at is not None:
            values["date"] = _Date(data.published_at)
        return "/" + str(self.settings[key]).format(**values).lstrip("/")
