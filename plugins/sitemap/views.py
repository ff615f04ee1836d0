"""The crawler-facing URLs: ``/sitemap.xml``, ``/robots.txt``, ``/llms.txt`` and
``/posts/<slug>.md``.

Each answer is kept in the app's page cache (cleared on every save, never kept past the
next scheduled publication) and carries a strong ETag, ``Cache-Control`` and, where content
decides it, ``Last-Modified``; a client that already has it gets a 304.
"""

from __future__ import annotations

import math
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, redirect, url_for
from pressmark.api import absolute_url, cached_response, post_at_old_path
from pressmark.content.models import Post, Series, Tag, Topic, User, post_authors, post_tags
from pressmark.extensions import db
from pressmark.plugins.sitemap import render
from sqlalchemy import Row, func, select
from sqlalchemy.orm import load_only

bp = Blueprint("sitemap", __name__)

# Areas for the author only: nothing there for a search engine.
PRIVATE_PREFIXES = ("/editor/", "/auth/")


def visible_posts() -> list[Row]:
    """Every visible post's id, slug, title, summary, topic and dates, newest first: rows,
    not ORM objects, since the sitemap and llms.txt list every post of the site."""
    columns = (Post.id, Post.slug, Post.title, Post.summary, Post.topic_id,
               Post.published_at, Post.updated_at)
    return list(db.session.execute(Post.visible().with_only_columns(*columns)))


def modified(post: Row) -> datetime:
    """``Post.modified_at`` of a row: its last save or, if later, its going live."""
    return max(post.updated_at, post.published_at)


# The sitemaps protocol's limit per file; past it /sitemap.xml becomes a sitemap index.
MAX_URLS = 50_000


@bp.route("/sitemap.xml")
def sitemap() -> Response:
    return cached_response(_sitemap, "application/xml")


@bp.route("/sitemap-<int:number>.xml")
def sitemap_part(number: int) -> Response:
    """Part ``number`` (from 1) of a sitemap too long for one file; 404 otherwise."""
    parts = _parts(sitemap_urls())
    if len(parts) < 2 or not 1 <= number <= len(parts):
        abort(404)
    return cached_response(lambda: _urlset(parts[number - 1]), "application/xml")


def _parts(urls: list[tuple[str, datetime | None]]) -> list[list[tuple[str, datetime | None]]]:
    size = int(current_app.config.get("SITEMAP_MAX_URLS") or MAX_URLS)
    return [urls[i:i + size] for i in range(0, len(urls), size)] or [[]]


def _urlset(urls: list[tuple[str, datetime | None]]) -> bytes:
    return render.sitemap_xml((absolute_url(path), lastmod) for path, lastmod in urls)


def _sitemap() -> bytes:
    parts = _parts(sitemap_urls())
    if len(parts) == 1:
        return _urlset(parts[0])
    return render.sitemap_index_xml(
        (absolute_url(url_for("sitemap.sitemap_part", number=n)),
         max((m for _, m in part if m is not None), default=None))
        for n, part in enumerate(parts, start=1)
    )


def sitemap_urls() -> list[tuple[str, datetime | None]]:
    """Every public URL (path) with its last change, home first, posts last."""
    posts = visible_posts()
    newest = max((modified(p) for p in posts), default=None)
    urls: list[tuple[str, datetime | None]] = [(url_for("public.home"), newest)]
    pages = math.ceil(len(posts) / current_app.config["POSTS_PER_PAGE"])
    urls.append((url_for("public.posts"), newest))
    urls += [(url_for("public.posts", page=n), newest) for n in range(2, pages + 1)]
    urls.append((url_for("public.archive"), newest))
    by_year: dict[int, datetime] = {}
    by_topic: dict[int, datetime] = {}
    for post in posts:
        changed = modified(post)
        year = post.published_at.year
        by_year[year] = max(by_year.get(year, changed), changed)
        if post.topic_id is not None:
            by_topic[post.topic_id] = max(by_topic.get(post.topic_id, changed), changed)
    urls += [(url_for("public.archive_year", year=year), changed)
             for year, changed in sorted(by_year.items(), reverse=True)]
    # Every topic page exists, even one with nothing published yet (then without lastmod).
    for topic in db.session.scalars(select(Topic).order_by(Topic.position, Topic.name)):
        urls.append((url_for("public.topic", slug=topic.slug), by_topic.get(topic.id)))
    # A tag page exists only while a visible post carries the tag.
    urls += [(url_for("public.tag", name=slug), changed) for slug, changed in _tags_changed()]
    urls += [(url_for("public.post", slug=p.slug), modified(p)) for p in posts]
    urls += _series_and_author_urls()
    # Pages are in the sitemap (not in feeds): an About page is worth finding.
    pages = db.session.scalars(
        Post.visible_pages().options(load_only(Post.slug, Post.updated_at, Post.published_at))
    )
    urls += [(url_for("public.page", slug=p.slug), p.modified_at) for p in pages]
    return urls


def _tags_changed() -> list[tuple[str, datetime]]:
    """Each tag a visible post carries, by slug, dated by its newest change."""
    visible = Post.visible().order_by(None).subquery()
    rows = db.session.execute(
        select(Tag.slug, func.max(visible.c.updated_at), func.max(visible.c.published_at))
        .join(post_tags, post_tags.c.tag_id == Tag.id)
        .join(visible, visible.c.id == post_tags.c.post_id)
        .group_by(Tag.slug)
    )
    # Sorted here, not by the database, whose collation may order non-ASCII slugs its own way.
    return sorted((slug, max(saved, published)) for slug, saved, published in rows)


def _series_and_author_urls() -> list[tuple[str, datetime | None]]:
    """Each series and author page that has a visible post, dated by its newest change."""
    visible = Post.visible().order_by(None).subquery()
    series = db.session.execute(
        select(Series.slug, func.max(visible.c.updated_at), func.max(visible.c.published_at))
        .join(visible, visible.c.series_id == Series.id)
        .group_by(Series.slug)
        .order_by(Series.slug)
    ).all()
    authors = db.session.execute(
        select(User.slug, func.max(visible.c.updated_at), func.max(visible.c.published_at))
        .join(post_authors, post_authors.c.user_id == User.id)
        .join(visible, visible.c.id == post_authors.c.post_id)
        .group_by(User.slug)
        .order_by(User.slug)
    ).all()
    return [
        (url_for("public.series", slug=slug), max(saved, published))
        for slug, saved, published in series
    ] + [
        (url_for("public.author", slug=slug), max(saved, published))
        for slug, saved, published in authors
    ]


@bp.route("/robots.txt")
def robots() -> Response:
    sitemap_url = absolute_url(url_for("sitemap.sitemap"))
    return cached_response(
        lambda: render.robots_txt(PRIVATE_PREFIXES, sitemap_url).encode(),
        "text/plain",
        dated=False,
    )


@bp.route("/llms.txt")
def llms() -> Response:
    return cached_response(lambda: _llms().encode(), "text/plain")


def _llms() -> str:
    config = current_app.config
    posts = visible_posts()
    topics = db.session.scalars(select(Topic).order_by(Topic.position, Topic.name)).all()
    archive_slug = config.get("ARCHIVE_TOPIC")

    def links(topic_id: int | None) -> list[render.Link]:
        return [
            render.Link(markdown_url(p.slug), p.title, p.summary)
            for p in posts
            if p.topic_id == topic_id
        ]

    sections = [(t.name, links(t.id)) for t in topics if t.slug != archive_slug]
    sections.append(("Other posts", links(None)))
    # The llms.txt proposal's "Optional" section: what a reader with little room may skip.
    sections += [("Optional", links(t.id)) for t in topics if t.slug == archive_slug]
    return render.llms_txt(config["SITE_TITLE"], config["SITE_TAGLINE"], sections)


def markdown_url(slug: str) -> str:
    return absolute_url(url_for("sitemap.markdown", slug=slug))


@bp.route("/posts/<slug>.md")
def markdown(slug: str) -> Response:
    post = db.session.scalar(Post.visible().where(Post.slug == slug))
    if post is None:
        # A former slug: send the reader to the post's Markdown copy under its new name.
        moved = post_at_old_path(f"/posts/{slug}")
        if moved is not None:
            return redirect(url_for("sitemap.markdown", slug=moved.slug), code=301)
        abort(404)
    canonical = absolute_url(url_for("public.post", slug=post.slug))
    response = cached_response(
        lambda: render.markdown_copy(
            title=post.title,
            url=canonical,
            published=post.published_at,
            updated=post.modified_at,
            summary=post.summary,
            body=post.body,
        ).encode(),
        "text/markdown",
    )
    # The web page is the original; search engines should index that.
    response.headers["Link"] = f'<{canonical}>; rel="canonical"'
    return response
