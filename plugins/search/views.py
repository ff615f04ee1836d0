"""The search page: ``/search?q=...&page=N``.

Always answers 200 with a page a reader can use, whatever ``q`` holds: hints for an empty
search, a helpful note for no results. Only a bad or past-the-end ``page`` is a 404, as
on every paginated page of the site.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request
from pressmark.api import page_number, plugin_asset_url, record_failure, render_page
from pressmark.content.models import Post, utcnow
from pressmark.extensions import db
from pressmark.plugins.search.backends import Results, current_backend
from pressmark.plugins.search.query import MAX_QUERY_CHARS, parse
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

PLUGIN_NAME = "search"
PER_PAGE = 10

bp = Blueprint("search", __name__)


INDEX_TEXT_CHARS = 1000  # of each post's text in the static index


@bp.get("/search/index.json")
def index():
    """Every visible post's address, title, summary and the start of its text: the index the
    frozen site's search script reads (``static-search.js``)."""
    from flask import jsonify
    from pressmark.plugins.search.text import html_to_text

    posts = db.session.scalars(Post.visible().order_by(Post.published_at.desc()))
    return jsonify(posts=[{
        "url": f"/posts/{post.slug}", "title": post.title, "summary": post.summary or "",
        # The start of the HTML is enough for the start of the text (and far quicker).
        "text": html_to_text((post.body_html or "")[:8 * INDEX_TEXT_CHARS])[:INDEX_TEXT_CHARS],
    } for post in posts])


@bp.get("/search")
def search():
    page = page_number()
    query = parse(request.args.get("q", ""))
    backend = current_backend()
    results: Results | None = None
    failed = False
    if not query.is_empty and backend is not None:
        try:
            results = backend.search(
                db.session, query, page=page, per_page=PER_PAGE, now=utcnow()
            )
        except DBAPIError as exc:
            # The query compiler should make this impossible; if not, say so politely and
            # show the author the failure rather than answering a reader with a 500.
            db.session.rollback()
            record_failure(current_app._get_current_object(), PLUGIN_NAME, "search", exc)
            failed = True
    if page > 1 and (results is None or not results.hits):
        abort(404)
    posts = {}
    if results and results.hits:
        ids = [hit.post_id for hit in results.hits]
        posts = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(ids)))}
    return render_page(
        "search/page.html",
        q=query.text,
        query=query,
        results=results,
        hits=[(hit, posts[hit.post_id]) for hit in results.hits if hit.post_id in posts]
        if results
        else [],
        page=page,
        failed=failed,
        unavailable=backend is None,
        max_query_chars=MAX_QUERY_CHARS,
        static_search_js=plugin_asset_url(PLUGIN_NAME, "static-search.js"),
    )
