"""What an incremental freeze must render again: the site's state and each page's dependencies.

A freeze records, in its manifest, a fingerprint of everything pages are made of:

- ``site``: the settings, the enabled plugins, pressmark's version and every table that is
  not a post (topics, tags, series, authors' public fields, navigation, aliases, images,
  which post has which tag or author);
- ``placement`` of each post: its slug, status, visibility now, date, topic, series, page-ness
  and featured flag (what decides where it is listed and its neighbours);
- ``content`` of each post: what its own page shows (title, summary, body, cover...);
- ``pages``: for each URL written, the posts it links to (a listing, a feed, a neighbour's
  previous/next link), found in its HTML.

The next ``freeze --incremental`` compares: nothing changed -> nothing is rendered; only
posts' contents changed -> their pages and the pages linking to them; anything else (a
post added, removed, moved, re-dated or scheduled into view, a setting, a topic) -> a full
render, which is always correct.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from flask import Flask
from pressmark import __version__
from pressmark.content.models import Post
from pressmark.extensions import db
from pressmark.plugin_system.manager import plugin_infos
from sqlalchemy import select, text

# Tables whose rows make up pages besides the posts (users: their public fields only).
SITE_QUERIES = (
    "SELECT * FROM topics ORDER BY id", "SELECT * FROM tags ORDER BY id",
    "SELECT * FROM series ORDER BY id", "SELECT path, post_id FROM aliases ORDER BY path",
    "SELECT * FROM nav_items ORDER BY id", "SELECT * FROM images ORDER BY name",
    "SELECT * FROM post_tags ORDER BY 1, 2", "SELECT * FROM post_authors ORDER BY 1, 2",
    "SELECT id, display_name, slug, bio, role FROM users ORDER BY id",
)
POST_LINK_RE = re.compile(r'["(>](?:https?://[^/"<)\s]+)?/posts/([^/"<)?#\s.]+)')


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, default=str, sort_keys=True).encode()).hexdigest()


def site_fingerprint(app: Flask) -> str:
    settings = {k: v for k, v in app.config.items() if k.isupper() and k != "SECRET_KEY"
                and isinstance(v, str | int | float | bool | list | tuple | type(None))}
    plugins = sorted((info.name, info.version, info.enabled) for info in plugin_infos(app))
    rows = [[list(row) for row in db.session.execute(text(query))] for query in SITE_QUERIES]
    return _digest([__version__, settings, plugins, rows])


def post_fingerprints() -> tuple[dict[str, str], dict[str, str]]:
    """Each visible post's placement and content fingerprints, keyed by its slug.

    The manifest lies in the public output folder: posts readers cannot see appear in it
    only as one opaque digest of where they all stand (so one going live is noticed), never
    by name or content.
    """
    placement: dict[str, str] = {}
    content: dict[str, str] = {}
    hidden: list[str] = []
    for post in db.session.scalars(select(Post).order_by(Post.id)):
        if not post.is_visible:
            hidden.append(_digest([post.id, post.status, post.published_at, post.is_page]))
            continue
        placement[post.slug] = _digest([
            post.id, post.status, post.is_visible, post.published_at, post.is_page,
            post.topic_id, post.series_id, post.series_position, post.featured,
        ])
        content[post.slug] = _digest([
            post.version, post.title, post.summary, post.body_html, post.toc_html,
            post.cover_image, post.cover_alt, post.language, post.word_count, post.updated_at,
        ])
    placement[" hidden"] = _digest(hidden)  # a space: no slug can take this key
    return placement, content


def linked_posts(body: str) -> list[str]:
    """The slugs of the posts a page links to (its dependencies)."""
    return sorted(set(POST_LINK_RE.findall(body)))


@dataclass
class Plan:
    """The outcome of comparing the last freeze with now."""

    full: bool
    urls: set[str] = field(default_factory=set)  # to render again when not full
    reason: str = ""


def plan(previous: dict, site: str, placement: dict[str, str], content: dict[str, str]) -> Plan:
    """What to render, given the last manifest and the fingerprints of now."""
    if previous.get("format") != 2:
        return Plan(True, reason="no earlier incremental record")
    if previous.get("site") != site:
        return Plan(True, reason="settings, plugins, topics, tags or authors changed")
    if previous.get("placement") != placement:
        return Plan(True, reason="posts were added, removed, moved or (un)published")
    changed = {slug for slug, digest in content.items() if previous["content"].get(slug) != digest}
    urls: set[str] = set()
    for url, (_name, deps) in previous.get("pages", {}).items():
        if changed & set(deps):
            urls.add(url)
    for slug in changed:
        urls |= {f"/posts/{slug}", f"/posts/{slug}.md"}
    return Plan(False, urls=urls, reason=f"{len(changed)} posts changed")
