"""The WSGI layer in front of Flask: cached pages answered before routing runs.

For every request it first checks the ``Host`` (400 for a name the site does not answer
to). ``GET`` and ``HEAD`` requests are then looked up in the page store; a hit is
answered here, a 304 when the client's copy is current, in the best encoding the client
accepts. Nothing of Flask runs for a hit: no routing, no session, no login manager.

A miss goes to Flask. A view offers its answer to the cache by putting the query
parameters the page reads into ``environ[CACHEABLE]`` (``pressmark.web.cache`` does it);
a 200 without ``Set-Cookie`` is then stored, compressed once, under the path and those
parameters only. Other parameters (``?cb=123``) are ignored: such a request is answered
from the same entry, so made-up query strings neither cost a render nor grow memory (the
store is bounded by bytes anyway).

Keys are the scheme, the path and the query string; the host joins the key only when
absolute URLs are not pinned to ``SITE_URL`` (then pages differ per host). The ``Host`` is
normalised first, and keys and canonical URLs come from the same functions
(``pressmark.web.page_key``).

One render per page at a time (``RenderFlights``). When content changes, cached pages turn
stale rather than vanish: the first reader of a stale page renders it again while the
others are answered with the stale copy, for at most ``CACHE_GRACE_SECONDS`` and with at
most ``MAX_REVALIDATIONS`` such renders at once, so that a burst of readers after a save
neither renders every page at once nor queues the author's next request behind them. A
request from a signed-in author (the ``pressmark_author`` flag cookie) never gets a stale
copy: the author sees their change at once. A page nobody has is rendered once, and
concurrent requests for it wait for that render.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from urllib.parse import parse_qsl

from pressmark.content import generation
from pressmark.content.models import utcnow
from pressmark.web.author_flag import flags_an_author
from pressmark.web.cache.store import Entry, PageStore, build_entry, choose_variant, not_modified
from pressmark.web.page_key import key_query, normalise_host, page_base
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.sansio.utils import host_is_trusted

CACHEABLE = "pressmark.cache.params"
# Where ``web.old_addresses`` keeps (generation, the query keys old addresses use).
QUERY_KEYS_MEMO = "old-address-query-keys"
log = logging.getLogger(__name__)

BAD_HOST_BODY = b"Bad Request: this site does not answer to that host name.\n"
# Stale pages re-rendered at once per process; the other threads stay free for hits,
# saves and pages that are not cached.
MAX_REVALIDATIONS = 2
# How long a request waits for another request's render of the same page before it
# renders the page itself (a render that hangs must not hold every reader).
FLIGHT_WAIT_SECONDS = 10.0


class GenerationWatcher:
    """Keeps a store on the database's content generation, checking at most every
    ``interval`` seconds; one thread checks while the others carry on serving."""

    def __init__(self, engine: Engine, store: PageStore, interval: float, plugin_set: str):
        self.engine = engine
        self.store = store
        self.interval = interval
        self.next_publication_at: datetime | None = None
        self._plugin_set: str | None = plugin_set
        self._next_check = 0.0
        self._lock = threading.Lock()

    def maybe_check(self) -> None:
        if time.monotonic() < self._next_check or not self._lock.acquire(blocking=False):
            return
        try:
            self._next_check = time.monotonic() + self.interval
            with self.engine.connect() as connection:
                if self._plugin_set is not None:
                    generation.note_plugins(connection, self._plugin_set)
                    self._plugin_set = None
                state = generation.read(connection)
            self.next_publication_at = state.next_publication_at
            self.store.advance(state.generation)
        except SQLAlchemyError as error:
            # A database that is down (or not migrated yet) must not stop cached pages.
            log.warning("could not read the content generation: %s", error)
        finally:
            self._lock.release()

    def invalidate(self) -> None:
        """This process changed content: every page is stale now, and the generation is
        read again on the next request. Pages rendered meanwhile are refused by the store."""
        self.store.advance(-1)
        self._next_check = 0.0

    def content_changed(self, sender: object) -> None:
        """The receiver of ``pressmark.content.events.content_changed``: ``invalidate``."""
        self.invalidate()

    def seconds_until_next_publication(self) -> float | None:
        if self.next_publication_at is None:
            return None
        return max((self.next_publication_at - utcnow()).total_seconds(), 0.0)


class RenderFlights:
    """The pages being rendered right now, so that each is rendered by one request.

    ``lead(key)`` returns None when the caller is to render (and must call ``land(key)``
    when done), else an event set when the render in flight lands. ``revalidate(key)`` is
    the same for a stale page, but never waits: it says whether the caller may render,
    within ``MAX_REVALIDATIONS`` renders at once.
    """

    def __init__(self, max_revalidations: int = MAX_REVALIDATIONS):
        self._lock = threading.Lock()
        self._flying: dict[str, threading.Event] = {}
        self._revalidating: set[str] = set()
        self._max_revalidations = max_revalidations

    def lead(self, key: str) -> threading.Event | None:
        with self._lock:
            event = self._flying.get(key)
            if event is not None:
                return event
            self._flying[key] = threading.Event()
            return None

    def revalidate(self, key: str) -> bool:
        with self._lock:
            if key in self._flying or len(self._revalidating) >= self._max_revalidations:
                return False
            self._flying[key] = threading.Event()
            self._revalidating.add(key)
            return True

    def land(self, key: str) -> None:
        with self._lock:
            self._revalidating.discard(key)
            event = self._flying.pop(key, None)
        if event is not None:
            event.set()


class PageCacheLayer:
    """The WSGI middleware. ``inner`` is the Flask app's WSGI callable."""

    def __init__(self, inner, store: PageStore, watcher: GenerationWatcher, *,
                 pinned: bool, trusted_hosts: list[str]):
        self.inner = inner
        self.store = store
        self.watcher = watcher
        self.pinned = pinned
        self.trusted_hosts = trusted_hosts
        self.flights = RenderFlights()
        # Values computed once per content generation (``cache.per_generation``).
        self.memo: dict = {}

    def __call__(self, environ, start_response):
        # One spelling of each host, for the key and for the app's absolute URLs alike.
        host = environ["HTTP_HOST"] = normalise_host(
            environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""),
            environ["wsgi.url_scheme"], environ.get("SERVER_PORT", ""),
        )
        if self.trusted_hosts and not host_is_trusted(host, self.trusted_hosts):
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                               ("Content-Length", str(len(BAD_HOST_BODY)))])
            return [BAD_HOST_BODY]
        method = environ["REQUEST_METHOD"]
        if method != "GET" and method != "HEAD":
            return self.inner(environ, start_response)
        self.watcher.maybe_check()
        base = page_base(environ, pinned=self.pinned)
        query = environ.get("QUERY_STRING", "")
        head = method == "HEAD"
        if query and self.may_be_old_address(query):
            return self.fill(base, environ, start_response)  # Flask redirects (old_addresses)
        found = self.store.lookup(f"{base}?{query}")
        if found is not None and found[1]:  # the common case: a current page
            return self.answer(found[0], environ, start_response, head)
        # The parameters the page reads, once it has been cached: then ``key`` is where its
        # answer is kept, and a query string with parameters the page does not read
        # (``?cb=123``) is answered from that entry.
        params = self.store.params.get(base)
        key = f"{base}?{key_query(query, params)}" if params is not None else None
        if found is None and query and key is not None:
            found = self.store.lookup(key)
        if found is not None:
            entry, current = found
            if current:
                return self.answer(entry, environ, start_response, head)
            if not flags_an_author(environ.get("HTTP_COOKIE", "")) and key is not None:
                if not self.flights.revalidate(key):
                    return self.answer(entry, environ, start_response, head)
                return self.fill_leading(key, base, environ, start_response)
        if key is None:  # a page never cached (it may not be cacheable): nothing to share
            return self.fill(base, environ, start_response)
        return self.fill_once(key, base, environ, start_response)

    def may_be_old_address(self, query: str) -> bool:
        """Whether ``query`` names a key that some old address (``/?p=42``) uses, so that
        Flask, not a cached page, must answer; True while the keys of this content
        generation are not known yet (``web.old_addresses`` records them)."""
        known = self.memo.get(QUERY_KEYS_MEMO)
        if known is None or known[0] != self.store.generation:
            return True
        return any(name in known[1] for name, _ in parse_qsl(query, keep_blank_values=True))

    def fill_once(self, key: str, base: str, environ, start_response):
        """``fill``, unless another request is rendering the same page: then wait for it
        and answer with what it stored (or render after all when it stored nothing)."""
        in_flight = self.flights.lead(key)
        if in_flight is None:
            return self.fill_leading(key, base, environ, start_response)
        in_flight.wait(FLIGHT_WAIT_SECONDS)
        entry = self.store.get(key)
        if entry is not None:
            return self.answer(entry, environ, start_response, environ["REQUEST_METHOD"] == "HEAD")
        return self.fill(base, environ, start_response)

    def fill_leading(self, key: str, base: str, environ, start_response):
        """``fill`` as the flight that renders ``key``; the flight lands whatever happens."""
        try:
            return self.fill(base, environ, start_response)
        finally:
            self.flights.land(key)

    @staticmethod
    def answer(entry: Entry, environ, start_response, head: bool):
        variant = choose_variant(entry, environ.get("HTTP_ACCEPT_ENCODING", ""))
        if not_modified(entry, environ):
            start_response("304 Not Modified", variant.not_modified_headers)
            return []
        start_response(entry.status, variant.headers)
        return [] if head else [variant.body]

    def fill(self, base: str, environ, start_response):
        """Let Flask answer; keep the answer when the view offered it and it qualifies."""
        head = environ["REQUEST_METHOD"] == "HEAD"
        if head:  # render the full page once; the HEAD answer is its headers
            environ["REQUEST_METHOD"] = "GET"
        generation_at_start = self.store.generation
        captured: list = []

        def capture(status, headers, exc_info=None):
            if (
                exc_info is None
                and CACHEABLE in environ
                and status.startswith("200")
                and not any(name.lower() == "set-cookie" for name, _ in headers)
            ):
                captured[:] = [status, headers]
                return _refuse_write
            return start_response(status, headers, exc_info)

        app_iter = self.inner(environ, capture)
        if not captured:
            if head:
                _close(app_iter)
                return []
            return app_iter
        try:
            body = b"".join(app_iter)
        finally:
            _close(app_iter)
        status, headers = captured
        params = environ[CACHEABLE]
        query = environ.get("QUERY_STRING", "")
        storable = _unambiguous(query, params)
        entry = build_entry(status, headers, body, compress=storable)
        if storable:
            self.store.put(f"{base}?{key_query(query, params)}", entry, generation_at_start,
                           base=base, params=params)
        return self.answer(entry, environ, start_response, head)


def _unambiguous(query: str, params: tuple[str, ...]) -> bool:
    """True unless a parameter the page reads is given twice (which one counts is then
    the view's business, so such an answer is not shared)."""
    names = [name for name, _ in parse_qsl(query, keep_blank_values=True) if name in params]
    return len(names) == len(set(names))


def _refuse_write(data: bytes) -> None:
    raise RuntimeError("a cacheable response must be returned, not written")


def _close(app_iter) -> None:
    close = getattr(app_iter, "close", None)
    if close is not None:
        close()
