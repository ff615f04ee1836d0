"""The archive's queries: which years have posts, how many, and the posts of one year.

The archive is bounded like every other listing, whatever the size of the site:

- ``/archive`` lists every visible post newest first, ``ARCHIVE_PER_PAGE`` titles a page
  (``?page=N``), grouped by year, under an index of the years;
- ``/archive/<year>`` lists one year's posts the same way, grouped by month.

The year index (each year with its number of posts) is one aggregate that reads the
listing index only, never the rows, and is computed once per content change
(``per_generation``), like the other counts. Page totals come from it, so no listing page
counts posts on its own. A year's posts are one range of the listing index.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from pressmark.content.models import Post
from pressmark.extensions import db
from pressmark.web.cache import per_generation
from sqlalchemy import extract, func
from sqlalchemy.orm import load_only


def archive_years() -> list[tuple[int, int]]:
    """Each year that has a visible post, newest first, with its number of posts."""

    def count_by_year() -> list[tuple[int, int]]:
        year = extract("year", Post.published_at)
        query = (
            Post.visible().order_by(None).with_only_columns(year, func.count())
            .group_by(year).order_by(year.desc())
        )
        return [(int(y), int(n)) for y, n in db.session.execute(query)]

    return per_generation(("archive years",), count_by_year)


def year_range(year: int) -> tuple[datetime, datetime]:
    """The first moment of ``year`` and of the year after (``published_at`` is naive UTC)."""
    return datetime(year, 1, 1), datetime(year + 1, 1, 1)


def archive_page(page: int, total: int, year: int | None = None) -> Pagination:
    """Page ``page`` of the visible posts (of ``year`` when given), newest first, as titles
    only: the heavy body columns are not read. ``total`` is the number of posts listed,
    known from ``archive_years``."""
    query = Post.visible().options(
        load_only(Post.id, Post.slug, Post.title, Post.published_at)
    )
    if year is not None:
        start, end = year_range(year)
        query = query.where(Post.published_at >= start, Post.published_at < end)
    pagination = db.paginate(
        query, page=page, per_page=current_app.config["ARCHIVE_PER_PAGE"], error_out=False,
        count=False,
    )
    pagination.total = total
    return pagination
