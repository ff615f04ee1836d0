"""The editor's Series page: each series' title and description.

A series begins when a post names it (``postdata.SeriesRef``); here owners and editors give
it the description that leads its page (and its link previews), or a better title. The
series keeps its address when its title changes (URLs are forever), and two series cannot
share a title, since posts name their series by title.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from pressmark.content.models import Post, Series
from pressmark.content.store import commit_content_change
from pressmark.extensions import db
from pressmark.web.editor import access
from pressmark.web.rendering import render_page
from sqlalchemy import func, select

bp = Blueprint("series_editor", __name__, url_prefix="/editor/series")

TITLE_MAX = 200  # the column's
DESCRIPTION_MAX = 2000


access.guard(bp, "pages", "Only owners and editors can change series.")


def _page(status: int = 200, *, error: str = "", failed: int | None = None,
          typed: dict | None = None):
    counts = dict(db.session.execute(
        select(Post.series_id, func.count()).where(Post.series_id.is_not(None))
        .group_by(Post.series_id)).all())
    all_series = db.session.scalars(select(Series).order_by(func.lower(Series.title))).all()
    return render_page("editor/series.html", all_series=all_series, counts=counts,
                       error=error, failed=failed, typed=typed or {}), status


def title_problem(series: Series, title: str) -> str | None:
    if not title:
        return "A series needs a title."
    if len(title) > TITLE_MAX:
        return f"A series title is at most {TITLE_MAX} characters."
    taken = db.session.scalar(select(Series.id).where(
        func.lower(Series.title) == title.lower(), Series.id != series.id))
    if taken is not None:
        return f"Another series is called “{title}”: posts name their series by title."
    return None


@bp.route("/")
def index():
    return _page()


@bp.route("/<int:series_id>", methods=["POST"])
def update(series_id: int):
    series = db.get_or_404(Series, series_id)
    title = " ".join(request.form.get("title", "").split())
    description = request.form.get("description", "").replace("\r\n", "\n").strip()
    problem = title_problem(series, title)
    if problem is None and len(description) > DESCRIPTION_MAX:
        problem = f"A description is at most {DESCRIPTION_MAX} characters."
    if problem:
        return _page(400, error=problem, failed=series.id,
                     typed={"title": title, "description": description})
    series.title, series.description = title, description
    commit_content_change()
    flash(f"Saved the series “{title}”.", "saved")
    return redirect(url_for(".index"), code=303)
