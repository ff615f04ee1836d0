"""Hugo: ``content/`` with YAML, TOML or JSON front matter, page bundles and shortcodes.

Old URLs follow Hugo's defaults: ``/<section>/<slug or file name>/`` (a bundle's folder
name stands for the file name), ``/<lang>/...`` for a translation, or the site's
``permalinks`` setting for the post's section (``/:year/:month/:title/``); a ``url`` in
front matter is the URL itself. ``_index.md`` files are section pages, not posts.

Pages (About, Uses) are what Hugo leaves out of the home page's list: files whose
``type``/``layout`` is ``page``, files at the top of ``content/``, and the files of top-level
sections other than ``mainSections`` (configured, else the section with the most pages).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import yaml
from pressmark.content.models import slugify
from pressmark.migrate.toolkit.entry import Entry, FileName
from pressmark.migrate.toolkit.files import FileSource
from pressmark.migrate.toolkit.frontmatter import safe_yaml
from pressmark.migrate.toolkit.permalinks import expand

CONFIG_FILES = ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json",
                "config.toml", "config.yaml", "config.yml", "config.json")


def _load_config_file(path: Path) -> dict:
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        if path.suffix == ".toml":
            data = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            data = safe_yaml(text) or {}
    except (ValueError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def read_config(root: Path) -> dict:
    """The site's configuration (an empty dict when none can be read): the root file
    (``hugo.toml``, ``config.yaml``...) over the configuration folder
    ``config/_default/``, where ``hugo.toml`` holds the top level and ``params.toml``,
    ``permalinks.toml``... each hold the table of their name."""
    config: dict = {}
    folder = root / "config" / "_default"
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.suffix not in (".toml", ".yaml", ".yml", ".json") or not path.is_file():
                continue
            data = _load_config_file(path)
            if path.stem in ("hugo", "config"):
                config = {**config, **data}
            else:
                config[path.stem] = data
    for name in CONFIG_FILES:
        path = root / name
        if path.is_file():
            return {**config, **_load_config_file(path)}
    return config


def main_sections(config: dict, source: FileSource) -> set[str]:
    """Hugo's ``mainSections`` (top level or under ``params``, any case), else the top-level
    section with the most pages, as ``site.MainSections`` falls back to."""
    for table in (config, config.get("params") or {}):
        for key, value in table.items() if isinstance(table, dict) else ():
            if str(key).lower() == "mainsections" and value:
                return {str(v) for v in (value if isinstance(value, list) else [value])}
    counts: dict[str, int] = {}
    for path in source.markdown_files(source.content_root):
        sections = source.sections(path)
        if sections and not path.name.startswith("_index."):
            counts[sections[0]] = counts.get(sections[0], 0) + 1
    if not counts:
        return set()
    return {max(sorted(counts), key=lambda name: counts[name])}


def detect(root: Path) -> bool:
    config = read_config(root)
    lowered = {str(k).lower() for k in config}
    if "baseurl" in lowered and "base_url" not in lowered:
        return True
    return (root / "archetypes").is_dir() or (root / "config" / "_default").is_dir() or any(
        (root / n).is_file() for n in CONFIG_FILES[:4])


class HugoSource(FileSource):
    name = "hugo"

    def __post_init__(self) -> None:
        config = read_config(self.root)
        permalinks = config.get("permalinks") or {}
        # Hugo 0.120+ nests them by kind: permalinks.page.posts
        if isinstance(permalinks.get("page"), dict):
            permalinks = permalinks["page"]
        self.permalinks = {str(k): str(v) for k, v in permalinks.items() if isinstance(v, str)}
        self.main_sections = main_sections(config, self)

    def page_reason(self, path: Path, meta: dict) -> str | None:
        kind = str(meta.get("type") or meta.get("layout") or "").strip().lower()
        if kind in ("page", "pages"):
            return f"its {'type' if meta.get('type') else 'layout'} is {kind!r}"
        if kind in ("post", "posts"):
            return None
        build = meta.get("_build") or meta.get("build")
        if isinstance(build, dict):
            listed = {str(k).lower(): v for k, v in build.items()}.get("list")
            if listed is False or str(listed).lower() in ("never", "false"):
                return "its build options keep it out of every list (list: never)"
        sections = self.sections(path)
        if not sections:
            # A site with no section at all keeps its posts at the top: they stay posts.
            return "it sits at the top of content/, outside every section" if (
                self.main_sections) else None
        if sections[0] not in self.main_sections:
            listed = ", ".join(sorted(self.main_sections)) or "none"
            return f"its section {sections[0]!r} is not one of the main sections ({listed})"
        return None

    @property
    def content_root(self) -> Path:
        content = self.root / "content"
        return content if content.is_dir() else self.root

    def skip_reason(self, path: Path) -> str | None:
        if path.name.startswith("_index."):
            return "a section's list page (_index), not a post"
        return super().skip_reason(path)

    def ignored_keys(self, meta: dict) -> set[str]:
        return {"_build", "build"} & set(meta)  # read by page_reason

    def old_url(self, path: Path, entry: Entry, name: FileName, meta: dict) -> str | None:
        ctx = self.context(path, entry, name, meta)
        # Hugo's :title is the title, :slug the slug or else the title, :filename the file's.
        ctx.title_slug = slugify(entry.data.title) or name.slug
        own_slug = str(meta.get("slug") or "").strip()
        # Hugo's :slug is the front matter's slug, else the title's.
        ctx.slug = own_slug or ctx.title_slug
        if self.permalink:  # the user's pattern replaces the generator's rule
            return self.user_url(path, entry, name, meta)
        section = ctx.sections[0] if ctx.sections else ""
        pattern = self.permalinks.get(section)
        if pattern:
            slug_or_file = own_slug or name.stem
            pattern = (pattern.replace(":slugorfilename", slug_or_file)
                       .replace(":slugorcontentbasename", slug_or_file)
                       .replace(":contentbasename", ":filename"))
            url = expand(pattern, ctx)
        else:
            last = str(meta.get("slug") or "").strip() or name.stem
            # Hugo lowercases paths (disablePathToLower is off by default), spaces as hyphens.
            url = ("/" + "/".join([*self.sections(path), last]) + "/").lower().replace(" ", "-")
        if url and ctx.lang:
            url = f"/{ctx.lang}{url}"
        return url
