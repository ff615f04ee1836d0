"""Import and export posts as Markdown files with YAML front matter.

The format is the one Hugo, Jekyll and Pelican users already have::

    ---
    title: "KV Caching"
    slug: kv-caching
    date: 2026-03-10T09:00:00Z
    summary: "..."
    topic: llm-internals
    tags: [kv-cache, memory]
    featured: false
    draft: false
    aliases: ["/2017/06/old-url.html"]
    ---
    Markdown body

An optional ``_topics.yaml`` in the folder lists topics (slug, name, description) in order.
Export writes the same files back, so export followed by import round-trips every field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml
from pressmark.content import generation, postdata
from pressmark.content.models import DRAFT, PUBLISHED, SLUG_RE, TRASHED, Post, Topic, slugify
from pressmark.content.postdata import PostData
from pressmark.content.store import ValidationError, save_post
from pressmark.extensions import db
from sqlalchemy import select

TOPICS_FILE = "_topics.yaml"


class FrontMatterError(ValueError):
    """A file that cannot be imported, with the reason in plain words."""


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already present, same slug
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)


def split_front_matter(text: str) -> tuple[dict, str]:
    """Return (front matter, body) of a Markdown file that starts with ``---``."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError("no front matter: the file must start with a line '---'")
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            raw, body = "".join(lines[1:index]), "".join(lines[index + 1 :])
            break
    else:
        raise FrontMatterError("the front matter is not closed by a line '---'")
    try:
        meta = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark else ""
        raise FrontMatterError(f"invalid YAML in the front matter{where}") from exc
    if not isinstance(meta, dict):
        raise FrontMatterError("the front matter must be a mapping of keys to values")
    return meta, body.lstrip("\n")


def _as_datetime(value, key: str) -> datetime | None:
    """Front-matter dates as naive UTC datetimes."""
    try:
        return postdata.front_matter_datetime(value, key)
    except ValueError as exc:
        raise FrontMatterError(str(exc)) from exc


def _as_list(value, key: str) -> list[str]:
    try:
        return postdata.front_matter_list(value, key)
    except ValueError as exc:
        raise FrontMatterError(str(exc)) from exc


def post_data_from_file(text: str) -> PostData:
    """Parse one file into ``PostData``; raise ``FrontMatterError`` with the reason."""
    meta, body = split_front_matter(text)
    title = meta.get("title")
    if not title or not isinstance(title, str):
        raise FrontMatterError("'title' is missing")
    draft = bool(meta.get("draft", False))
    status = meta.get("status") or (DRAFT if draft else PUBLISHED)
    if status not in (DRAFT, PUBLISHED, TRASHED):
        raise FrontMatterError(f"unknown status {status!r}")
    try:
        fields = postdata.from_front_matter(meta)
    except ValueError as exc:
        raise FrontMatterError(str(exc)) from exc
    published_at = fields.get("published_at")
    if status == PUBLISHED and published_at is None:
        raise FrontMatterError("'date' is missing (a published post needs its date)")
    if fields.get("topic") is None and meta.get("categories"):
        fields["topic"] = str(_as_list(meta["categories"], "categories")[0])
    if not fields.get("summary") and meta.get("description"):
        fields["summary"] = str(meta["description"])
    return PostData(
        **fields | {"title": title, "status": status},
        body=body,
        aliases=_as_list(meta.get("aliases"), "aliases"),
        # Without an "updated" date a post was last changed when it was published.
        updated_at=_as_datetime(meta.get("updated"), "updated") or published_at,
    )


def import_topics(path: Path) -> None:
    """Create or update topics from a ``_topics.yaml`` list, keeping its order."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise TypeError("the file must be a list of topics, each with a slug")
    for entry in entries:
        if not SLUG_RE.match(str(entry.get("slug") or "")):
            raise KeyError(f"topic slug {entry.get('slug')!r} is not a lowercase-hyphen slug")
    for position, entry in enumerate(entries):
        topic = db.session.scalar(select(Topic).where(Topic.slug == entry["slug"]))
        if topic is None:
            topic = Topic(slug=entry["slug"])
            db.session.add(topic)
        topic.name = entry.get("name") or entry["slug"]
        topic.description = entry.get("description") or ""
        topic.position = position
    db.session.flush()
    generation.bump(db.session)
    db.session.commit()


def import_directory(directory: str | Path) -> ImportReport:
    """Import every ``*.md`` file in ``directory``.

    A bad file is reported with its name and reason and the rest are imported. A file whose
    slug already exists is skipped, so importing twice changes nothing.
    """
    directory = Path(directory)
    report = ImportReport()
    topics_file = directory / TOPICS_FILE
    if topics_file.exists():
        try:
            import_topics(topics_file)
        except (yaml.YAMLError, KeyError, TypeError) as exc:
            db.session.rollback()
            report.errors.append((TOPICS_FILE, f"cannot read topics: {exc}"))
    for path in sorted(directory.glob("*.md")):
        try:
            data = post_data_from_file(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            report.errors.append((path.name, "not UTF-8 text"))
            continue
        except FrontMatterError as exc:
            report.errors.append((path.name, str(exc)))
            continue
        data.slug = data.slug or slugify(data.title)
        if db.session.scalar(select(Post.id).where(Post.slug == data.slug)):
            report.skipped.append(path.name)
            continue
        try:
            save_post(data, kind="import")
        except ValidationError as exc:
            report.errors.append((path.name, "; ".join(exc.errors.values())))
            continue
        report.imported.append(path.name)
    return report


def post_to_file(post: Post) -> str:
    """The front-matter file for ``post`` (the inverse of ``post_data_from_file``)."""
    meta = postdata.to_front_matter(post) | {
        "updated": post.updated_at.isoformat() + "Z",
        "aliases": [a.path for a in sorted(post.aliases, key=lambda a: a.path)],
    }
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n{post.body}"


def export_directory(directory: str | Path) -> int:
    """Write every post (drafts and trash included) and ``_topics.yaml``; return the count."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    topics = db.session.scalars(select(Topic).order_by(Topic.position, Topic.slug)).all()
    (directory / TOPICS_FILE).write_text(
        yaml.safe_dump(
            [{"slug": t.slug, "name": t.name, "description": t.description} for t in topics],
            sort_keys=False,
            allow_unicode=True,
            width=1000,
        ),
        encoding="utf-8",
    )
    posts = db.session.scalars(select(Post).order_by(Post.id)).all()
    for post in posts:
        (directory / f"{post.slug}.md").write_text(post_to_file(post), encoding="utf-8")
    return len(posts)


DEMO_CONTENT = Path(__file__).parent / "demo_content"


def load_demo_content() -> ImportReport:
    return import_directory(DEMO_CONTENT)
