"""Reader views: home, posts, topics, tags, archive, series, authors and standalone pages,
each answered from the page cache.

Every listing query selects visible posts only (published, ``published_at`` not in the
future), so scheduled posts appear by themselves when their time comes. The toolkit these
views are built with (rendering, pagination, lookups, error pages) is
``pressmark.web.rendering``.
"""

from __future__ import annotations

import calendar
from itertools import groupby

from flask import Blueprint, Response, abort, current_app, g, request, session, url_for
from pressmark.content.models import Post, Topic
from pressmark.extensions import db
from pressmark.web import listing_urls
from pressmark.web.archive import archive_page, archive_years
from pressmark.web.cache import offer, per_generation
from pressmark.web.listing_urls import PAGE_SUFFIX
from pressmark.web.rendering import (
    page_number,
    paginate,
    public_author_or_404,
    public_series_or_404,
    public_tag_or_404,
    render_page,
    series_parts,
)
from pressmark.web.social import page_social, post_social
from pressmark.web.urls import canonical_url
from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import defer, load_only, selectinload

bp = Blueprint("public", __name__)
listing_urls.init_blueprint(bp)  # ?page=N -> /.../page/N/


# --- queries ----------------------------------------------------------------------------------


def with_listing_data(query):
    """Load the topic and tags of listed posts in two queries, not one per post, and leave
    out the bodies, which listings never show (long text that SQLite keeps in overflow
    pages: reading it would cost more the larger the database)."""
    return query.options(
        selectinload(Post.topic), selectinload(Post.tags),
        defer(Post.body), defer(Post.body_html), defer(Post.toc_html),
    )


def archive_topic() -> Topic | None:
    return db.session.scalar(
        select(Topic).where(Topic.slug == current_app.config["ARCHIVE_TOPIC"])
    )


def not_in_topic(topic: Topic | None):
    if topic is None:
        return True
    return or_(Post.topic_id.is_(None), Post.topic_id != topic.id)


# --- views ----------------------------------------------------------------------------------------


@bp.route("/")
def home():
    config = current_app.config
    archive = archive_topic()
    topics = db.session.scalars(select(Topic).order_by(Topic.position, Topic.name)).all()
    recent = db.session.scalars(
        with_listing_data(Post.visible())
        .where(Post.featured.is_(True), not_in_topic(archive))
        .limit(config["FEATURED_ON_HOME"])
    ).all()
    notes_query = Post.visible().where(
        not_in_topic(archive), Post.id.not_in([p.id for p in recent])
    )
    # A scan of every visible post: counted once per content change, not per render.
    notes_count = per_generation(
        ("home notes", archive.id if archive else None, tuple(p.id for p in recent)),
        lambda: db.session.scalar(
            select(func.count()).select_from(notes_query.order_by(None).subquery())
        ),
    )
    notes = db.session.scalars(
        with_listing_data(notes_query).limit(config["LATEST_NOTES_LIMIT"])
    ).all()
    archive_posts, archive_count = [], 0
    if archive is not None:
        in_archive = Post.visible().where(Post.topic_id == archive.id)
        archive_posts = db.session.scalars(
            in_archive.options(load_only(Post.id, Post.slug, Post.title, Post.published_at))
            .limit(config["HOME_ARCHIVE_LIMIT"])
        ).all()
        archive_count = per_generation(
            ("home archive", archive.id),
            lambda: db.session.scalar(
                select(func.count()).select_from(in_archive.order_by(None).subquery())
            ),
        )
    return render_page(
        "home.html",
        topics=topics,
        recent=recent,
        notes=notes,
        notes_count=notes_count,
        archive=archive,
        archive_posts=archive_posts,
        archive_count=archive_count,
        social=page_social(config["SITE_TITLE"], [], canonical_url(), schema_type="Blog"),
    )


@bp.route("/posts")
@bp.route("/posts" + PAGE_SUFFIX)
def posts(page: int = 1):
    pagination = paginate(with_listing_data(Post.visible()))
    social = page_social("All posts", [("Posts", url_for("public.posts"))], canonical_url())
    return render_page("list.html", pagination=pagination, heading="All posts", social=social)


@bp.route("/posts/<slug>")
def post(slug: str):
    post = db.session.scalar(Post.visible().where(Post.slug == slug))
    if post is None:
        abort(404)
    # Ordered by (published_at, id), so posts published at the same moment are not skipped.
    here = tuple_(Post.published_at, Post.id)
    position = tuple_(post.published_at, post.id)
    # The neighbours' links need their titles only, not their bodies.
    neighbour = Post.visible().options(
        load_only(Post.id, Post.slug, Post.title, Post.published_at, Post.is_page)
    )
    newer = db.session.scalar(
        neighbour
        .where(here > position)
        .order_by(None)
        .order_by(Post.published_at.asc(), Post.id.asc())
        .limit(1)
    )
    # LIMIT 1: without it the ORM would load every older (or newer) post to return one.
    older = db.session.scalar(neighbour.where(here < position).limit(1))
    parts = series_parts(post.series) if post.series is not None else []
    crumbs = [("Posts", url_for("public.posts"))]
    if post.series is not None:
        crumbs = [(post.series.title, url_for("public.series", slug=post.series.slug))]
    elif post.topic is not None:
        crumbs = [(post.topic.name, url_for("public.topic", slug=post.topic.slug))]
    crumbs.append((post.title, url_for("public.post", slug=post.slug)))
    social = post_social(post, canonical_url(), crumbs)
    return render_page(
        "post.html", post=post, newer=newer, older=older, parts=parts, social=social
    )


@bp.route("/series/<slug>")
def series(slug: str):
    series, parts = public_series_or_404(slug)
    social = page_social(
        series.title, [(series.title, url_for("public.series", slug=series.slug))],
        canonical_url(), description=getattr(series, "description", "") or "",
    )
    return render_page("series.html", series=series, parts=parts, social=social)


@bp.route("/authors/<slug>")
@bp.route("/authors/<slug>" + PAGE_SUFFIX)
def author(slug: str, page: int = 1):
    user, query = public_author_or_404(slug)
    pagination = paginate(with_listing_data(query))
    social = page_social(
        user.name, [(user.name, url_for("public.author", slug=user.slug))], canonical_url(),
        description=user.bio, schema_type="ProfilePage",
        main_entity={"@type": "Person", "name": user.name, "description": user.bio},
    )
    return render_page("author.html", author=user, pagination=pagination, social=social)


@bp.route("/topics/<slug>")
@bp.route("/topics/<slug>" + PAGE_SUFFIX)
def topic(slug: str, page: int = 1):
    topic = db.session.scalar(select(Topic).where(Topic.slug == slug))
    if topic is None:
        abort(404)
    pagination = paginate(with_listing_data(Post.visible()).where(Post.topic_id == topic.id))
    social = page_social(
        topic.name, [(topic.name, url_for("public.topic", slug=topic.slug))], canonical_url(),
        description=topic.description,
    )
    return render_page(
        "list.html", pagination=pagination, topic=topic, heading=topic.name, social=social
    )


@bp.route("/tags/<name>")
@bp.route("/tags/<name>" + PAGE_SUFFIX)
def tag(name: str, page: int = 1):
    tag, query = public_tag_or_404(name)
    pagination = paginate(with_listing_data(query))
    heading = f"Tagged “{tag.name}”"
    crumbs = [(heading, url_for("public.tag", name=tag.slug))]
    social = page_social(heading, crumbs, canonical_url())
    return render_page("list.html", pagination=pagination, tag=tag, heading=heading, social=social)


@bp.route("/archive")
@bp.route("/archive" + PAGE_SUFFIX)
def archive(page: int = 1):
    """Every post, newest first, ``ARCHIVE_PER_PAGE`` titles a page, grouped by year."""
    years = archive_years()
    pagination = archive_listing(sum(count for _, count in years))
    social = page_social("Archive", [("Archive", url_for("public.archive"))], canonical_url())
    # ``years`` is (year, posts on this page), as themes have always read it.
    return render_page(
        "archive.html", years=by_year(pagination.items), year_index=years,
        pagination=pagination, total=pagination.total, social=social,
    )


@bp.route("/archive/<int:year>")
@bp.route("/archive/<int:year>" + PAGE_SUFFIX)
def archive_year(year: int, page: int = 1):
    """One year's posts, newest first, grouped by month; 404 for a year without posts."""
    years = archive_years()
    counts = dict(years)
    if year not in counts:
        abort(404)
    pagination = archive_listing(counts[year], year)
    crumbs = [("Archive", url_for("public.archive")),
              (str(year), url_for("public.archive_year", year=year))]
    social = page_social(f"Archive of {year}", crumbs, canonical_url())
    newer = [y for y, _ in years if y > year]
    older = [y for y, _ in years if y < year]
    return render_page(
        "archive_year.html", year=year, year_index=years, months=by_month(pagination.items),
        pagination=pagination, total=pagination.total, social=social,
        newer_year=newer[-1] if newer else None, older_year=older[0] if older else None,
    )


def archive_listing(total: int, year: int | None = None):
    """The requested page of the archive (of ``year``); a page past the end is a 404."""
    page = page_number()
    pagination = archive_page(page, total, year)
    if page > 1 and page > pagination.pages:
        abort(404)
    return pagination


def by_year(posts):
    return [(year, list(items)) for year, items in groupby(posts, lambda p: p.published_at.year)]


def by_month(posts):
    """``(month number, month name, posts)`` groups; month names are English, like the
    rest of the site's own words."""
    return [(month, calendar.month_name[month], list(items))
            for month, items in groupby(posts, lambda p: p.published_at.month)]


@bp.route("/<slug>")
def page(slug: str):
    """A standalone page. Every other route wins over this one (werkzeug matches static
    paths first), and the editor refuses page slugs that a route uses."""
    page = db.session.scalar(Post.visible_pages().where(Post.slug == slug))
    if page is None:
        abort(404)
    social = post_social(
        page, canonical_url(), [(page.title, url_for("public.page", slug=page.slug))],
        schema_type="WebPage",
    )
    return render_page("page.html", page=page, social=social)


# --- caching ------------------------------------------------------------------------------------


@bp.after_request
def offer_to_cache(response: Response) -> Response:
    """Offer every public 200 to the page cache; pages are the same for every reader.

    A response that sets a cookie (a session ending, a CSRF token) is for one reader only.
    """
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.direct_passthrough or "Set-Cookie" in response.headers or session.modified:
        response.headers["Cache-Control"] = "private, no-cache"
        return response
    return offer(response, params=sorted(g.get("cache_params", ())))


