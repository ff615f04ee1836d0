"""Listing pages have path URLs: page 2 of ``/posts`` is ``/posts/page/2/``, on the live site
and in a frozen copy alike (a static host serves ``posts/page/2/index.html`` with no rules).

Each listing view has a second route ending in ``/page/<int:page>/``; ``url_for(endpoint,
page=N)`` builds it (werkzeug prefers the rule that uses the most arguments). The old query
form ``?page=N`` answers 301 to the path, ``/page/1/`` to the listing itself, and a ``?page``
added to a path form to that path without it, so every page of a listing has one address.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request, url_for
from pressmark.web.urls import positive_int

# The listings that page; each has a route "<its path>/page/<int:page>/".
PAGED_ENDPOINTS = frozenset({
    "public.posts", "public.topic", "public.tag", "public.author", "public.archive",
    "public.archive_year",
})
PAGE_SUFFIX = "/page/<int:page>/"


def page_url(endpoint: str, page: int | None, **values) -> str:
    """The URL of page ``page`` of a listing (the listing's own URL for page 1)."""
    return url_for(endpoint, **values, page=page if page and page > 1 else None)


def to_path_form() -> Response | None:
    """301 from ``?page=N`` (or ``/page/1/``) to the listing page's one address."""
    if request.endpoint not in PAGED_ENDPOINTS or request.method not in ("GET", "HEAD"):
        return None
    values = dict(request.view_args or {})
    in_path = values.pop("page", None)
    if in_path == 1:
        return redirect(page_url(request.endpoint, 1, **values), code=301)
    raw = request.args.get("page")
    if raw is None:
        return None
    others = {k: v for k, v in request.args.items() if k != "page"}
    if in_path is not None:  # /posts/page/2/?page=7 is page 2: its address has no ?page
        return redirect(page_url(request.endpoint, in_path, **values, **others), code=301)
    page = positive_int(raw)  # the one reading of a page number, as the views read it
    if page is None:
        return None  # the view answers 404 for a page number that is not one
    return redirect(page_url(request.endpoint, page, **values, **others), code=301)


def init_blueprint(bp: Blueprint) -> None:
    """Redirect the query form for ``bp``'s listing views."""
    bp.before_request(to_path_form)
