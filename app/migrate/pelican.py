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
import re
from pathlib import Path

from pressmark.migrate.toolkit import frontmatter
from pressmark.migrate.toolkit.entry import Entry, FileName
from pressmark.migrate.toolkit.files import FileSource
from pressmark.migrate.toolkit.frontmatter import FrontMatterError
from pressmark.migrate.toolkit.permalinks import pelican_slugify

DEFAULTS = {
    "PATH": "content",
    "ARTICLE_PATHS": [""],
    "SLUGIFY_SOURCE": "title",
    "SLUG_REGEX_SUBSTITUTIONS": None,
    "SLUGIFY_PRESERVE_CASE": False,
    "SLUGIFY_USE_UNICODE": False,
    "FILENAME_METADATA": r"(?P<date>\d{4}-\d{2}-\d{2}).*",
    "ARTICLE_URL": "{slug}.html",
    "ARTICLE_LANG_URL": "{slug}-{lang}.html",
    "PAGE_URL": "pages/{slug}.html",
    "PAGE_LANG_URL": "pages/{slug}-{lang}.html",
    "PAGE_PATHS": ["pages"],
    "USE_FOLDER_AS_CATEGORY": True,
    "DEFAULT_LANG": "en",
    "TIMEZONE": None,
}


def read_settings(root: Path, problems: list | None = None) -> dict:
    """``pelicanconf.py``'s literal assignments over Pelican's defaults; a file or a
    setting that cannot be read without running it is added to ``problems``."""
    problems = problems if problems is not None else []
    settings = dict(DEFAULTS)
    path = root / "pelicanconf.py"
    if not path.is_file():
        return settings
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError as exc:
        problems.append(("pelicanconf.py", f"cannot be read ({exc.msg}, line {exc.lineno})"))
        return settings
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in DEFAULTS:
                try:
                    settings[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    problems.append(("pelicanconf.py", f"{target.id} is computed by code, "
                                     "which pressmark does not run"))
    return settings


def detect(root: Path) -> bool:
    return (root / "pelicanconf.py").is_file()


class _Date:
    """``{date:%Y}`` in a Pelican URL setting."""

    def __init__(self, value):
        self.value = value

    def __format__(self, spec: str) -> str:
        return self.value.strftime(spec) if spec else self.value.isoformat()


HEADING_RE = re.compile(r"\A\s*#\s+(?P<title>[^\n]+?)\s*#*\s*(?:\n|\Z)")


class PelicanSource(FileSource):
    name = "pelican"

    def __post_init__(self) -> None:
        self.settings = read_settings(self.root, self.problems)
        self.timezone = str(self.settings.get("TIMEZONE") or "") or None

    @property
    def content_root(self) -> Path:
        content = self.root / str(self.settings["PATH"])
        return content if content.is_dir() else self.root

    def is_bundle(self, path: Path) -> bool:
        return False

    def is_page(self, path: Path) -> bool:
        return self._under(path, self.settings["PAGE_PATHS"])

    def _under(self, path: Path, folders) -> bool:
        relative = path.relative_to(self.content_root).as_posix()
        for folder in folders if isinstance(folders, list | tuple) else [folders]:
            folder = str(folder).strip("/")
            if folder in ("", ".") or relative.startswith(folder + "/"):
                return True
        return False

    def skip_reason(self, path: Path) -> str | None:
        if not self.is_page(path) and not self._under(path, self.settings["ARTICLE_PATHS"]):
            return "outside ARTICLE_PATHS and PAGE_PATHS: Pelican does not read it"
        return super().skip_reason(path)

    def split(self, text: str) -> tuple[dict, str]:
        """As ``FileSource.split``; a ``---`` block that is not valid YAML is read as
        Python-Markdown's ``Key: value`` meta block, as Pelican's reader does."""
        try:
            return super().split(text)
        except FrontMatterError:
            lines = text.lstrip("\ufeff").splitlines(keepends=True)
            if not lines or lines[0].strip() != "---":
                raise
            end = next((i for i, line in enumerate(lines[1:], 1)
                        if line.strip() in ("---", "...")), None)
            header = frontmatter.pelican_header(lines[1:end]) if end else None
            if header is None:
                raise
            return header[0], "".join(lines[end + 1:])

    def prepare(self, path: Path, meta: dict, body: str) -> tuple[dict, str]:
        """The title from the first ``# heading`` when there is no ``Title:`` (as the
        pelican plugins for plain Markdown do), the date from ``FILENAME_METADATA``."""
        if not str(meta.get("title") or "").strip():
            found = HEADING_RE.match(body)
            if found:
                meta["title"] = found.group("title").strip()
                body = body[found.end():].lstrip("\n")
        pattern = self.settings.get("FILENAME_METADATA")
        if pattern and not meta.get("date"):
            with contextlib.suppress(re.error):
                found = re.match(str(pattern), path.stem)
                if found and found.groupdict().get("date"):
                    meta["date"] = found.group("date")
        return meta, body

    def title_slug(self, title: str) -> str:
        return pelican_slugify(title)

    def slug_of(self, title: str, path: Path) -> str:
        """Pelican's slug: ``slugify`` of the title (or of the file's base name, when
        ``SLUGIFY_SOURCE = 'basename'``), with the site's substitutions."""
        source = path.stem if self.settings["SLUGIFY_SOURCE"] == "basename" else title
        subs = self.settings.get("SLUG_REGEX_SUBSTITUTIONS")
        return pelican_slugify(source, preserve_case=bool(self.settings["SLUGIFY_PRESERVE_CASE"]),
                               use_unicode=bool(self.settings["SLUGIFY_USE_UNICODE"]),
                               substitutions=subs if isinstance(subs, list) else None)

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
        slug = str(meta.get("slug") or "").strip() or self.slug_of(data.title, path)
        lang = data.language or ""
        translation = lang and lang != self.settings["DEFAULT_LANG"]
        key = ("PAGE" if entry.is_page else "ARTICLE") + ("_LANG_URL" if translation else "_URL")
        category = entry.topic_name or ""
        values = {"slug": slug, "lang": lang, "category": self.slug_of(category, path),
                  "author": self.slug_of(entry.authors[0], path) if entry.authors else ""}
        if data.published_at is not None:
            values["date"] = _Date(data.published_at)
        return "/" + str(self.settings[key]).format(**values).lstrip("/")
