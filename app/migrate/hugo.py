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
from pressmark.migrate.toolkit.entry import Entry, FileName
from pressmark.migrate.toolkit.files import FileSource
from pressmark.migrate.toolkit.frontmatter import safe_yaml
from pressmark.migrate.toolkit.permalinks import expand, hugo_urlize

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


def config_problems(root: Path) -> list[tuple[str, str]]:
    """(file, why) for each configuration file that cannot be read."""
    folder = root / "config" / "_default"
    candidates = [root / name for name in CONFIG_FILES]
    candidates += sorted(folder.iterdir()) if folder.is_dir() else []
    found = []
    for path in candidates:
        if not path.is_file() or path.suffix not in (".toml", ".yaml", ".yml", ".json"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            if path.suffix == ".toml":
                tomllib.loads(text)
            elif path.suffix == ".json":
                json.loads(text)
            else:
                safe_yaml(text)
        except (ValueError, yaml.YAMLError) as exc:
            found.append((path.relative_to(root).as_posix(), f"cannot be read ({exc})"))
    return found


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


def content_folders(root: Path, config: dict) -> list[tuple[Path, str]]:
    """The folders Hugo reads content from, with their language ("" for the default):
    ``module.mounts`` whose target is ``content`` (``content/en`` mounted as ``content``),
    each language's ``contentDir``, else ``content/``. Folders outside the site are left
    out (the importer reads nothing there)."""
    found: list[tuple[Path, str]] = []
    module = config.get("module") if isinstance(config.get("module"), dict) else {}
    for mount in (module or {}).get("mounts") or []:
        if not isinstance(mount, dict):
            continue
        mount = {str(k).lower(): v for k, v in mount.items()}
        if str(mount.get("target") or "").strip("/") == "content" and mount.get("source"):
            found.append((root / str(mount["source"]), str(mount.get("lang") or "")))
    languages = config.get("languages") if isinstance(config.get("languages"), dict) else {}
    default = str(config.get("defaultcontentlanguage") or "en").lower()
    for lang, settings in (languages or {}).items():
        if isinstance(settings, dict):
            settings = {str(k).lower(): v for k, v in settings.items()}
            if settings.get("contentdir"):
                code = "" if str(lang).lower() == default else str(lang)
                found.append((root / str(settings["contentdir"]), code))
    if not found:
        found.append((root / "content" if (root / "content").is_dir() else root, ""))
    resolved = []
    for folder, lang in found:
        folder = folder.resolve()
        if folder.is_dir() and (folder == root.resolve() or root.resolve() in folder.parents):
            resolved.append((folder, lang))
    return resolved or [(root.resolve(), "")]


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
        config = {str(k).lower(): v for k, v in read_config(self.root).items()}
        self.problems = config_problems(self.root)
        permalinks = config.get("permalinks") or {}
        # Hugo 0.120+ nests them by kind: permalinks.page.posts
        if isinstance(permalinks.get("page"), dict):
            permalinks = permalinks["page"]
        self.permalinks = {str(k): str(v) for k, v in permalinks.items() if isinstance(v, str)}
        self.to_lower = not config.get("disablepathtolower")
        self.timezone = str(config.get("timezone") or "") or None
        self.default_lang = str(config.get("defaultcontentlanguage") or "en").lower()
        self.lang_in_subdir = bool(config.get("defaultcontentlanguageinsubdir"))
        self.content_dirs = content_folders(self.root, config)
        self.main_sections = main_sections(config, self)

    def title_slug(self, title: str) -> str:
        return hugo_urlize(title)

    def lang_of(self, path: Path) -> str:
        """The language of the content folder holding ``path`` ("" for the main one)."""
        for folder, lang in self.content_dirs:
            if lang and folder in path.parents:
                return lang
        return ""

    def files(self):
        """Every content file of every content folder (mounts and languages), sorted."""
        found: list[Path] = []
        for folder, _ in self.content_dirs:
            self._walking = folder
            found += [p for p in super().files() if p not in found]
        self._walking = None
        return iter(sorted(found))

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
        walking = getattr(self, "_walking", None)
        if walking is not None:
            return walking
        return self.content_dirs[0][0] if getattr(self, "content_dirs", None) else (
            self.root / "content" if (self.root / "content").is_dir() else self.root)

    def sections(self, path: Path) -> list[str]:
        folder = path.parent.parent if self.is_bundle(path) else path.parent
        for root, _ in getattr(self, "content_dirs", []):
            if root == folder or root in folder.parents:
                return list(folder.relative_to(root).parts)
        return super().sections(path)

    def skip_reason(self, path: Path) -> str | None:
        if path.name.startswith("_index."):
            return "a section's list page (_index), not a post"
        return super().skip_reason(path)

    def ignored_keys(self, meta: dict) -> set[str]:
        return {"_build", "build", "url"} & set(meta)  # read by page_reason and old_url

    def old_url(self, path: Path, entry: Entry, name: FileName, meta: dict) -> str | None:
        lang = self.lang_of(path) or name.lang
        if lang and not entry.data.language:
            entry.data.language = lang
        url = self._own_url(path, entry, name, meta)
        if url is None:
            return None
        if self.to_lower and not meta.get("url"):  # a url is taken as written
            url = url.lower()
        prefix = lang.lower() if lang else self.default_lang
        if (lang and lang.lower() != self.default_lang) or (prefix and self.lang_in_subdir
                                                             and not meta.get("url")):
            url = f"/{prefix}{url}"
        return url

    def _own_url(self, path: Path, entry: Entry, name: FileName, meta: dict) -> str | None:
        if isinstance(meta.get("url"), str) and meta["url"].strip():
            url = meta["url"].strip()  # the address itself, language prefix and all
            return url if url.startswith("/") else f"/{url}"
        ctx = self.context(path, entry, name, meta)
        ctx.lang = ""
        # Hugo's :title is the title, :slug the slug or else the title, both urlised.
        ctx.title_slug = hugo_urlize(entry.data.title) or name.slug
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
            url = "/" + "/".join([*self.sections(path), hugo_urlize(last)]) + "/"
        return url
