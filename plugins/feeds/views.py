"""The feed URLs: the whole site, one topic, one tag, one series, one author, each as RSS,
Atom and JSON Feed.

Feeds are the most polled URLs of a blog, so each answer is kept in the app's page cache
(cleared on every save, never kept past the next scheduled publication) and carries a
strong ETag, ``Last-Modified`` and ``Cache-Control``, so a reader that already has it gets
a 304.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, request, url_for
from pressmark.api import (
    absolute_url,
    cached_response,
    last_change,
    per_generation,
    public_author_or_404,
    public_series_or_404,
    public_tag_or_404,
)
from pressmark.content.models import Image, ImageInfo, Post, Topic
from pressmark.extensions import db
from pressmark.plugins.feeds.build import FORMATS, Author, Entry, EntryImage, Feed
from pressmark.plugins.feeds.html import absolutize_urls
from sqlalchemy import select
from sqlalchemy.orm import selectinload

bp = Blueprint("feeds", __name__)

FORMAT_RULE = "feed.<any(xml, atom, json):fmt>"
# The date a feed of an empty site says it was updated (Atom requires one).
EPOCH = datetime(1970, 1, 1)


@bp.route("/" + FORMAT_RULE)
def site(fmt: str) -> Response:
    config = current_app.config
    return _feed_response(
        fmt,
        lambda: _build(
            Post.visible(),
            title=config["SITE_TITLE"],
            description=config["SITE_TAGLINE"],
            home_path=url_for("public.home"),
            urls={f: url_for("feeds.site", fmt=f) for f in FORMATS},
        ),
    )


@bp.route("/topics/<slug>/" + FORMAT_RULE)
def topic(slug: str, fmt: str) -> Response:
    topic = db.session.scalar(select(Topic).where(Topic.slug == slug))
    if topic is None:
        abort(404)
    return _listing_feed(
        fmt,
        Post.visible().where(Post.topic_id == topic.id),
        f"{topic.name} · {current_app.config['SITE_TITLE']}",
        topic.description,
        "topic",
        slug=topic.slug,
    )


@bp.route("/tags/<name>/" + FORMAT_RULE)
def tag(name: str, fmt: str) -> Response:
    tag, query = public_tag_or_404(name)
    return _listing_feed(
        fmt,
        query,
        f"Tagged “{tag.name}” · {current_app.config['SITE_TITLE']}",
        f"Posts tagged “{tag.name}” on {current_app.config['SITE_TITLE']}.",
        "tag",
        name=tag.slug,
    )


@bp.route("/series/<slug>/" + FORMAT_RULE)
def series(slug: str, fmt: str) -> Response:
    """A series' parts, newest first like every feed (a reader shows them by date)."""
    series, _ = public_series_or_404(slug)
    return _listing_feed(
        fmt,
        Post.visible().where(Post.series_id == series.id),
        f"{series.title} · {current_app.config['SITE_TITLE']}",
        series.description or f"The series “{series.title}”.",
        "series",
        slug=series.slug,
    )


@bp.route("/authors/<slug>/" + FORMAT_RULE)
def author(slug: str, fmt: str) -> Response:
    user, query = public_author_or_404(slug)
    return _listing_feed(
        fmt,
        query,
        f"{user.name} · {current_app.config['SITE_TITLE']}",
        user.bio or f"Posts by {user.name}.",
        "author",
        slug=user.slug,
    )


def _listing_feed(
    fmt: str, query, title: str, description: str, kind: str, **args: str
) -> Response:
    """The feed of one listing page: ``public.<kind>`` is its page and ``feeds.<kind>`` its
    feeds, both addressed by ``args``."""
    return _feed_response(
        fmt,
        lambda: _build(
            query,
            title=title,
            description=description,
            home_path=url_for(f"public.{kind}", **args),
            urls={f: url_for(f"feeds.{kind}", fmt=f, **args) for f in FORMATS},
        ),
    )


# --- building -----------------------------------------------------------------------------------


def tag_authority() -> str:
    """The tagging entity of entry ids: ``FEED_TAG_AUTHORITY``, else the site's host name."""
    configured = current_app.config.get("FEED_TAG_AUTHORITY")
    if configured:
        return configured
    return urlsplit(current_app.config.get("SITE_URL") or request.host_url).hostname or "localhost"


def entry_id(post: Post) -> str:
    """``tag:example.com,2026-03-10:post-42``: built from what a post never changes, its
    database id and creation date, so renaming its slug or title keeps readers' state."""
    return f"tag:{tag_authority()},{post.created_at:%Y-%m-%d}:post-{post.id}"


def cover_name(post: Post) -> str:
    return post.cover_image.removeprefix("/uploads/") if post.cover_image else ""


def covers_of(posts: list[Post]) -> dict[str, ImageInfo]:
    """The stored cover images of ``posts`` by name, in one query."""
    names = {cover_name(p) for p in posts} - {""}
    if not names:
        return {}
    return {image.name: image.info
            for image in db.session.scalars(select(Image).where(Image.name.in_(names)))}


def cover_of(post: Post, covers: dict[str, ImageInfo]) -> EntryImage | None:
    """The post's cover image as feeds describe it, or None."""
    info = covers.get(cover_name(post))
    if info is None:
        return None
    return EntryImage(
        url=absolute_url(info.url), media_type=info.media_type,
        width=info.width, height=info.height, alt=post.cover_alt,
    )


def post_entry(post: Post, covers: dict[str, ImageInfo]) -> Entry:
    url = absolute_url(url_for("public.post", slug=post.slug))
    return Entry(
        image=cover_of(post, covers),
        id=entry_id(post),
        title=post.title,
        url=url,
        published=post.published_at,
        updated=post.modified_at,
        # The same posts head every feed in three formats: each is made absolute once
        # per content change (per site URL), not once per feed rendered.
        content_html=per_generation(
            ("feed content", post.id, url), lambda: absolutize_urls(post.body_html, url)
        ),
        summary=post.summary,
        tags=tuple(t.name for t in post.tags),
        authors=tuple(
            Author(person.name, absolute_url(url_for("public.author", slug=person.slug)))
            for person in post.authors
        ),
    )


def _build(query, *, title: str, description: str, home_path: str, urls: dict[str, str]) -> Feed:
    limit = current_app.config["FEED_LIMIT"]
    posts = db.session.scalars(
        query.options(selectinload(Post.tags), selectinload(Post.authors)).limit(limit)
    ).all()
    covers = covers_of(posts)
    entries = [post_entry(p, covers) for p in posts]
    absolute = {f: absolute_url(u) for f, u in urls.items()}
    return Feed(
        id=absolute["atom"],
        title=title,
        description=description,
        home_url=absolute_url(home_path),
        urls=absolute,
        updated=max((e.updated for e in entries), default=last_change() or EPOCH),
        author=current_app.config["SITE_AUTHOR"],
        language=current_app.config.get("SITE_LANGUAGE") or "en",
        entries=entries,
    )


def _feed_response(fmt: str, build: Callable[[], Feed]) -> Response:
    feed_format = FORMATS[fmt]
    return cached_response(lambda: feed_format.serialise(build()), feed_format.mimetype)
