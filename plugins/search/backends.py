"""The two index backends: SQLite FTS5 and PostgreSQL full-text search.

Both index every post, whatever its status, one row per post keyed by the post's id and
stamped with its ``version``; visibility (published, ``published_at`` not in the future)
is checked at query time by joining ``posts``, so a scheduled post turns up by itself when
its time comes. Titles weigh most, then summaries, then bodies, and a post whose title
holds every searched term ranks above all others.

Every method takes ``conn``: anything with SQLAlchemy's ``execute`` (``db.session`` inside
a save's transaction, or an engine connection at start-up). User text only ever reaches
the database as bound parameters, compiled from a parsed ``Query``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from markupsafe import Markup
from pressmark.content.models import PUBLISHED
from pressmark.extensions import db
from pressmark.plugins.search.query import Query, Term
from pressmark.plugins.search.text import Markers, html_to_text
from sqlalchemy import DateTime, bindparam, text

SNIPPET_WORDS = 32
LETTERS_AND_DIGITS_RE = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Hit:
    post_id: int
    title_html: Markup
    snippet_html: Markup


@dataclass(frozen=True)
class Results:
    total: int
    hits: list[Hit]
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


class Backend(Protocol):
    name: str

    def create_schema(self, conn: Any) -> None:
        """Create the index table if it is missing (idempotent)."""

    def is_in_step(self, conn: Any) -> bool:
        """True when the index holds exactly the posts table, each at its current version."""

    def rebuild(self, conn: Any, on_item: Callable[[str], None] | None = None) -> int:
        """Empty the index and fill it from the posts table; return the number indexed.
        ``on_item(title)`` is called as each post is read (for a progress report)."""

    def index_post(self, conn: Any, post: Any) -> None:
        """Add or replace one post's entry."""

    def remove_post(self, conn: Any, post_id: int) -> None:
        """Remove one post's entry (no error if it has none)."""

    def search(
        self, conn: Any, query: Query, *, page: int, per_page: int, now: datetime
    ) -> Results:
        """Visible posts matching ``query``, best first, with highlighted title and snippet."""


def entry(post_id: int, version: int, title: str, summary: str, body_html: str) -> dict:
    """The row an index stores for a post: its text, with the body's HTML stripped."""
    return {
        "id": post_id,
        "version": version,
        "title": title or "",
        "summary": summary or "",
        "body": html_to_text(body_html or ""),
    }


def post_entry(post: Any) -> dict:
    return entry(post.id, post.version, post.title, post.summary, post.body_html)


def _all_entries(conn: Any, on_item: Callable[[str], None] | None = None) -> list[dict]:
    rows = conn.execute(text("SELECT id, version, title, summary, body_html FROM posts"))
    entries = []
    for row in rows:
        entries.append(entry(*row))
        if on_item:
            on_item(row[2] or "")
    return entries


def _visible_params(now: datetime) -> list:
    # Typed, so SQLite compares the same text form SQLAlchemy stores.
    return [bindparam("now", now, type_=DateTime()), bindparam("published", PUBLISHED)]


def _pick_snippet(markers: Markers, summary: str | None, body: str | None) -> Markup:
    """The body's passage around the match; the summary when only it (or the title) matched
    and the body passage shows no match."""
    if not markers.found_in(body) and summary:
        return markers.to_html(summary)
    return markers.to_html(body)


# --- SQLite FTS5 --------------------------------------------------------------------------------


def fts5_term(term: Term) -> str:
    """A term as an FTS5 string: always quoted, so its text is never read as syntax."""
    quoted = '"' + term.text.replace('"', '""') + '"'
    return quoted + "*" if term.prefix else quoted


def fts5_positive(query: Query) -> str:
    return " AND ".join(
        "(" + " OR ".join(fts5_term(t) for t in group) + ")" for group in query.groups
    )


def fts5_expression(query: Query) -> str:
    expression = fts5_positive(query)
    for term in query.excluded:
        expression = f"({expression}) NOT {fts5_term(term)}"
    return expression


class SQLiteBackend:
    """An FTS5 table ``search_index``; its rowid is the post's id."""

    name = "sqlite"
    table = "search_index"
    # bm25() weights, one per column: title, summary, body, version (not indexed).
    weights = "10.0, 4.0, 1.0, 0.0"

    def create_schema(self, conn: Any) -> None:
        try:
            conn.execute(text(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.table} USING fts5("
                "title, summary, body, version UNINDEXED, "
                "tokenize = 'porter unicode61 remove_diacritics 2')"
            ))
        except Exception as exc:
            if "fts5" in str(exc).lower():
                raise RuntimeError(
                    "The search plugin needs SQLite's FTS5 extension, which this Python's "
                    "sqlite3 lacks. Use a Python built with FTS5, or disable the plugin "
                    "with DISABLED_PLUGINS = ['search']."
                ) from exc
            raise

    def is_in_step(self, conn: Any) -> bool:
        return bool(conn.execute(text(
            f"SELECT (SELECT count(*) FROM posts) = (SELECT count(*) FROM {self.table}) "
            f"AND NOT EXISTS (SELECT 1 FROM posts AS p LEFT JOIN {self.table} AS s "
            "ON s.rowid = p.id WHERE s.rowid IS NULL OR s.version != p.version)"
        )).scalar())

    def rebuild(self, conn: Any, on_item: Callable[[str], None] | None = None) -> int:
        entries = _all_entries(conn, on_item)
        conn.execute(text(f"DELETE FROM {self.table}"))
        self._insert(conn, entries)
        conn.execute(text(f"INSERT INTO {self.table}({self.table}) VALUES ('optimize')"))
        return len(entries)

    def _insert(self, conn: Any, entries: Iterable[dict]) -> None:
        rows = list(entries)
        if rows:
            conn.execute(text(
                f"INSERT INTO {self.table} (rowid, title, summary, body, version) "
                "VALUES (:id, :title, :summary, :body, :version)"
            ), rows)

    def index_post(self, conn: Any, post: Any) -> None:
        self.remove_post(conn, post.id)
        self._insert(conn, [post_entry(post)])

    def remove_post(self, conn: Any, post_id: int) -> None:
        conn.execute(text(f"DELETE FROM {self.table} WHERE rowid = :id"), {"id": post_id})

    def search(
        self, conn: Any, query: Query, *, page: int, per_page: int, now: datetime
    ) -> Results:
        t = self.table
        # Posts only: pages are not dated and are linked from the header instead.
        visible = "p.status = :published AND p.published_at <= :now AND NOT p.is_page"
        match = {"match": fts5_expression(query)}
        # CROSS JOIN makes SQLite start from the matches, then read each post by its id;
        # a plain JOIN lets it walk every visible post and ask the index about each one.
        total = conn.execute(
            text(
                f"SELECT count(*) FROM {t} CROSS JOIN posts AS p ON p.id = {t}.rowid "
                f"WHERE {t} MATCH :match AND {visible}"
            ).bindparams(*_visible_params(now)),
            match,
        ).scalar()
        markers = Markers.new()
        # FTS5's auxiliary functions (bm25, highlight, snippet) only work in a plain query
        # on the table: no window functions, hence the separate count above.
        rows = conn.execute(
            text(
                f"SELECT {t}.rowid, highlight({t}, 0, :ms, :me), highlight({t}, 1, :ms, :me), "
                f"snippet({t}, 2, :ms, :me, '…', {SNIPPET_WORDS}) "
                f"FROM {t} JOIN posts AS p ON p.id = {t}.rowid "
                f"WHERE {t} MATCH :match AND {visible} "
                f"ORDER BY {t}.rowid IN (SELECT rowid FROM {t} WHERE {t} MATCH :title_match) "
                f"DESC, bm25({t}, {self.weights}), p.published_at DESC, p.id DESC "
                "LIMIT :limit OFFSET :offset"
            ).bindparams(*_visible_params(now)),
            {
                **match,
                "title_match": "{title} : (" + fts5_positive(query) + ")",
                "ms": markers.start,
                "me": markers.end,
                "limit": per_page,
                "offset": (page - 1) * per_page,
            },
        )
        hits = [
            Hit(post_id, markers.to_html(title), _pick_snippet(markers, summary, body))
            for post_id, title, summary, body in rows
        ]
        return Results(total=total, hits=hits, per_page=per_page)


# --- PostgreSQL ----------------------------------------------------------------------------------


# Two private-use characters that stand in for "<" and ">" inside ts_headline.
ANGLES = "\ue010\ue011"
RESTORE_ANGLES = {0xE010: "<", 0xE011: ">"}


class PostgresQuery:
    """A ``Query`` compiled to a tsquery SQL expression and its bound parameters."""

    def __init__(self, query: Query):
        self.params: dict[str, str] = {}
        self.positive = " && ".join(
            "(" + " || ".join(self._term(t) for t in group) + ")" for group in query.groups
        )
        self.full = self.positive + "".join(f" && !!{self._term(t)}" for t in query.excluded)

    def _term(self, term: Term) -> str:
        name = f"t{len(self.params)}"
        if term.prefix:
            # to_tsquery reads syntax, so give it only letters and digits, joined by the
            # phrase operator, the last one marked as a prefix.
            words = LETTERS_AND_DIGITS_RE.findall(term.text)
            if words:
                self.params[name] = " <-> ".join(words) + ":*"
                return f"to_tsquery('english', :{name})"
        # websearch_to_tsquery never raises on any input; the quotes make it a phrase.
        self.params[name] = '"' + term.text.replace('"', " ") + '"'
        return f"websearch_to_tsquery('english', :{name})"


class PostgresBackend:
    """A table ``search_documents`` with a weighted, generated ``tsvector`` and a GIN index."""

    name = "postgresql"
    table = "search_documents"
    headline_whole = "HighlightAll=true"
    headline_snippet = (
        f"MaxWords={SNIPPET_WORDS}, MinWords=12, ShortWord=2, MaxFragments=2, "
        'FragmentDelimiter=" … "'
    )

    def create_schema(self, conn: Any) -> None:
        # Several app processes may start at once: let one create the table at a time.
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('pressmark-search'))"))
        conn.execute(text(
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            "post_id integer PRIMARY KEY, "
            "version integer NOT NULL, "
            "title text NOT NULL, "
            "summary text NOT NULL, "
            "body text NOT NULL, "
            "document tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('english', title), 'A') || "
            "setweight(to_tsvector('english', summary), 'B') || "
            "setweight(to_tsvector('english', body), 'C')) STORED)"
        ))
        conn.execute(text(
            f"CREATE INDEX IF NOT EXISTS {self.table}_document_idx "
            f"ON {self.table} USING gin (document)"
        ))

    def is_in_step(self, conn: Any) -> bool:
        return bool(conn.execute(text(
            f"SELECT (SELECT count(*) FROM posts) = (SELECT count(*) FROM {self.table}) "
            f"AND NOT EXISTS (SELECT 1 FROM posts AS p LEFT JOIN {self.table} AS d "
            "ON d.post_id = p.id WHERE d.post_id IS NULL OR d.version <> p.version)"
        )).scalar())

    def rebuild(self, conn: Any, on_item: Callable[[str], None] | None = None) -> int:
        entries = _all_entries(conn, on_item)
        conn.execute(text(f"DELETE FROM {self.table}"))
        self._upsert(conn, entries)
        return len(entries)

    def _upsert(self, conn: Any, entries: Iterable[dict]) -> None:
        rows = list(entries)
        if rows:
            conn.execute(text(
                f"INSERT INTO {self.table} (post_id, version, title, summary, body) "
                "VALUES (:id, :version, :title, :summary, :body) "
                "ON CONFLICT (post_id) DO UPDATE SET version = excluded.version, "
                "title = excluded.title, summary = excluded.summary, body = excluded.body"
            ), rows)

    def index_post(self, conn: Any, post: Any) -> None:
        self._upsert(conn, [post_entry(post)])

    def remove_post(self, conn: Any, post_id: int) -> None:
        conn.execute(text(f"DELETE FROM {self.table} WHERE post_id = :id"), {"id": post_id})

    def search(
        self, conn: Any, query: Query, *, page: int, per_page: int, now: datetime
    ) -> Results:
        compiled = PostgresQuery(query)
        markers = Markers.new()
        selectors = f"StartSel={markers.start}, StopSel={markers.end}"
        # ts_headline is slow, so it runs only on the page's rows (the outer query).
        rows = conn.execute(
            text(
                f"WITH q AS (SELECT {compiled.full} AS query, {compiled.positive} AS positive), "
                "hits AS ("
                "SELECT d.post_id, d.title, d.summary, d.body, q.query, p.published_at, "
                "ts_filter(d.document, '{a}') @@ q.positive AS in_title, "
                "ts_rank_cd(d.document, q.query) AS rank, count(*) OVER () AS total "
                f"FROM {self.table} AS d JOIN posts AS p ON p.id = d.post_id CROSS JOIN q "
                "WHERE d.document @@ q.query "
                "AND p.status = :published AND p.published_at <= :now AND NOT p.is_page "
                "ORDER BY in_title DESC, rank DESC, p.published_at DESC, d.post_id DESC "
                "LIMIT :limit OFFSET :offset) "
                "SELECT post_id, total, "
                "ts_headline('english', title, query, :whole), "
                "ts_headline('english', summary, query, :whole), "
                # Fragment mode drops anything that looks like an HTML tag ("<T>" in a
                # code sample): hide angle brackets from it, restored below.
                "ts_headline('english', translate(body, '<>', :angles), query, :snippet) "
                "FROM hits ORDER BY in_title DESC, rank DESC, published_at DESC, post_id DESC"
            ).bindparams(*_visible_params(now)),
            {
                **compiled.params,
                "whole": f"{selectors}, {self.headline_whole}",
                "snippet": f"{selectors}, {self.headline_snippet}",
                "angles": ANGLES,
                "limit": per_page,
                "offset": (page - 1) * per_page,
            },
        ).all()
        # An empty page past the end reports 0; the view answers it with a 404 anyway.
        total = rows[0][1] if rows else 0
        hits = [
            Hit(post_id, markers.to_html(title),
                _pick_snippet(markers, summary, body.translate(RESTORE_ANGLES)))
            for post_id, _, title, summary, body in rows
        ]
        return Results(total=total, hits=hits, per_page=per_page)


BACKENDS: dict[str, Backend] = {"sqlite": SQLiteBackend(), "postgresql": PostgresBackend()}


def current_backend() -> Backend | None:
    """The backend for the current app's database, or ``None`` where search is unsupported
    (the one lookup the events, the command and the search page share). Needs an app
    context."""
    return BACKENDS.get(db.engine.dialect.name)
