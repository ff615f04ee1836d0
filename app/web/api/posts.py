"""``/api/v1/posts`` and ``/api/v1/pages``: lists and one by slug.

Only what readers can see (``Post.visible()``, ``Post.visible_pages()``): drafts, trashed
and scheduled posts are in no answer, whatever the parameters. Posts are listed newest
first by ``(published_at, id)`` with cursor pagination and the filters ``topic``, ``tag``,
``author``, ``series`` (slugs), ``updated_since``, ``published_after`` and
``published_before`` (RFC 3339). ``fields`` picks fields; ``formats`` adds the body.
"""

from __future__ import annotations

from flask import redirect, request, url_for
from pressmark.api import post_at_old_path
from pressmark.content.models import (
    Post,
    Series,
    Tag,
    Topic,
    User,
    post_authors,
    post_tags,
)
from pressmark.extensions import db
from pressmark.web.api.base import content, json_answer
from pressmark.web.api.listing import list_answer, page_of
from pressmark.web.api.params import (
    FORMATS,
    Reader,
    cursor_int,
    cursor_moment,
    cursor_text,
)
from pressmark.web.api.problems import not_found
from pressmark.web.api.serialize import LIST_FIELDS, PAGE_FIELDS, POST_FIELDS, post_json
from sqlalchemy import Select, or_, select, tuple_
from sqlalchemy.orm import defer, selectinload


def listing_options(query: Select, formats: tuple[str, ...] | None) -> Select:
    """Related rows in one query each; bodies left unread unless asked for."""
    query = query.options(selectinload(Post.topic), selectinload(Post.tags),
                          selectinload(Post.authors), selectinload(Post.series),
                          defer(Post.toc_html))
    if not formats:
        query = query.options(defer(Post.body), defer(Post.body_html))
    elif "markdown" not in formats:
        query = query.options(defer(Post.body))
    return query


def fields_and_formats(reader: Reader, allowed: tuple[str, ...], default: tuple[str, ...]
                       ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fields to show and the body's formats: ``formats`` given adds ``body`` to the
    fields; ``body`` without ``formats`` is the HTML."""
    fields = reader.choice_list("fields", allowed)
    formats = reader.choice_list("formats", FORMATS)
    chosen = fields if fields is not None else default
    if formats is not None and "body" not in chosen:
        chosen = (*chosen, "body")
    if "body" in chosen and not formats:
        formats = ("html",)
    return chosen, formats or ()


def filtered(query: Select, reader: Reader) -> Select:
    """``query`` narrowed by the list filters; an unknown slug matches nothing."""
    topic = reader.slug("topic")
    if topic is not None:
        query = query.where(Post.topic_id == select(Topic.id).where(Topic.slug == topic)
                            .scalar_subquery())
    tag = reader.slug("tag")
    if tag is not None:
        tag_id = select(Tag.id).where(Tag.slug == tag).scalar_subquery()
        query = query.join(post_tags, post_tags.c.post_id == Post.id).where(
            post_tags.c.tag_id == tag_id)
    author = reader.slug("author")
    if author is not None:
        user_id = select(User.id).where(User.slug == author).scalar_subquery()
        query = query.join(post_authors, post_authors.c.post_id == Post.id).where(
            post_authors.c.user_id == user_id)
    series = reader.slug("series")
    if series is not None:
        query = query.where(Post.series_id == select(Series.id).where(Series.slug == series)
                            .scalar_subquery())
    since = reader.moment("updated_since")
    if since is not None:
        # "Changed for readers": saved since, or gone live since (a scheduled post).
        query = query.where(or_(Post.updated_at >= since, Post.published_at >= since))
    after = reader.moment("published_after")
    if after is not None:
        query = query.where(Post.published_at > after)
    before = reader.moment("published_before")
    if before is not None:
        query = query.where(Post.published_at < before)
    return query


@content.get("/posts")
def posts():
    reader = Reader()
    limit = reader.limit()
    fields, formats = fields_and_formats(reader, POST_FIELDS, LIST_FIELDS)
    query = filtered(Post.visible(), reader)
    cursor = reader.cursor(2)
    if cursor is not None:
        when, post_id = cursor_moment(cursor[0]), cursor_int(cursor[1])
        query = query.where(tuple_(Post.published_at, Post.id) < tuple_(when, post_id))
    rows = db.session.scalars(listing_options(query, formats).limit(limit + 1)).unique().all()
    items, more = page_of(rows, limit)
    data = list_answer(
        [post_json(p, fields, formats) for p in items], read=reader.read, more=more,
        limit=limit,
        last_key=lambda: [items[-1].published_at.isoformat(), items[-1].id],
    )
    return json_answer(data, reader.read, next_url=data["links"]["next"])


@content.get("/posts/<slug>")
def post(slug: str):
    reader = Reader()
    fields, formats = fields_and_formats(reader, POST_FIELDS, POST_FIELDS)
    found = db.session.scalar(Post.visible().where(Post.slug == slug))
    if found is None:
        moved = None if "\x00" in slug else post_at_old_path(f"/posts/{slug}")
        if moved is not None and not moved.is_page:
            query = request.query_string.decode("latin-1")
            target = url_for("api.content.post", slug=moved.slug)
            return redirect(f"{target}?{query}" if query else target, code=301)
        raise not_found("post")
    return json_answer({"data": post_json(found, fields, formats)}, reader.read)


@content.get("/pages")
def pages():
    reader = Reader()
    limit = reader.limit()
    fields, formats = fields_and_formats(reader, PAGE_FIELDS,
                                         tuple(f for f in PAGE_FIELDS if f != "body"))
    query = Post.visible_pages()
    cursor = reader.cursor(2)
    if cursor is not None:
        title, page_id = cursor_text(cursor[0]), cursor_int(cursor[1])
        query = query.where(tuple_(Post.title, Post.id) > tuple_(title, page_id))
    rows = db.session.scalars(listing_options(query, formats).limit(limit + 1)).unique().all()
    items, more = page_of(rows, limit)
    data = list_answer(
        [post_json(p, fields, formats) for p in items], read=reader.read, more=more,
        limit=limit, last_key=lambda: [items[-1].title, items[-1].id],
    )
    return json_answer(data, reader.read, next_url=data["links"]["next"])


@content.get("/pages/<slug>")
def page(slug: str):
    reader = Reader()
    fields, formats = fields_and_formats(reader, PAGE_FIELDS, PAGE_FIELDS)
    found = db.session.scalar(Post.visible_pages().where(Post.slug == slug))
    if found is None:
        raise not_found("page")
    return json_answer({"data": post_json(found, fields, formats)}, reader.read)
