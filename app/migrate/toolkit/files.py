"""What every source of Markdown files shares: finding the files, reading one, page bundles.

A source module subclasses ``FileSource`` and says where its posts are (``content_root``),
which files are not posts (``skip_reason``), and what each post's old URL was
(``old_url``). Reading, metadata, body conversion and bundle images happen here.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urljoin

from pressmark.content.models import slugify
from pressmark.migrate.toolkit import covers, frontmatter
from pressmark.migrate.toolkit.convert import Converter, convert_body
from pressmark.migrate.toolkit.entry import (
    Entry,
    FileName,
    failed,
    parse_file_name,
    post_from_meta,
    skipped,
)
from pressmark.migrate.toolkit.frontmatter import FrontMatterError
from pressmark.migrate.toolkit.permalinks import PermalinkContext, expand

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn")
# Other text formats a generator may hold: seen and reported, not imported.
OTHER_CONTENT_SUFFIXES = (".rst", ".adoc", ".asciidoc", ".org", ".textile", ".ipynb")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
# Folders that never hold posts: build output, dependencies, version control.
NEVER_POSTS = {"node_modules", "_site", "public", "output", ".git", ".hg", "vendor",
               "themes", "theme", "static", "assets", "resources", "__pycache__", ".venv"}
PROJECT_FILES = {"readme", "license", "licence", "changelog", "contributing", "code_of_conduct"}
IMAGE_LINK_RE = re.compile(r"""(!\[[^\]]*\]\(\s*<?)([^)\s>]+)|(<img\b[^>]*?\bsrc=["'])([^"']+)""")


class SourceError(ValueError):
    """A source that cannot be imported at all (a missing path, a format that does not fit,
    a configuration that points outside the source folder)."""


def inside(path: Path, root: Path) -> bool:
    """Whether ``path``, every link in it followed, lies within ``root`` (also resolved).

    The importer publishes what it reads: a link in the source that points at a key file
    or a system file must not become a post, a cover or an image."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    return True


@dataclass
class FileSource:
    """A folder of Markdown files written for one generator."""

    root: Path
    converters: Mapping[str, Converter] = field(default_factory=dict)
    permalink: str | None = None  # the user's --permalink pattern, if any
    name: ClassVar[str] = "markdown"
    split_tag_spaces: ClassVar[bool] = False
    date_prefix: ClassVar[bool] = True  # "2019-02-03-title.md" gives the date
    timezone: str | None = None  # the site's zone for dates written without one

    def __post_init__(self) -> None:
        """Subclasses read their generator's configuration here, adding (file, why) to
        ``problems`` for what they cannot read (the import reports each)."""

    @functools.cached_property
    def problems(self) -> list[tuple[str, str]]:
        return []

    @property
    def content_root(self) -> Path:
        return self.root

    def files(self) -> Iterator[Path]:
        """Every Markdown (or other content) file under the content root, sorted."""
        root = self.content_root
        found = []
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in NEVER_POSTS)
            for name in names:
                suffix = os.path.splitext(name)[1].lower()
                if suffix in MARKDOWN_SUFFIXES + OTHER_CONTENT_SUFFIXES:
                    found.append(Path(folder) / name)
            # A folder named like a Markdown file is seen too, and reported.
            for d in list(dirs):
                if os.path.splitext(d)[1].lower() in MARKDOWN_SUFFIXES:
                    found.append(Path(folder) / d)
                    dirs.remove(d)
        return iter(sorted(found))

    def display_name(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def is_bundle(self, path: Path) -> bool:
        return path.name.split(".")[0] == "index" and path.parent != self.content_root

    def skip_reason(self, path: Path) -> str | None:
        """Why ``path`` is not a post (None: it is one)."""
        if path.name.split(".")[0].lower() in PROJECT_FILES:
            return "a project file (README, LICENSE...), not a post"
        return None

    def sections(self, path: Path) -> list[str]:
        """The folders between the content root and the post (the bundle's folder aside)."""
        folder = path.parent.parent if self.is_bundle(path) else path.parent
        try:
            parts = folder.relative_to(self.content_root).parts
        except ValueError:
            return []
        return list(parts)

    def extra_meta(self, path: Path, meta: dict) -> dict:
        """Defaults the generator takes from outside the file (folder data files); the
        file's own front matter wins."""
        return {}

    def merge_meta(self, defaults: dict, meta: dict) -> dict:
        """The file's front matter over the defaults ``extra_meta`` gave."""
        return {**defaults, **meta}

    def old_url(self, path: Path, entry: Entry, name: FileName, meta: dict) -> str | None:
        """The post's URL on the old site by the generator's own rule (or ``--permalink``)."""
        return None

    def context(self, path: Path, entry: Entry, name: FileName, meta: dict) -> PermalinkContext:
        data = entry.data
        return PermalinkContext(
            slug=data.slug,
            title_slug=self.title_slug(data.title) or name.slug,
            date=data.published_at,
            sections=[slugify(s) or s for s in self.sections(path)],
            categories=[entry.topic_name] if entry.topic_name else [],
            filename=name.stem,
            lang=data.language or "",
        )

    def title_slug(self, title: str) -> str:
        """``:title`` of a ``--permalink`` pattern: the title slugified as the generator
        does it (Jekyll's own ``:title`` is the file name's, set by its source)."""
        return slugify(title)

    def read(self, path: Path) -> Entry:
        """One file as an ``Entry`` (failed or skipped with the reason, never raising)."""
        display = self.display_name(path)
        if path.is_dir():
            return failed(display, "a folder named like a Markdown file, not a file")
        if not inside(path, self.root):
            return failed(display, "refused: a link to a file outside the source folder")
        if path.suffix.lower() in OTHER_CONTENT_SUFFIXES:
            return skipped(display, f"{path.suffix} files are not imported (only Markdown)")
        reason = self.skip_reason(path)
        if reason:
            return skipped(display, reason)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            return failed(display, "not UTF-8 text")
        except OSError as exc:
            return failed(display, f"cannot be read: {exc.strerror or exc}")
        try:
            meta, body = self.split(text)
            name = parse_file_name(path, bundle=self.is_bundle(path),
                                   date_prefix=self.date_prefix)
            meta, body = self.prepare(path, {str(k).lower(): v for k, v in meta.items()},
                                      body)
            meta = self.merge_meta(self.extra_meta(path, meta), meta)
            entry = post_from_meta(meta, body, name=name, path=path,
                                   split_tag_spaces=self.split_tag_spaces,
                                   extra_categories=self.folder_categories(path, meta),
                                   ignore_keys=self.ignored_keys(meta),
                                   timezone=self.timezone, added=self.added_date)
        except FrontMatterError as exc:
            return failed(display, str(exc))
        entry.name = display
        self.adjust(path, entry)
        if not entry.is_page:
            reason = self.page_reason(path, meta)
            if reason:
                entry.is_page = True
                entry.notes.append(f"a page, not a post: {reason}")
        converted = convert_body(entry.data.body, self.name, self.converters)
        entry.data.body = converted.text
        entry.notes += converted.notes
        if self.is_bundle(path):
            entry.folder = path.parent
            entry.uploads = bundle_images(path.parent, entry.data.body)
        self.find_cover(path, entry, meta)
        try:
            old = self.old_url(path, entry, name, meta)
        except (KeyError, ValueError, IndexError) as exc:
            entry.notes.append(f"old URL not worked out: {exc}")
            old = None
        if old:
            entry.old_urls.append(old)
            entry.own_url = old
        self.find_images(path, entry)
        return entry

    def find_images(self, path: Path, entry: Entry) -> None:
        """Every local image the body references (inline, reference-style, ``<img>``,
        ``srcset``), found beside the file or under the site's static folders, as an
        upload to make; each one's old address is kept (``Entry.image_paths``), and a
        reference that leads nowhere is noted."""
        missing = []
        for link in image_references(entry.data.body):
            if link in entry.uploads or re.match(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", link, re.I):
                continue
            file = covers.find_file(link, path.parent, self.static_roots(), self.root)
            if file is None or file.suffix.lower() not in IMAGE_SUFFIXES:
                missing.append(link)
                continue
            entry.uploads[link] = file
        for link in entry.uploads:
            old = self.old_image_path(link, entry)
            if old:
                entry.image_paths[link] = old
        if missing:
            entry.notes.append("image(s) not found in the site's folder, links left as they "
                               "are: " + ", ".join(dict.fromkeys(missing)))

    def old_image_path(self, link: str, entry: Entry) -> str | None:
        """The path an image link addressed on the old site: itself when absolute, else
        resolved against the post's old address."""
        link = covers.PELICAN_PREFIX_RE.sub("", link.split("#")[0].split("?")[0])
        if link.startswith("/"):
            return unquote(link)
        if not entry.own_url:
            return None
        base = entry.own_url if entry.own_url.endswith("/") else entry.own_url.rsplit(
            "/", 1)[0] + "/"
        return unquote(urljoin(base, link))

    def folder_categories(self, path: Path, meta: dict) -> list[str]:
        return []

    @functools.cached_property
    def _git_added(self) -> dict[Path, datetime]:
        """When each file was first added, from one ``git log`` of the source's repository
        ({} when it is not in one, or git is missing)."""
        return git_added_dates(self.root)

    def added_date(self, path: Path) -> datetime | None:
        """When ``path`` was first committed: from the whole log, else (a renamed file)
        from ``git log --follow --diff-filter=A`` of the file alone; None without Git."""
        if not self._git_added:
            return None
        found = self._git_added.get(path.resolve())
        return found if found is not None else git_follow_date(path)

    def split(self, text: str) -> tuple[dict, str]:
        """The file's metadata and body (``frontmatter.split``; a generator may be more
        lenient, as Pelican is)."""
        meta, body, _ = frontmatter.split(text)
        return meta, body

    def prepare(self, path: Path, meta: dict, body: str) -> tuple[dict, str]:
        """Metadata the generator takes from the body or the file's name (Pelican's title
        from the first heading), before the shared conventions read it."""
        return meta, body

    def static_roots(self) -> list[Path]:
        """Where a site-absolute image path (``/images/x.png``) is looked for."""
        return [self.root / "static", self.root / "assets", self.content_root, self.root]

    def find_cover(self, path: Path, entry: Entry, meta: dict) -> None:
        """The featured image the file names (see ``covers``), as a file or an address."""
        data = entry.data
        if data.cover_image.startswith("/uploads/"):
            return  # pressmark's own export: the upload is imported with the folder
        data.cover_image = data.cover_alt = ""
        ref = covers.cover_reference(meta)
        if ref is None:
            bundled = (covers.bundle_cover(path.parent, self.root) if self.is_bundle(path)
                       else None)
            if bundled is not None:
                entry.cover_file = bundled
            return
        entry.cover_alt = ref.alt
        if ref.is_url:
            entry.cover_url = ref.ref
            return
        entry.cover_file = covers.find_file(ref.ref, path.parent, self.static_roots(),
                                            self.root)
        if entry.cover_file is None and ref.ref.lower().endswith(".svg"):
            entry.notes.append(f"featured image {ref.ref!r} is an SVG image, which cannot be "
                               "an upload (it can carry scripts): no cover")
        elif entry.cover_file is None:
            entry.notes.append(f"featured image {ref.ref!r} not found in the site's folder: "
                               "no cover")

    def adjust(self, path: Path, entry: Entry) -> None:
        """A last word on the entry (Jekyll's ``_drafts`` are drafts whatever they say)."""

    def ignored_keys(self, meta: dict) -> set[str]:
        return set()

    def page_reason(self, path: Path, meta: dict) -> str | None:
        """Why the generator treats ``path`` as a standalone page (About, Uses), not a post
        of the blog's list; None: a post. ``page: true`` in front matter always makes one."""
        return None

    def markdown_files(self, folder: Path) -> Iterator[Path]:
        """The Markdown files under ``folder``, as ``files`` finds them."""
        for path in self.files():
            if path.suffix.lower() in MARKDOWN_SUFFIXES and folder in path.parents:
                yield path

    def user_url(self, path: Path, entry: Entry, name: FileName, meta: dict) -> str | None:
        """The ``--permalink`` pattern's URL, when one was given."""
        if not self.permalink:
            return None
        url = expand(self.permalink, self.context(path, entry, name, meta))
        if url is None:  # reported by ``read`` as a note
            raise ValueError(f"--permalink {self.permalink!r} needs a value this file lacks "
                             "(a date, or :id, which only exports have)")
        return url


REFERENCE_RE = re.compile(r"^[ ]{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?", re.M)
SRCSET_RE = re.compile(r"""\bsrcset=["']([^"']+)["']""", re.I)


def _git(root: Path, *args: str) -> str | None:
    if shutil.which("git") is None:
        return None
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _git_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None)


def git_added_dates(root: Path) -> dict[Path, datetime]:
    """Every file's first-added commit time (UTC), for the repository holding ``root``."""
    top = _git(root, "rev-parse", "--show-toplevel")
    log = _git(root, "log", "--diff-filter=A", "-M", "--format=%x00%aI",
               "--name-only", "--", ".") if top else None
    if not top or log is None:
        return {}
    base, found, moment = Path(top.strip()), {}, None
    for line in log.splitlines():
        if line.startswith("\x00"):
            moment = _git_time(line[1:])
        elif line.strip() and moment is not None:
            found[(base / line.strip()).resolve()] = moment  # newest first: oldest wins
    return found


def git_follow_date(path: Path) -> datetime | None:
    """``git log --follow --diff-filter=A`` of one file: when it was first added."""
    log = _git(path.parent, "log", "--follow", "--diff-filter=A", "--format=%aI", "--",
               path.name)
    lines = [line for line in (log or "").splitlines() if line.strip()]
    return _git_time(lines[-1]) if lines else None


def image_references(body: str) -> list[str]:
    """Image links of a Markdown body as written, each once: ``![](x)``, ``[ref]: x``
    definitions of image files, ``<img src>`` and every ``srcset`` candidate."""
    found = [m.group(2) or m.group(4) for m in IMAGE_LINK_RE.finditer(body)]
    found += [m.group(1) for m in REFERENCE_RE.finditer(body)
              if m.group(1).split("?")[0].lower().endswith(IMAGE_SUFFIXES)]
    for srcset in SRCSET_RE.finditer(body):
        found += [part.strip().split()[0] for part in srcset.group(1).split(",")
                  if part.strip()]
    return [link for link in dict.fromkeys(found) if link]


def bundle_images(folder: Path, body: str) -> dict[str, Path]:
    """Images of a page bundle that the body links to: link as written -> file."""
    found: dict[str, Path] = {}
    for match in IMAGE_LINK_RE.finditer(body):
        link = match.group(2) or match.group(4)
        if not link or re.match(r"^[a-z][a-z0-9+.-]*:|^/|^#", link, re.I):
            continue
        candidate = (folder / link.split("?")[0].split("#")[0]).resolve()
        try:
            candidate.relative_to(folder.resolve())
        except ValueError:
            continue  # outside the bundle
        if candidate.is_file() and candidate.suffix.lower() in IMAGE_SUFFIXES:
            found[link] = candidate
    return found
