"""The page toolkit: what every page, core or plugin, is built with.

``render_page`` (templates with the plugins' variables and head fragments),
``absolute_url``, strict page numbers and pagination, the lookups that answer 404 (a public
tag, series or author, a post by an old path), the template helpers (``slot``,
``canonical_url``, ``post_url``, ``json_ld_authors``), and the
error pages (404 with its redirects from old paths, 500). Reader views are in
``pressmark.web.public``; plugins reach this module through ``pressmark.api``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, abort, current_app, g, redirect, render_template, request, url_for
from jinja2 import pass_context
from markupsafe import Markup
from pressmark.content.models import (
    Post,
    Series,
    Tag,
    User,
    post_authors,
    post_tags,
    utcnow,
)
from pressmark.extensions import db
from pressmark.plugin_system.calling import call_isolated, render_fragments
from pressmark.web.cache import per_generation
from pressmark.web.old_addresses import old_path_redirect
from pressmark.web.social import default_social, json_ld_authors
from pressmark.web.urls import absolute_url, canonical_url, positive_int, post_url
from sqlalchemy import Select, func, select


def render_page(template_name: str, **context: Any) -> str:
    """Render a page with the plugins' extra template variables and head fragments."""
    # pluggy calls the last-registered plugin first; applying in reverse lets it win.
    found = call_isolated("extra_template_vars", template_name=template_name, request=request)
    for extra in reversed(found):
        context.update(extra)
    if "social" not in context:
        context["social"] = default_social(context)
    context["plugin_head"] = render_fragments("extra_head", request=request, context=context)
    return render_template(template_name, **context)


def page_number() -> int:
    """The ``?page=N`` argument (1 when absent); anything but a sane page number is a 404.

    The page then depends on ``page``, so the page cache keys it on that parameter.
    """
    g.setdefault("cache_params", set()).add("page")
    in_path = (request.view_args or {}).get("page")  # /posts/page/2/ (web/listing_urls.py)
    page = in_path if isinstance(in_path, int) else positive_int(request.args.get("page", "1"))
    if page is None:
        abort(404)
    return page


def paginate(query, per_page: int | None = None):
    """Paginate ``query``; a page past the end (other than an empty first page) is a 404.

    The total (a count that reads every matching index entry) is computed once per content
    change for each listing, keyed on the view and its URL arguments, so a render of any
    page of a listing reads only that page's rows. ``query`` must be determined by those.
    """
    page = page_number()
    per_page = per_page or current_app.config["POSTS_PER_PAGE"]
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False, count=False)
    key = ("listing total", request.endpoint, tuple(sorted((request.view_args or {}).items())))
    pagination.total = per_generation(
        key,
        lambda: db.session.scalar(
            select(func.count()).select_from(query.order_by(None).subquery())
        ),
    )
    if page > 1 and page > pagination.pages:
        abort(404)
    return pagination


def public_tag_or_404(name: str) -> tuple[Tag, Select]:
    """The tag whose slug is ``name`` and a select of the visible posts carrying it, newest
    first.

    404 unless a visible post carries it: a tag only drafts carry is not public.
    """
    tag = db.first_or_404(select(Tag).where(Tag.slug == name))
    return tag, _with_a_visible_post(
        Post.visible().join(post_tags).where(post_tags.c.tag_id == tag.id))


def series_parts(series: Series) -> list[Post]:
    """The visible parts of ``series``, in reading order (part number, then date)."""
    query = (
        Post.visible()
        .where(Post.series_id == series.id)
        .order_by(None)
        .order_by(Post.series_position.asc(), Post.published_at.asc(), Post.id.asc())
    )
    return list(db.session.scalars(query))


def public_series_or_404(slug: str) -> tuple[Series, list[Post]]:
    """The series ``slug`` and its visible parts; 404 unless one part is visible."""
    series = db.session.scalar(select(Series).where(Series.slug == slug))
    parts = series_parts(series) if series is not None else []
    if not parts:
        abort(404)
    return series, parts


def public_author_or_404(slug: str) -> tuple[User, Select]:
    """The author ``slug`` and a select of their visible posts, newest first.

    404 unless they wrote a visible post: an account with nothing published is not public.
    """
    user = db.first_or_404(select(User).where(User.slug == slug))
    return user, _with_a_visible_post(
        Post.visible().join(post_authors).where(post_authors.c.user_id == user.id))


def _with_a_visible_post(query: Select) -> Select:
    """``query`` (of visible posts), after a 404 when it has none."""
    if db.session.scalar(query.limit(1)) is None:
        abort(404)
    return query


# --- errors and old paths ------------------------------------------------------------------------


def not_found(error):
    """Answer a path that led somewhere once with its 301; otherwise render the 404 page."""
    moved = old_path_redirect(request.path)
    if moved is not None:
        return moved
    return render_page("404.html", social=None), 404


def health():
    """Liveness and database check for load balancers: 200 when the database answers."""
    db.session.execute(select(1))
    return {"status": "ok"}


def server_error(error):
    return render_template("500.html"), 500


# --- template helpers ----------------------------------------------------------------------------


@pass_context
def slot(context: Mapping[str, Any], name: str) -> Markup:
    """``{{ slot("post_after_body") }}``: the fragments plugins return for that slot."""
    return render_fragments("render_slot", slot=name, request=request, context=context)


def favicon():
    """Browsers ask for /favicon.ico; the icon is an SVG among the static files."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


def init_app(app: Flask) -> None:
    """The template helpers every page uses. (``create_app`` routes ``/-/health`` and
    ``/favicon.ico`` here and registers the error pages.)"""
    app.jinja_env.globals.update(
        slot=slot, canonical_url=canonical_url, absolute_url=absolute_url, post_url=post_url,
        json_ld_authors=json_ld_authors,
    )

    @app.context_processor
    def plugin_assets():
        css = [u for group in call_isolated("extra_css_urls", request=request) for u in group]
        js = [u for group in call_isolated("extra_js_urls", request=request) for u in group]
        return {"plugin_css_urls": css, "plugin_js_urls": js, "now": utcnow()}
