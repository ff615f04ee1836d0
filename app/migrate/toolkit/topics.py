"""``_topics.yaml``: the topics of a pressmark export (slug, name, description), in order."""

from __future__ import annotations

from pathlib import Path

from pressmark.content import generation
from pressmark.content.models import SLUG_RE, Topic
from pressmark.extensions import db
from pressmark.migrate.toolkit.frontmatter import safe_yaml
from sqlalchemy import select

TOPICS_FILE = "_topics.yaml"


def import_topics(path: Path, *, dry_run: bool = False) -> int:
    """Create or update topics from a ``_topics.yaml`` list, keeping its order; the count.

    Raises ``TypeError``, ``KeyError`` or ``yaml.YAMLError`` with the reason, changing nothing.
    """
    entries = safe_yaml(path.read_text(encoding="utf-8")) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise TypeError("the file must be a list of topics, each with a slug")
    for entry in entries:
        if not SLUG_RE.match(str(entry.get("slug") or "")):
            raise KeyError(f"topic slug {entry.get('slug')!r} is not a lowercase-hyphen slug")
    if dry_run:
        return len(entries)
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
    return len(entries)
