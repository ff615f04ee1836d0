"""``/api/v1/topics``, ``/tags``, ``/authors`` and ``/series``: lists and one by slug.

The same visibility as the site's pages: a tag, an author or a series is public only while
a visible post carries it (a tag only drafts carry is not listed and is a 404); topics are
public as the site's topic pages are. Lists are ordered by slug, with cursor pagination.
Each item links to its posts (``posts_url``: ``/api/v1/posts?topic=...``).
"""

from __future__ import annotations

from flask import url_for
from pressmark.api import (
    absolute_url,
    public_author_or_404,
    public_series_or_404,
    public_tag_or_404,
)
from pressmark.content.models import Post, Series, Tag, Topic, User, post_authors, post_tags
from pressmark.extensions import db
from pressmark.web.api.base import content, json_answer
from pressmark.web.api.listing import list_answer, page_of
from pressmark.web.api.params import Reader, cursor_text
from pressmark.web.api.problems import not_found
from pressmark.web.api.serialize import author_json, series_json, tag_json, topic_json
from sqlalchemy import exists, select
from werkzeug.exceptions import NotFound


def _visible_exists(*conditions):
    """An EXISTS of a visible post matching ``conditions`` (the public-ness of a tag...)."""
    return exists(Post.visible().order_by(None).with_only_columns(Post.id).where(*conditions))

PUBLIC = {
    "tag": lambda: exists(
        Post.visible().order_by(None).with_only_columns(Post.id)
        .join(post_tags, post_tags.c.post_id == Post.id).where(post_tags.c.tag_id == Tag.id)
    ),
    "author": lambda: exists(
        Post.visible().order_by(None).with_only_columns(Post.id)
        .join(post_authors, post_authors.c.post_id == Post.id)
        .where(post_authors.c.user_id == User.id)
    ),
    "series": lambda: _visible_exists(Post.series_id == Series.id),
}


def _list(model, public, to_json, filter_name: str):
    """A page of ``model`` rows (those ``public`` allows), ordered by slug."""
    reader = Reader()
    limit = reader.limit()
    query = select(model).order_by(model.slug)
    if public is not None:
        query = query.where(public())
    cursor = reader.cursor(1)
    # Always a range of the slug index (from "" on the first page), stopped by the LIMIT.
    query = query.where(model.slug > (cursor_text(cursor[0]) if cursor is not None else ""))
    rows = db.session.scalars(query.limit(limit + 1)).all()
    items, more = page_of(rows, limit)
    data = list_answer(
        [_with_posts_url(to_json(item), filter_name, item.slug) for item in items],
        read=reader.read, more=more, limit=limit, last_key=lambda: [items[-1].slug],
    )
    return json_answer(data, reader.read, next_url=data["links"]["next"])


def _with_posts_url(found: dict, filter_name: str, slug: str) -> dict:
    found["posts_url"] = absolute_url(url_for("api.content.posts", **{filter_name: slug}))
    return found


def _one(lookup, to_json, filter_name: str, slug: str, what: str):
    """One item by slug through the site's own lookup (``public_tag_or_404``...), whose
    404 becomes a problem document."""
    try:
        item = lookup(slug)
    except NotFound:
        raise not_found(what) from None
    return json_answer({"data": _with_posts_url(to_json(item), filter_name, slug)})


def _topic_or_404(slug: str) -> Topic:
    return db.first_or_404(select(Topic).where(Topic.slug == slug))


@content.get("/topics")
def topics():
    return _list(Topic, None, topic_json, "topic")


@content.get("/topics/<slug>")
def topic(slug: str):
    return _one(_topic_or_404, topic_json, "topic", slug, "topic")


@content.get("/tags")
def tags():
    return _list(Tag, PUBLIC["tag"], tag_json, "tag")


@content.get("/tags/<slug>")
def tag(slug: str):
    return _one(lambda s: public_tag_or_404(s)[0], tag_json, "tag", slug, "tag")


@content.get("/authors")
def authors():
    return _list(User, PUBLIC["author"], author_json, "author")


@content.get("/authors/<slug>")
def author(slug: str):
    return _one(lambda s: public_author_or_404(s)[0], author_json, "author", slug, "author")


@content.get("/series")
def series_list():
    return _list(Series, PUBLIC["series"], series_json, "series")


@content.get("/series/<slug>")
def one_series(slug: str):
    """A series with its visible parts in reading order."""
    try:
        series, parts = public_series_or_404(slug)
    except NotFound:
        raise not_found("series") from None
    return json_answer({"data": _with_posts_url(series_json(series, parts), "series", slug)})
