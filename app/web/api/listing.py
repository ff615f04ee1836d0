"""Lists of the API: keyset ("cursor") pagination and the answer every list shares.

A list is ordered by a unique key (a post's ``(published_at, id)``, newest first; a tag's
slug...). A page holds ``limit`` items; when more follow, ``links.next`` (and an HTTP
``Link: <...>; rel="next"`` header) is the same URL with the ``cursor`` of the last item,
so a client walks the whole list without gaps or repeats, however many posts are
published meanwhile, and each page reads one range of an index, never an offset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urlencode

from flask import request
from pressmark.api import absolute_url
from pressmark.web.api.params import encode_cursor


def page_of(rows: Sequence, limit: int) -> tuple[list, bool]:
    """The first ``limit`` of ``rows`` (fetched with ``limit + 1``) and whether more follow."""
    return list(rows[:limit]), len(rows) > limit


def url_with(names: Sequence[str], **changes: str) -> str:
    """This request's absolute URL with only the parameters ``names`` (those the answer
    depends on: the page cache shares one answer among URLs that differ in others) and
    ``changes``."""
    args = {name: request.args[name] for name in sorted(set(names)) if name in request.args}
    args.update(changes)
    return absolute_url(request.path + (f"?{urlencode(args)}" if args else ""))


def list_answer(items: list, *, read: Sequence[str], more: bool, limit: int,
                last_key: Callable[[], list]) -> dict:
    """The JSON of a list page: ``data``, ``links`` (``self``, ``next``) and ``meta``.
    ``read`` names the parameters the list depends on."""
    next_url = url_with(read, cursor=encode_cursor(last_key())) if more else None
    return {
        "data": items,
        "links": {"self": url_with(read), "next": next_url},
        "meta": {"limit": limit, "count": len(items)},
    }
