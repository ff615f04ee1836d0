"""Eleventy: Markdown anywhere under the input folder, YAML/JSON/JS front matter, folder
data files, Liquid or Nunjucks tags in the Markdown.

Old URLs follow Eleventy's default, the file's path without its extension as a folder
(``posts/hello.md`` -> ``/posts/hello/``, ``posts/index.md`` and ``posts/posts.md`` ->
``/posts/``; a date prefix stays in the URL, though it gives the date), or a plain
``permalink``. ``permalink: false`` (never written
out) imports a draft. The collection tags ``post``/``posts``/``all`` are not topics and are
left out, noted. Data files give defaults such as ``tags`` and ``permalink``: a folder's
(``posts/posts.json``, ``posts.11tydata.json``, ``posts.11tydata.js``), then a template's
own (``hello.11tydata.js`` beside ``hello.md``), their ``tags`` added up as Eleventy's
deep data merge does; a JavaScript data file is read when it
exports a plain object, and named in the report when it runs code. Global data
(``_data/``) is the templates' site data, not any post's metadata, and is not read.

Posts are the ``post``/``posts`` collection (tags from front matter and folder data files);
when a site has none, files at the top of the input folder are pages. A ``layout`` named
``page`` always makes a page.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from pressmark.content.models import DRAFT
from pressmark.migrate.toolkit import frontmatter
from pressmark.migrate.toolkit.entry import Entry, FileName, as_list
from pressmark.migrate.toolkit.files import FileSource, SourceError, inside
from pressmark.migrate.toolkit.frontmatter import FrontMatterError

CONFIG_FILES = (".eleventy.js", ".eleventy.cjs", "eleventy.config.js", "eleventy.config.cjs",
                "eleventy.config.mjs", "eleventy.config.ts")
COLLECTION_TAGS = {"post", "posts", "all"}
POST_COLLECTIONS = {"post", "posts"}
# Data file suffixes, weakest first, as Eleventy ranks them.
DATA_SUFFIXES = (".json", ".11tydata.json", ".11tydata.js", ".11tydata.cjs", ".11tydata.mjs")


def detect(root: Path) -> bool:
    return any((root / name).is_file() for name in CONFIG_FILES)


class EleventySource(FileSource):
    name = "eleventy"

    def __post_init__(self) -> None:
        self._data: dict[Path, dict | str] = {}
        self.input = self.root
        for name in CONFIG_FILES:
            path = self.root / name
            if path.is_file():
                found = re.search(r"""input\s*:\s*["']([^"']+)["']""",
                                  path.read_text(encoding="utf-8", errors="replace"))
                if found:
                    self.input = self.input_folder(path, found.group(1))
                break

    def input_folder(self, config: Path, value: str) -> Path:
        """The ``input`` folder a config file names; ``SourceError`` when it lies outside
        the source folder (the importer reads nothing there). A folder that does not exist
        leaves the source folder itself as the input, as before."""
        folder = (self.root / value).resolve()
        if not inside(folder, self.root):
            raise SourceError(
                f"{config.name} sets the input folder to {value!r}, outside {self.root}: "
                "import the folder that holds it instead")
        return folder if folder.is_dir() else self.root

    @property
    def content_root(self) -> Path:
        return self.input

    def data_files(self, path: Path) -> list[Path]:
        """The data files that give ``path`` defaults, weakest first: each folder's from
        the input folder down (``<folder>.json``, ``<folder>.11tydata.json``,
        ``<folder>.11tydata.js``), then the template's own (``<name>.11tydata.js``...)."""
        chain, folder = [], path.parent
        while True:
            chain.append(folder)
            if folder == self.input or folder == folder.parent:
                break
            folder = folder.parent
        found = []
        stems = [(folder, folder.name) for folder in reversed(chain)]
        stems.append((path.parent, path.name.split(".")[0]))
        for folder, stem in stems:
            for suffix in DATA_SUFFIXES:
                data_file = folder / f"{stem}{suffix}"
                if data_file.is_file() and data_file not in found:
                    found.append(data_file)
        return found

    def read_data_file(self, data_file: Path) -> dict | str:
        """A data file's values, or why it cannot be read (read once per import)."""
        if data_file not in self._data:
            if not inside(data_file, self.root):
                self._data[data_file] = "refused: a link to a file outside the source folder"
                return self._data[data_file]
            try:
                text = data_file.read_text(encoding="utf-8")
                if data_file.suffix == ".json":
                    data = json.loads(text)
                    if not isinstance(data, dict):
                        raise FrontMatterError("does not hold an object")
                else:
                    data = frontmatter.read_js_data(text)
                self._data[data_file] = {str(k).lower(): v for k, v in data.items()}
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                self._data[data_file] = str(exc)
        return self._data[data_file]

    def extra_meta(self, path: Path, meta: dict) -> dict:
        merged: dict = {}
        for data_file in self.data_files(path):
            data = self.read_data_file(data_file)
            if isinstance(data, dict):
                merged = self.merge_meta(merged, data)
        return merged

    def merge_meta(self, defaults: dict, meta: dict) -> dict:
        """Eleventy's deep data merge: tags add up; other values are replaced."""
        merged = {**defaults, **meta}
        if "tags" in defaults and "tags" in meta:
            merged["tags"] = list(dict.fromkeys(as_list(defaults["tags"]) +
                                                as_list(meta["tags"])))
        return merged

    def collection_tags(self, path: Path, meta: dict) -> set[str]:
        """The file's tags with its folder data files' (Eleventy merges them), lowercased."""
        tags = as_list(self.extra_meta(path, {}).get("tags")) + as_list(meta.get("tags"))
        return {tag.lower() for tag in tags}

    @functools.cached_property
    def uses_posts_collection(self) -> bool:
        """Whether any file of the site is in a ``post``/``posts`` collection."""
        for path in self.markdown_files(self.input):
            try:
                meta, _, _ = frontmatter.split(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, FrontMatterError):
                continue
            meta = {str(k).lower(): v for k, v in meta.items()}
            if self.collection_tags(path, meta) & POST_COLLECTIONS:
                return True
        return False

    def page_reason(self, path: Path, meta: dict) -> str | None:
        layout = str(meta.get("layout") or "").rsplit("/", 1)[-1].split(".")[0].lower()
        if layout == "page":
            return f"its layout is {meta['layout']!r}"
        exclude = meta.get("eleventyexcludefromcollections")
        if exclude is True or str(exclude).lower() == "true":
            return "eleventyExcludeFromCollections keeps it out of every collection"
        if self.uses_posts_collection:
            if self.collection_tags(path, meta) & POST_COLLECTIONS:
                return None
            return "not in the posts collection (its tags have neither post nor posts)"
        if path.parent == self.input:
            return "it sits at the top of the input folder"
        return None

    def ignored_keys(self, meta: dict) -> set[str]:
        keys = {"eleventyexcludefromcollections", "eleventynavigation", "eleventycomputed"}
        permalink = meta.get("permalink")
        if permalink is False or (isinstance(permalink, str) and "{" in permalink):
            keys.add("permalink")
        return keys

    def adjust(self, path: Path, entry: Entry) -> None:
        for data_file in self.data_files(path):
            problem = self.read_data_file(data_file)
            if isinstance(problem, str):
                entry.notes.append(f"data file {self.display_name(data_file)} not read: "
                                   f"{problem}; its defaults (tags, permalink...) are missing")
        tags = [t for t in entry.data.tags if t.lower() not in COLLECTION_TAGS]
        if len(tags) != len(entry.data.tags):
            entry.notes.append("collection tags (post, posts, all) left out")
            entry.data.tags = tags

    def old_url(self, path: Path, entry: Entry, name: FileName, meta: dict) -> str | None:
        permalink = meta.get("permalink")
        if permalink is False:
            entry.data.status = DRAFT
            entry.notes.append("permalink: false (never written out): imported as a draft")
            return None
        if isinstance(permalink, str) and "{" in permalink:
            entry.notes.append(f"permalink {permalink!r} is a template: the default URL is kept")
        elif isinstance(permalink, str) and permalink.strip():
            return None  # the permalink itself is the old URL (read as an alias)
        if self.permalink:  # the user's pattern replaces the generator's rule
            return self.user_url(path, entry, name, meta)
        relative = path.relative_to(self.input).parent.parts
        # The whole file name, a date prefix included (only page.fileSlug drops it).
        stem = path.name.rsplit(".", 1)[0]
        same_as_folder = bool(relative) and stem == relative[-1]
        parts = [*relative] if stem == "index" or same_as_folder else [*relative, stem]
        return "/" + "/".join(parts) + "/" if parts else None
