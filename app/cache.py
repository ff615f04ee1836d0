"""An in-process cache of rendered public pages.

Pages are rendered from stored HTML, so they only change when content changes (the cache
is cleared on every save) or when a scheduled post's time comes (entries never outlive the
next scheduled publication). ``PAGE_CACHE_SECONDS`` bounds how stale a page can be in one
process when another process of the same site saved the change.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import PUBLISHED, Post, utcnow


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
    return app.extensions["tokenpress_page_cache"]


def seconds_until_next_scheduled() -> float | None:
    """Seconds until the next scheduled post goes live, or None if none is waiting."""
    now = utcnow()
    nxt = db.session.scalar(
        select(func.min(Post.published_at)).where(
            Post.status == PUBLISHED, Post.published_at > now
        )
    )
    return (nxt - now).total_seconds() if nxt else None


def init_app(app: Flask) -> None:
    app.config.setdefault("PAGE_CACHE_SECONDS", 60)
    app.extensions["tokenpress_page_cache"] = PageCache()
