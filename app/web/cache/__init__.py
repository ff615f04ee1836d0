"""Page caching, the Flask side: which answers are cacheable and what they tell caches.

The cache itself is a WSGI layer in front of Flask (``pressmark.web.cache.layer``), so a
hit never reaches this code. A view offers its 200 answer with ``offer()`` (public pages
do it in their blueprint's ``after_request``; plugin endpoints such as feeds and sitemaps
call ``cached_response``), naming the query parameters the page reads.

Answers carry ``Cache-Control: public`` with ``CACHE_MAX_AGE``, and ``CACHE_S_MAXAGE`` and
``CACHE_STALE_WHILE_REVALIDATE`` for shared caches when set, never past the next scheduled
publication; ``Last-Modified`` when the body is made of content; an ``ETag`` per encoding.
Cached pages are current until the content generation in the database moves on
(``pressmark.content.generation``), which every process checks at most every
``CACHE_CHECK_SECONDS``; then they are stale, and served for at most
``CACHE_GRACE_SECONDS`` while they are rendered again (``pressmark.web.cache.layer``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from pressmark.content import generation
from pressmark.content.events import content_changed
from pressmark.content.models import Post
from pressmark.extensions import db
from pressmark.state import app_state
from pressmark.web.cache.layer import CACHEABLE, GenerationWatcher, PageCacheLayer
from pressmark.web.cache.store import PageStore
from sqlalchemy import func, select


def last_change() -> datetime | None:
    """When anything readers see last changed: a save, or a scheduled post going live.

    The content generation's time when known (one primary-key read), else computed from
    the posts (a database whose generation never moved since it was migrated).
    """
    known = generation.changed_at(db.session)
    if known is not None:
        return known
    saved = db.session.scalar(select(func.max(Post.updated_at)))
    went_live = db.session.scalar(
        Post.visible().order_by(None).with_only_columns(func.max(Post.published_at))
    )
    return max((t for t in (saved, went_live) if t is not None), default=None)


def cache_control(response: Response) -> None:
    """The public caching rules from the config, capped at the next scheduled publication
    so that no cache keeps a page past the moment a post goes live."""
    config = current_app.config
    max_age = int(config["CACHE_MAX_AGE"])
    s_maxage = config.get("CACHE_S_MAXAGE")
    wait = page_layer(current_app).watcher.seconds_until_next_publication()
    if wait is not None:
        max_age = min(max_age, int(wait))
        s_maxage = None if s_maxage is None else min(int(s_maxage), int(wait))
    rules = ["public", f"max-age={max_age}"]
    if s_maxage is not None:
        rules.append(f"s-maxage={int(s_maxage)}")
    if config.get("CACHE_STALE_WHILE_REVALIDATE"):
        rules.append(f"stale-while-revalidate={int(config['CACHE_STALE_WHILE_REVALIDATE'])}")
    response.headers["Cache-Control"] = ", ".join(rules)


def offer(response: Response, *, params: Iterable[str] = (), dated: bool = True) -> Response:
    """Give a 200 ``response`` its caching headers and offer it to the page cache.

    ``params`` are the query parameters the page reads: the answer is stored under the
    path and those, and any other parameter is ignored (a request that adds one is
    answered from the same entry), so a view must not depend on a parameter it does not
    name. ``dated`` adds ``Last-Modified`` for bodies made of
    content. The ETag and the 304 are the cache layer's (one per encoding).
    """
    cache_control(response)
    if dated:
        response.last_modified = last_change()
    request.environ[CACHEABLE] = tuple(params)
    return response


def cached_response(
    render_body: Callable[[], bytes], mimetype: str, *, dated: bool = True,
    params: Iterable[str] = (),
) -> Response:
    """``render_body()`` as a cacheable response, for plugin endpoints (feeds, sitemaps)
    whose answers change only with content.

    Contract: call it for a public ``GET``; it is rendered only on a cache miss (a hit is
    answered before the view runs), carries validators and ``Cache-Control``, and a client
    with a current copy gets a 304. Headers added to the returned response are cached too.
    ``params`` names the query parameters the body depends on (see ``offer``).
    """
    return offer(Response(render_body(), mimetype=mimetype), params=params, dated=dated)


def per_generation(key: Hashable, compute: Callable[[], Any]) -> Any:
    """``compute()``, remembered in this process until the content generation moves.

    For values that only content changes can change and that cost a scan, such as the
    number of posts a listing counts: a site of 10,000 posts then counts once per change,
    not on every page rendered. Keys must come from a small, content-bounded set.
    """
    layer = page_layer(current_app)
    generation = layer.store.generation
    if generation <= 0:  # not known yet (or just invalidated): nothing to remember against
        return compute()
    memo = layer.memo
    if memo.get(_GENERATION) != generation:
        # A new dict, not clear(): a thread still reading the old one keeps its values.
        memo = layer.memo = {_GENERATION: generation}
    value = memo.get(key, _MISSING)
    if value is _MISSING:
        value = memo[key] = compute()
    return value


_GENERATION = object()
_MISSING = object()


def page_layer(app: Flask) -> PageCacheLayer:
    layer = app_state(app).page_layer
    if layer is None:
        raise RuntimeError("the page cache is not set up (pressmark.web.cache.init_app)")
    return layer


def trusted_hosts(config) -> list[str]:
    """The host names the site answers to: ``TRUSTED_HOSTS`` and ``SITE_URL``'s host."""
    hosts = list(config.get("TRUSTED_HOSTS") or [])
    site = urlsplit(config.get("SITE_URL") or "").hostname
    if hosts and site and site not in hosts:
        hosts.append(site)
    return hosts or ([site] if site else [])


def set_trusted_hosts(app: Flask, hosts: list[str]) -> None:
    """Answer only to ``hosts`` (other ``Host`` values get 400), in Flask and the cache."""
    app.config["TRUSTED_HOSTS"] = list(hosts)
    page_layer(app).trusted_hosts = trusted_hosts(app.config)


def plugin_set(app: Flask) -> str:
    pm = app_state(app).pm
    names = sorted(name for name, plugin in pm.list_name_plugin() if plugin is not None)
    return ",".join(names)


def init_app(app: Flask) -> None:
    """Put the page cache in front of ``app.wsgi_app``. Call it after the plugins are
    registered (their set is part of what a page depends on) and before proxy handling
    wraps the app, so the cache sees the client's host and scheme."""
    config = app.config
    store = PageStore(int(config["CACHE_MAX_BYTES"]), float(config["CACHE_GRACE_SECONDS"]))
    with app.app_context():
        engine = db.engine
    watcher = GenerationWatcher(
        engine, store, float(config["CACHE_CHECK_SECONDS"]), plugin_set(app)
    )
    layer = PageCacheLayer(
        app.wsgi_app,
        store,
        watcher,
        pinned=bool(config.get("SITE_URL")),
        trusted_hosts=trusted_hosts(config),
    )
    if layer.trusted_hosts:
        config["TRUSTED_HOSTS"] = layer.trusted_hosts
    app.wsgi_app = layer
    state = app_state(app)
    state.page_layer = layer
    state.page_cache = watcher
    # Content changes in this app drop its pages. Connected weakly: the receiver goes
    # with the watcher, which goes with the app.
    content_changed.connect(watcher.content_changed, sender=app)


def forget_pages(app: Flask) -> None:
    """Drop this process's cached pages, stale copies too (they are rendered again on
    demand)."""
    layer = page_layer(app)
    layer.store.clear()
    layer.watcher.invalidate()
