"""URLs and canonicals: the bottom of ``web/``, imported by every other module and
importing none of them but ``page_key`` (the cache key's query, which canonicals share).

``absolute_url`` (a path on the site's base URL), ``post_url`` (a post's or a page's
address), ``positive_int`` (the strict reading of a page number or id from a query) and
``canonical_url`` (this page's canonical address, as every page's head and JSON-LD give it).
"""

from __future__ import annotations

import re

from flask import current_app, g, request, url_for
from pressmark.content.models import Post
from pressmark.web.page_key import canonical_query


def absolute_url(path: str) -> str:
    """``path`` on the site's base URL (``SITE_URL`` if set, else the request's host)."""
    base = current_app.config.get("SITE_URL") or request.host_url
    return base.rstrip("/") + path


def post_url(post: Post) -> str:
    """The URL of a post, or of a page (``/<slug>``), under the app's script root."""
    return url_for("public.page" if post.is_page else "public.post", slug=post.slug)


MAX_PAGE = 1_000_000


def positive_int(raw: str | None, maximum: int = MAX_PAGE) -> int | None:
    """``raw`` as an int in 1..maximum when it is plain ASCII digits, else None.

    (``str.isdigit`` accepts "²" and unbounded lengths, which ``int()`` or the database
    then reject with a 500.)
    """
    if raw is None or not re.fullmatch(r"[0-9]{1,9}", raw):
        return None
    value = int(raw)
    return value if 1 <= value <= maximum else None


def canonical_url() -> str:
    """This page's canonical URL: the path and only the query parameters the page reads
    (those it is cached under: ``?page=N`` beyond a listing's first page), built by the
    same function as its cache key (``pressmark.web.page_key``)."""
    query = canonical_query(request.environ.get("QUERY_STRING", ""),
                            g.get("cache_params", ()))
    return absolute_url(request.path + query)
