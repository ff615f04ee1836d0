"""Jekyll: ``_posts/YYYY-MM-DD-title.markdown`` (also under category folders), ``_drafts/``.

The date comes from the file name when front matter has none; ``published: false`` and
``_drafts/`` make drafts; ``tags`` given as a string are split on spaces, as Jekyll does;
folders above ``_posts`` are categories. Old URLs follow ``_config.yml``'s ``permalink``
(a pattern, or one of the styles ``date`` (the default), ``pretty``, ``ordinal``, ``none``),
or a ``permalink`` in front matter.

Other Markdown files with front matter are the site's pages (About, Uses): Jekyll publishes
them at their path (``about.md`` at ``/about.html``, ``/about/`` with the ``pretty`` style,
``docs/index.md`` at ``/docs/``) or at their front matter's ``permalink``, and they import
as pages with that URL as an alias. Files without front matter (Jekyll copies them as they
are), files in other ``_`` folders (layouts, includes, collections), the home page and the
not-found page are skipped with the reason.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import yaml
from pressmark.content.models import DRAFT, PUBLISHED, slugify
from pressmark.migrate.toolkit.entry import Entry, FileName
from pressmark.migrate.toolkit.files import FileSource
from pressmark.migrate.toolkit.frontmatter import safe_yaml
from pressmark.migrate.toolkit.permalinks import expand

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
        config = safe_yaml(path.read_text(encoding="utf-8", errors="replace"))
    except yaml.YAMLError:
        return {}
    return config if isinstance(config, dict) else {}


def config_problems(root: Path) -> list[tuple[str, str]]:
    path = root / "_config.yml"
    if not path.is_file():
        return []
    try:
        safe_yaml(path.read_text(encoding="utf-8", errors="replace"))
    except yaml.YAMLError as exc:
        return [("_config.yml", f"cannot be read ({str(exc).splitlines()[0]})")]
    return []


def detect(root: Path) -> bool:
    return (root / "_config.yml").is_file() or (root / "_posts").is_dir()


class JekyllSource(FileSource):
    name = "jekyll"
    split_tag_spaces = True

    def __post_init__(self) -> None:
        config = read_config(self.root)
        self.problems = config_problems(self.root)
        pattern = str(config.get("permalink") or "date")
        self.pattern = STYLES.get(pattern, pattern)
        self.defaults = [d for d in config.get("defaults") or [] if isinstance(d, dict)]
        self.collections = read_collections(config)
        self.collections_dir = str(config.get("collections_dir") or "").strip("/")
        self.timezone = str(config.get("timezone") or "") or None

    def kind(self, path: Path) -> str | None:
        """``post``, ``draft``, ``page``, ``collection:<name>``, or None for a file Jekyll
        does not publish."""
        parts = path.relative_to(self.root).parts[:-1]
        if "_posts" in parts:
            return "post"
        if "_drafts" in parts:
            return "draft"
        name = self.collection_of(parts)
        if name is not None:
            return f"collection:{name}"
        if any(part.startswith("_") for part in parts):
            return None
        return "page"

    def collection_of(self, parts: tuple[str, ...]) -> str | None:
        """The collection whose folder (``_recipes``, under ``collections_dir``) holds a
        file in the folders ``parts``; None when it is in none."""
        prefix = tuple(self.collections_dir.split("/")) if self.collections_dir else ()
        if parts[:len(prefix)] != prefix or len(parts) <= len(prefix):
            return None
        folder = parts[len(prefix)]
        name = folder[1:] if folder.startswith("_") else None
        return name if name in self.collections and name not in ("posts", "drafts") else None

    def scope_type(self, path: Path) -> str | None:
        """The ``type`` a ``defaults`` scope names this file by: posts, drafts, pages, or
        the collection's name."""
        kind = self.kind(path)
        if kind is None:
            return None
        if kind.startswith("collection:"):
            return kind.split(":", 1)[1]
        return {"post": "posts", "draft": "drafts", "page": "pages"}[kind]

    def extra_meta(self, path: Path, meta: dict) -> dict:
        """``_config.yml``'s front-matter ``defaults`` whose scope (path prefix and type)
        fits the file, the more specific path over the less, later over earlier."""
        relative = path.relative_to(self.root).as_posix()
        kind = self.scope_type(path)
        found = []
        for order, default in enumerate(self.defaults):
            scope = default.get("scope") or {}
            scope = scope if isinstance(scope, dict) else {}
            where = str(scope.get("path") or "").strip("/")
            if where and not (relative == where or relative.startswith(where + "/")
                              or fnmatch.fnmatch(relative, where)):
                continue
            if scope.get("type") and str(scope["type"]) != kind:
                continue
            values = default.get("values")
            if isinstance(values, dict):
                found.append((len(where), order, values))
        merged: dict = {}
        for _, _, values in sorted(found, key=lambda item: item[:2]):
            merged.update({str(k).lower(): v for k, v in values.items()})
        return merged

    def skip_reason(self, path: Path) -> str | None:
        kind = self.kind(path)
        if kind is not None and kind.startswith("collection:"):
            name = kind.split(":", 1)[1]
            if not self.collections[name].get("output"):
                return f"in the collection {name!r}, which Jekyll does not output as pages"
            return super().skip_reason(path)
        if kind is None:
            folder = next(p for p in path.relative_to(self.root).parts if p.startswith("_"))
            return f"in {folder}/, which Jekyll does not publish as posts or pages"
        if kind == "page":
            relative = path.relative_to(self.root).as_posix()
            stem = path.name.split(".")[0].lower()
            if relative.split(".")[0].lower() == "index":
                return "the site's home page, which pressmark makes itself"
            if stem == "404":
                return "the site's not-found page, which pressmark makes itself"
            if not _has_front_matter(path):
                return "no front matter: Jekyll copies it as it is, not as a page"
        return super().skip_reason(path)

    def page_reason(self, path: Path, meta: dict) -> str | None:
        kind = self.kind(path) or ""
        if kind.startswith("collection:"):
            return f"a document of the collection {kind.split(':', 1)[1]!r}, not a post"
        if kind != "page":
            return None
        return "outside _posts and _drafts: a page of the site"

    def is_bundle(self, path: Path) -> bool:
        return False

    def folder_categories(self, path: Path, meta: dict) -> list[str]:
        parts = path.relative_to(self.root).parts[:-1]
        if self.kind(path) not in ("post", "draft"):
            return []  # a page's folders are its address, not categories
        marker = "_posts" if "_posts" in parts else "_drafts"
        return [p for p in parts[: parts.index(marker)] if not p.startswith("_")]

    def ignored_keys(self, meta: dict) -> set[str]:
        # A front-matter permalink is a pattern Jekyll expands; old_url does it.
        return {"permalink"}

    def adjust(self, path: Path, entry: Entry) -> None:
        if self.kind(path) == "page" and entry.data.slug == "index":
            entry.data.slug = slugify(path.parent.name)  # docs/index.md is the docs page
        if self.kind(path) == "draft" and entry.data.status == PUBLISHED:
            entry.data.status = DRAFT
            entry.notes.append("in _drafts: imported as a draft")

    def old_url(self, path: Path, entry: Entry, name: FileName, meta: dict) -> str | None:
        ctx = self.context(path, entry, name, meta)
        ctx.title_slug = pretty_slug(str(meta.get("slug") or "").strip() or name.stem)
        categories = self.folder_categories(path, meta)
        from pressmark.migrate.toolkit.entry import as_list

        categories = as_list(meta.get("categories"), split_spaces=True) + as_list(
            meta.get("category")) + categories
        ctx.categories = categories
        if self.permalink:  # the user's pattern replaces the generator's rule
            return self.user_url(path, entry, name, meta)
        if self.kind(path) == "draft":
            return None  # drafts were never published
        if self.kind(path) == "page":
            return self.page_url(path, meta)
        if (self.kind(path) or "").startswith("collection:"):
            return self.document_url(path, meta, ctx)
        pattern = str(meta.get("permalink") or "").strip() or self.pattern
        pattern = STYLES.get(pattern, pattern).replace(":output_ext", ".html")
        return expand(pattern, ctx)

    def document_url(self, path: Path, meta: dict, ctx) -> str | None:
        """A collection document's address: its ``permalink``, else the collection's,
        else Jekyll's ``/:collection/:path:output_ext``."""
        name = str(self.kind(path)).split(":", 1)[1]
        pattern = str(meta.get("permalink") or self.collections[name].get("permalink")
                      or "/:collection/:path:output_ext")
        pattern = STYLES.get(pattern, pattern)
        folder = self.root / self.collections_dir / f"_{name}"
        inner = path.relative_to(folder).with_suffix("").as_posix()
        pattern = (pattern.replace(":collection", name).replace(":path", inner)
                   .replace(":name", pretty_slug(path.stem)).replace(":output_ext", ".html"))
        return expand(pattern, ctx)

    def page_url(self, path: Path, meta: dict) -> str:
        """A page's address: its own ``permalink``, else its path (``.html``, or a folder
        with the ``pretty`` style, as Jekyll's ``/:path/:basename:output_ext``)."""
        own = str(meta.get("permalink") or "").strip()
        if own:
            return own if own.startswith("/") else f"/{own}"
        relative = path.relative_to(self.root).with_suffix("")
        if relative.name == "index":
            folder = relative.parent.as_posix()
            return "/" if folder == "." else f"/{folder}/"
        if self.pattern.endswith("/"):  # the pretty style: pages become folders too
            return f"/{relative.as_posix()}/"
        return f"/{relative.as_posix()}.html"


def read_collections(config: dict) -> dict[str, dict]:
    """``collections`` (a list of names or a table of settings) as name -> settings."""
    raw = config.get("collections") or {}
    if isinstance(raw, list):
        return {str(name): {} for name in raw}
    if isinstance(raw, dict):
        return {str(k): (v if isinstance(v, dict) else {}) for k, v in raw.items()}
    return {}


def _has_front_matter(path: Path) -> bool:
    """Whether the file starts with a front matter fence, as Jekyll requires of a page."""
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            return fh.readline().rstrip() == "---"
    except OSError:
        return False
