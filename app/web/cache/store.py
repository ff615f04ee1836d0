"""Cached answers and the memory that holds them.

An ``Entry`` is one page as it goes on the wire: its status, its headers and its body,
compressed once when it is stored (gzip, and brotli when the ``brotli`` package is
installed) so that nothing is compressed per request. ``PageStore`` keeps entries in
least-recently-used order within a budget of bytes, for one content generation at a time.

Plain data and WSGI-level code: no Flask here, so a hit costs a dictionary lookup.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

try:
    import brotli
except ImportError:  # optional: gzip alone still saves most of the bytes
    brotli = None

# Types worth compressing: text of every kind, and the XML/JSON/JS that feeds and assets are.
COMPRESSIBLE = ("text/", "application/xml", "application/atom+xml", "application/rss+xml",
                "application/json", "application/feed+json", "application/javascript",
                "image/svg+xml")
# Below this size compression saves less than its own header costs.
MIN_COMPRESS_BYTES = 256
# Every page is compressed again after each change, while readers wait for it. Measured on
# the demo pages: brotli 5 and gzip 6 come within 0.5% of brotli 9 and gzip 9 in size, at a
# third (brotli) and a half (gzip, on the large feeds) of the time.
BROTLI_QUALITY = 5
GZIP_LEVEL = 6
# Bytes counted for an entry on top of its bodies: headers, keys, objects.
ENTRY_OVERHEAD = 2048
# Headers that are per representation (set per variant) or per answer (set by the server).
PER_VARIANT = frozenset({"content-length", "etag", "content-encoding", "vary"})
# What a 304 carries (RFC 9110 15.4.5): the validators and the caching rules.
NOT_MODIFIED_HEADERS = frozenset({"cache-control", "etag", "expires", "last-modified", "vary",
                                  "content-location"})


@dataclass(frozen=True)
class Variant:
    """One representation: ``identity``, ``gzip`` or ``br``."""

    body: bytes
    headers: list[tuple[str, str]]
    not_modified_headers: list[tuple[str, str]]


@dataclass(frozen=True)
class Entry:
    status: str
    variants: dict[str, Variant]
    etags: frozenset[str]  # every variant's, quoted: a client may hold any of them
    last_modified: float | None  # POSIX seconds, for If-Modified-Since
    size: int


def _compressible(headers: list[tuple[str, str]], body: bytes) -> bool:
    if len(body) < MIN_COMPRESS_BYTES:
        return False
    names = {name.lower(): value for name, value in headers}
    if "content-encoding" in names:
        return False
    return names.get("content-type", "").startswith(COMPRESSIBLE)


def _encodings(body: bytes) -> dict[str, bytes]:
    found = {"gzip": gzip.compress(body, GZIP_LEVEL, mtime=0)}
    if brotli is not None:
        found["br"] = brotli.compress(body, quality=BROTLI_QUALITY)
    # Keep only what actually saves bytes.
    return {name: data for name, data in found.items() if len(data) < len(body)}


def build_entry(status: str, headers: list[tuple[str, str]], body: bytes,
                *, compress: bool = True) -> Entry:
    """An entry for a complete 200 answer. ``compress=False`` for answers served once."""
    kept = [(n, v) for n, v in headers if n.lower() not in PER_VARIANT]
    given_etag = next((v for n, v in headers if n.lower() == "etag"), None)
    tag = (given_etag or "").strip('W/"') or hashlib.sha1(body).hexdigest()
    vary = compress and _compressible(headers, body)
    bodies = {"identity": body, **(_encodings(body) if vary else {})}
    variants, etags = {}, set()
    for encoding, data in bodies.items():
        etag = f'"{tag}"' if encoding == "identity" else f'"{tag}-{encoding}"'
        etags.add(etag)
        own = [("Content-Length", str(len(data))), ("ETag", etag)]
        if encoding != "identity":
            own.append(("Content-Encoding", encoding))
        if vary:
            own.append(("Vary", "Accept-Encoding"))
        variant_headers = kept + own
        variants[encoding] = Variant(
            data,
            variant_headers,
            [(n, v) for n, v in variant_headers if n.lower() in NOT_MODIFIED_HEADERS],
        )
    last_modified = next((v for n, v in headers if n.lower() == "last-modified"), None)
    return Entry(
        status=status,
        variants=variants,
        etags=frozenset(etags),
        last_modified=_parse_http_date(last_modified),
        size=sum(len(d) for d in bodies.values()) + ENTRY_OVERHEAD,
    )


def _parse_http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


# --- choosing what to send ----------------------------------------------------------------

_accept_cache: dict[str, tuple[str, ...]] = {}


def accepted_encodings(header: str) -> tuple[str, ...]:
    """The encodings an ``Accept-Encoding`` value allows, best first among br and gzip.

    Browsers send a handful of distinct values, so parsed results are remembered (the
    memo is bounded: a made-up value cannot grow it past 256 entries).
    """
    found = _accept_cache.get(header)
    if found is not None:
        return found
    allowed: dict[str, float] = {}
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip().replace(" ", "")
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        allowed[name.strip().lower()] = quality
    star = allowed.get("*", 0.0)
    found = tuple(e for e in ("br", "gzip") if allowed.get(e, star) > 0)
    if len(_accept_cache) >= 256:
        _accept_cache.clear()
    _accept_cache[header] = found
    return found


def choose_variant(entry: Entry, accept_encoding: str) -> Variant:
    if len(entry.variants) > 1 and accept_encoding:
        for encoding in accepted_encodings(accept_encoding):
            variant = entry.variants.get(encoding)
            if variant is not None:
                return variant
    return entry.variants["identity"]


def not_modified(entry: Entry, environ: dict) -> bool:
    """True when the client's copy is current (If-None-Match first, as RFC 9110 says)."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        return any(
            tag.strip().removeprefix("W/") in entry.etags for tag in if_none_match.split(",")
        )
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since and entry.last_modified is not None:
        client_time = _parse_http_date(since)
        return client_time is not None and entry.last_modified <= client_time
    return False


# --- the store --------------------------------------------------------------------------

# Generations remembered as stale (with the moment they went stale); older entries are dead.
STALE_GENERATIONS_KEPT = 64


class PageStore:
    """Entries by key, least recently used first, within ``max_bytes`` in total.

    Each entry belongs to the content generation it was rendered under. When the generation
    moves on (``advance``), entries are not dropped: they turn stale, and ``lookup`` still
    returns a stale entry for ``grace_seconds`` after it went stale, so that the cache layer
    can answer with it while one request renders the page again (like a CDN's
    stale-while-revalidate). ``put`` refuses an entry rendered under an older generation:
    a page rendered while a change was being saved must not pass for current.
    """

    def __init__(self, max_bytes: int, grace_seconds: float = 0.0):
        self.max_bytes = max_bytes
        self.grace_seconds = grace_seconds
        # The current generation; negative while unknown (nothing is stored then).
        self.generation = 0
        self.bytes = 0
        self._entries: OrderedDict[str, tuple[Entry, int]] = OrderedDict()
        # When each recent generation stopped being current (time.monotonic()).
        self._went_stale: OrderedDict[int, float] = OrderedDict()
        # Per path, the query parameters its page reads (known once one entry is stored).
        self.params: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, key: str) -> tuple[Entry, bool] | None:
        """The entry under ``key`` and whether it is current, or None.

        A stale entry is returned only within ``grace_seconds`` of going stale.
        """
        found = self._entries.get(key)
        if found is None:
            return None
        entry, generation = found
        if generation == self.generation:
            # Evicted by another thread meanwhile: still a valid answer.
            with contextlib.suppress(KeyError):
                self._entries.move_to_end(key)
            return entry, True
        went_stale = self._went_stale.get(generation)
        if went_stale is None or time.monotonic() - went_stale > self.grace_seconds:
            return None
        return entry, False

    def get(self, key: str) -> Entry | None:
        """The current entry under ``key``, or None (stale entries are not returned)."""
        found = self.lookup(key)
        return found[0] if found is not None and found[1] else None

    def put(self, key: str, entry: Entry, generation: int, *, base: str | None = None,
            params: tuple[str, ...] = ()) -> bool:
        """Keep ``entry`` if it fits and ``generation`` is still current; evicts the least
        recently used entries to make room. ``base`` (the key without its query) reads
        ``params``. Returns whether it was kept."""
        if entry.size > self.max_bytes // 4:
            return False
        with self._lock:
            if generation != self.generation or generation < 0:
                return False
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[0].size
            while self._entries and self.bytes + entry.size > self.max_bytes:
                _, (evicted, _) = self._entries.popitem(last=False)
                self.bytes -= evicted.size
            self._entries[key] = (entry, generation)
            self.bytes += entry.size
            if base is not None:
                self.params[base] = tuple(params)
            return True

    def advance(self, generation: int) -> None:
        """Make ``generation`` current; every entry of another generation is stale from now.

        A negative ``generation`` means "changed, not known yet": nothing is stored until
        the real one is set.
        """
        with self._lock:
            if generation == self.generation:
                return
            self._went_stale.setdefault(self.generation, time.monotonic())
            if self._went_stale.pop(generation, None) is not None:
                # Back to a generation that was left (a change this process announced
                # did not move the database's): its entries are not to be trusted.
                for key in [k for k, (_, g) in self._entries.items() if g == generation]:
                    self.bytes -= self._entries.pop(key)[0].size
            while len(self._went_stale) > STALE_GENERATIONS_KEPT:
                self._went_stale.popitem(last=False)
            self.generation = generation

    def clear(self) -> None:
        """Forget every entry, stale or current (not which parameters each path reads:
        that is the views' code, not content)."""
        with self._lock:
            self._entries.clear()
            self._went_stale.clear()
            self.bytes = 0
