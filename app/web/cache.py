"""An in-process cache of rendered public pages.

Pages are rendered from stored HTML, so they only change when content changes (the cache
is cleared on every save) or when a scheduled post's time comes (entries never outlive the
next scheduled publication). ``PAGE_CACHE_SECONDS`` bounds how stale a page can be in one
process when another process of the same site saved the change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, Response, current_app, request
from pressmark.content.models import PUBLISHED, Post, utcnow
from pressmark.extensions import db
from sqlalchemy import func, select


@dataclass
class CachedPage:
    body: bytes
    headers: list[tuple[str, str]]
    status: int
    expires: float


class PageCache:
    """A small thread-safe mapping of request path (with query) to a rendered response."""

    def __init__(self, max_entries: int = 2000):
        self._entries: dict[str, CachedPage] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: str) -> CachedPage | None:
        entry = self._entries.get(key)
        if entry is None or entry.expires < time.monotonic():
            return None
        return entry

    def put(self, key: str, entry: CachedPage) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def page_cache(app: Flask) -> PageCache:
    return app.extensions["pressmark_page_cache"]


def seconds_until_next_scheduled() -> float | None:
    """Seconds until the next scheduled post goes live, or None if none is waiting."""
    now = utcnow()
    nxt = db.session.scalar(
        select(func.min(Post.published_at)).where(
            Post.status == PUBLISHED, Post.published_at > now
        )
    )
    return (nxt - now).total_seconds() if nxt else None


def last_change() -> datetime | None:
    """When anything readers see last changed: a save, or a scheduled post going live."""
    saved = db.session.scalar(select(func.max(Post.updated_at)))
    went_live = db.session.scalar(
        Post.visible().order_by(None).with_only_columns(func.max(Post.published_at))
    )
    return max((t for t in (saved, went_live) if t is not None), default=None)


def cache_key() -> str:
    """The request's key: host included, since bodies carry absolute URLs."""
    return f"{request.host_url} {request.full_path}"


def cached_answer() -> Response | None:
    """The cached response for this request (a 304 when the client has it), or None."""
    entry = page_cache(current_app).get(cache_key())
    if entry is None:
        return None
    response = Response(entry.body, status=entry.status, headers=entry.headers)
    return response.make_conditional(request)


def store_answer(response: Response, *, dated: bool = True) -> Response:
    """Give a 200 response its validators and ``Cache-Control``, cache it, and answer
    conditionally. ``dated`` adds ``Last-Modified`` for bodies made of content.

    An entry lives ``PAGE_CACHE_SECONDS`` at most, and never past the next scheduled
    publication, so scheduled posts appear on time.
    """
    ttl = float(current_app.config["PAGE_CACHE_SECONDS"])
    wait = seconds_until_next_scheduled()
    if wait is not None:
        ttl = min(ttl, max(wait, 0.0))
    response.cache_control.public = True
    response.cache_control.max_age = int(ttl)
    if dated:
        response.last_modified = last_change()
    response.add_etag()
    page_cache(current_app).put(
        cache_key(),
        CachedPage(
            body=response.get_data(),
            headers=list(response.headers.items()),
            status=response.status_code,
            expires=time.monotonic() + ttl,
        ),
    )
    return response.make_conditional(request)


def cached_response(
    render_body: Callable[[], bytes], mimetype: str, *, dated: bool = True
) -> Response:
    """``render_body()`` as a cacheable response, rendered only when not already cached.

    For plugin endpoints (feeds, sitemaps) whose answers change only with content.
    """
    return cached_answer() or store_answer(Response(render_body(), mimetype=mimetype), dated=dated)


def init_app(app: Flask) -> None:
    app.extensions["pressmark_page_cache"] = PageCache()
