"""``/api/v1/search?q=...``: the site's search (the ``search`` plugin's index) as JSON.

The query syntax is the search page's (words, ``"phrases"``, ``prefix*``, ``-word``,
``OR``); results are the visible posts that match, best first. Results are ranked, so the
cursor carries a position in the ranking rather than a key. When the search plugin is
disabled, or the database has no full-text search, the endpoint answers 404.
"""

from __future__ import annotations

from flask import current_app
from pressmark.content.models import Post, utcnow
from pressmark.extensions import db
from pressmark.state import app_state
from pressmark.web.api.base import content, json_answer
from pressmark.web.api.listing import list_answer
from pressmark.web.api.params import Reader, cursor_int
from pressmark.web.api.posts import fields_and_formats, listing_options
from pressmark.web.api.problems import Problem, bad_parameter
from pressmark.web.api.serialize import LIST_FIELDS, POST_FIELDS, post_json
from sqlalchemy import select

MAX_POSITION = 1000  # ranks further down are not worth reading


def search_backend():
    """The search plugin's backend for this database, or None when search is off."""
    if app_state(current_app).pm.get_plugin("search") is None:
        return None
    from pressmark.plugins.search.backends import current_backend

    return current_backend()


def run_search(text: str, *, offset: int, limit: int, formats: tuple[str, ...] = ()
               ) -> tuple[list[Post], int]:
    """Visible posts matching ``text``, best first, from ``offset``; and the total."""
    from pressmark.plugins.search.query import parse

    backend = search_backend()
    if backend is None:
        raise Problem(404, "Search is not available on this site.")
    query = parse(text)
    if query.is_empty:
        return [], 0
    # Pages of ``limit`` from ``offset``: the backend pages by number, so ask for the
    # page that holds ``offset`` in pages of ``limit`` (offsets are multiples of it).
    results = backend.search(db.session, query, page=offset // limit + 1, per_page=limit,
                             now=utcnow())
    ids = [hit.post_id for hit in results.hits]
    found = {p.id: p for p in db.session.scalars(
        listing_options(select(Post).where(Post.id.in_(ids)), formats))}
    return [found[i] for i in ids if i in found], results.total


@content.get("/search")
def search():
    reader = Reader()
    text = reader.raw("q")
    if text is None or not text.strip():
        raise bad_parameter("q", "the words to search for.")
    if len(text) > 1000:
        raise bad_parameter("q", "at most 1000 characters.")
    limit = reader.limit()
    fields, formats = fields_and_formats(reader, POST_FIELDS, LIST_FIELDS)
    cursor = reader.cursor(1)
    offset = cursor_int(cursor[0]) if cursor is not None else 0
    if offset % limit or offset > MAX_POSITION:
        raise bad_parameter("cursor", "use the cursor from a previous answer's next link.")
    posts, total = run_search(text, offset=offset, limit=limit, formats=formats)
    more = offset + limit < min(total, MAX_POSITION)
    data = list_answer([post_json(p, fields, formats) for p in posts], read=reader.read,
                       more=more, limit=limit, last_key=lambda: [offset + limit])
    data["meta"]["total"] = total
    return json_answer(data, reader.read, next_url=data["links"]["next"])
