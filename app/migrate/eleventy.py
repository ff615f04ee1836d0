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

from pressmark.content.models import DRAFT, slugify
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


IGNORES_ADD_RE = re.compile(r"""ignores\.add\(\s*["']([^"']+)["']""")
COLLECTION_RE = re.compile(r"""addCollection\(\s*["'](\w+)["']""")
GLOB_RE = re.compile(r"""getFilteredByGlob\(\s*(\[[^\]]*\]|["'][^"']+["'])""")
TEMPLATE_RE = re.compile(r"\{\{-?\s*(.+?)\s*-?\}\}")


def config_post_globs(text: str) -> list[str]:
    """The globs of the post collections (``post``, ``posts``, ``blog``, ``articles``) a
    config file builds with ``getFilteredByGlob``."""
    globs: list[str] = []
    starts = [(m.start(), m.group(1)) for m in COLLECTION_RE.finditer(text)]
    for index, (start, name) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        if name.lower() not in POST_COLLECTIONS | {"blog", "articles"}:
            continue
        for found in GLOB_RE.finditer(text, start, end):
            globs += re.findall(r"""["']([^"']+)["']""", found.group(1))
    return globs


def glob_pattern(glob: str, base: Path = Path(".")) -> re.Pattern:
    """A regular expression matching the root-relative paths ``glob`` names (``**``
    any folders, ``*`` within one); a glob naming a folder matches everything in it."""
    glob = glob.strip().removeprefix("./").rstrip("/")
    if base.as_posix() not in (".", ""):
        glob = f"{base.as_posix()}/{glob}"
    regex, index = "", 0
    while index < len(glob):
        if glob.startswith("**/", index):
            regex, index = regex + "(?:.*/)?", index + 3
        elif glob.startswith("**", index):
            regex, index = regex + ".*", index + 2
        elif glob[index] == "*":
            regex, index = regex + "[^/]*", index + 1
        else:
            regex, index = regex + re.escape(glob[index]), index + 1
    return re.compile(f"^{regex}(?:/.*)?$")


def fill_permalink(template: str, values: dict[str, str]) -> str | None:
    """A permalink template with ``{{ page.fileSlug }}``, ``{{ title | slugify }}``...
    filled in; None when it uses anything else."""
    missing = False

    def fill(found: re.Match) -> str:
        nonlocal missing
        expression = re.sub(r"\s+", " ", found.group(1))
        if expression in values:
            return values[expression]
        missing = True
        return ""

    filled = TEMPLATE_RE.sub(fill, template)
    if missing or "{%" in filled:
        return None
    return filled


def detect(root: Path) -> bool:
    return any((root / name).is_file() for name in CONFIG_FILES)


class EleventySource(FileSource):
    name = "eleventy"

    def __post_init__(self) -> None:
        self._data: dict[Path, dict | str] = {}
        self.input = self.root
        self.post_globs: list[re.Pattern] = []  # collections the config builds from globs
        self.ignores: list[re.Pattern] = []
        for name in CONFIG_FILES:
            path = self.root / name
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                found = re.search(r"""input\s*:\s*["']([^"']+)["']""", text)
                if found:
                    self.input = self.input_folder(path, found.group(1))
                self.post_globs = [glob_pattern(g) for g in config_post_globs(text)]
                self.ignores = [glob_pattern(g) for g in IGNORES_ADD_RE.findall(text)]
                break
        for folder in dict.fromkeys([self.root, self.input]):
            ignore_file = folder / ".eleventyignore"
            if ignore_file.is_file() and inside(ignore_file, self.root):
                for line in ignore_file.read_text(encoding="utf-8", errors="replace").splitlines():
                    line = line.strip()
                    if line and not line.startswith("#"):
                        self.ignores.append(glob_pattern(line, folder.relative_to(self.root)))

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def skip_reason(self, path: Path) -> str | None:
        relative = self.relative(path)
        if any(pattern.match(relative) for pattern in self.ignores):
            return "ignored by .eleventyignore or the config's ignores: Eleventy skips it"
        return super().skip_reason(path)

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
        if self.post_globs:
            if any(pattern.match(self.relative(path)) for pattern in self.post_globs):
                return None
            return "not in the posts collection the config builds (getFilteredByGlob)"
        if self.uses_posts_collection:
            if self.collection_tags(path, meta) & POST_COLLECTIONS:
                return None
            return "not in the posts collection (its tags have neither post nor posts)"
        if path.parent == self.input:
            return "it sits at the top of the input folder"
        return None

    def ignored_keys(self, meta: dict) -> set[str]:
        # The permalink is read by old_url (a template is filled in there).
        return {"eleventyexcludefromcollections", "eleventynavigation", "eleventycomputed",
                "permalink"}

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

    def page_values(self, path: Path, entry: Entry, name: FileName) -> dict[str, str]:
        """What a permalink template may use: Eleventy's ``page`` values and the title."""
        stem = path.relative_to(self.input).with_suffix("").as_posix()
        title_slug = slugify(entry.data.title)
        values = {"page.fileSlug": name.stem, "page.filePathStem": f"/{stem}",
                  "title | slugify": title_slug, "title | slug": title_slug,
                  "page.fileSlug | slugify": slugify(name.stem)}
        if entry.data.published_at is not None:
            day = entry.data.published_at
            values |= {f'page.date | date: "{f}"': day.strftime(f.replace("yyyy", "%Y")
                       .replace("MM", "%m").replace("dd", "%d"))
                       for f in ("yyyy", "MM", "dd", "yyyy/MM", "yyyy/MM/dd")}
        return values

    def old_url(self, path: Path, entry: Entry, name: FileName, meta: dict) -> str | None:
        permalink = meta.get("permalink")
        if permalink is False:
            entry.data.status = DRAFT
            entry.notes.append("permalink: false (never written out): imported as a draft")
            return None
        if isinstance(permalink, str) and permalink.strip():
            filled = fill_permalink(permalink.strip(), self.page_values(path, entry, name))
            if filled is not None:
                return filled if filled.startswith("/") else f"/{filled}"
            entry.notes.append(f"permalink {permalink!r} uses values pressmark cannot fill "
                               "in: the default URL is kept")
        if self.permalink:  # the user's pattern replaces the generator's rule
            return self.user_url(path, entry, name, meta)
        relative = path.relative_to(self.input).parent.parts
        # The whole file name, a date prefix included (only page.fileSlug drops it).
        stem = path.name.rsplit(".", 1)[0]
        same_as_folder = bool(relative) and stem == relative[-1]
        parts = [*relative] if stem == "index" or same_as_folder else [*relative, stem]
        return "/" + "/".join(parts) + "/" if parts else None
