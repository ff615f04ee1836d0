"""Listing pages have path URLs: page 2 of ``/posts`` is ``/posts/page/2/``, on the live site
and in a frozen copy alike (a static host serves ``posts/page/2/index.html`` with no rules).

Each listing view has a second route ending in ``/page/<int:page>/``; ``url_for(endpoint,
page=N)`` builds it (werkzeug prefers the rule that uses the most arguments). The old query
form ``?page=N`` answers 301 to the path, and ``/page/1/`` to the listing itself, so every
page of a listing has one address.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request, url_for

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
    if raw is None or in_path is not None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 7 and 0 < int(raw) <= 1_000_000):
        return None  # the view answers 404 for a page number that is not one
    others = {k: v for k, v in request.args.items() if k != "page"}
    return redirect(page_url(request.endpoint, int(raw), **values, **others), code=301)


def init_blueprint(bp: Blueprint) -> None:
    """Redirect the query form for ``bp``'s listing views."""
    bp.before_request(to_path_form)
