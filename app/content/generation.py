"""The content generation: one number in the database that changes whenever readers could
see something different.

Every change readers can see (a save, publish, unpublish, delete, restore, alias change,
re-render) calls ``bump()`` inside its own transaction, so the new number is committed
together with the change or not at all. Each process keeps its page cache for one
generation and compares it with the database at most every ``CACHE_CHECK_SECONDS``
(``read()``), which keeps several processes and machines coherent within about a second.

Two changes happen without a save and are caught by ``read()`` itself:
- a scheduled post going live: the row stores the earliest waiting publication time, and
  the first process to read the row after that time bumps the generation;
- another plugin set: ``note_plugins()`` bumps it when a process starts with plugins
  enabled or disabled compared with the last one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pressmark.content.models import PUBLISHED, Post, SiteState, utcnow
from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.orm import Session

STATE_ID = 1
state = SiteState.__table__


@dataclass(frozen=True)
class ContentState:
    generation: int
    next_publication_at: datetime | None


def _next_publication(now: datetime):
    """A scalar subquery: the earliest scheduled publication after ``now``, or NULL."""
    return (
        select(func.min(Post.published_at))
        .where(Post.status == PUBLISHED, Post.published_at > now)
        .scalar_subquery()
    )


def _bump(connection: Connection | Session, **where) -> int:
    statement = (
        update(state)
        .where(state.c.id == STATE_ID, *(state.c[k] == v for k, v in where.items()))
        .values(
            content_generation=state.c.content_generation + 1,
            next_publication_at=_next_publication(utcnow()),
            changed_at=utcnow(),
        )
    )
    return connection.execute(statement).rowcount


def bump(session: Session) -> None:
    """Move the generation on, inside the caller's transaction (commit is the caller's).

    Call it after flushing the change, so the next scheduled publication it records
    already counts the change.
    """
    if not _bump(session):
        # A database made without the migrations (tests' create_all): make the row.
        session.execute(
            insert(state).values(
                id=STATE_ID,
                content_generation=2,
                next_publication_at=_next_publication(utcnow()),
                plugin_set="",
                changed_at=utcnow(),
            )
        )


def changed_at(session: Session) -> datetime | None:
    """When the generation last moved (None for a site that never changed since)."""
    return session.scalar(select(state.c.changed_at).where(state.c.id == STATE_ID))


def read(connection: Connection) -> ContentState:
    """The current generation; bumps it first when a scheduled post has gone live.

    Several processes may notice the same publication; the bump is guarded by the
    generation they read, so only the first one counts.
    """
    row = connection.execute(
        select(state.c.content_generation, state.c.next_publication_at).where(
            state.c.id == STATE_ID
        )
    ).first()
    if row is None:
        return ContentState(0, None)
    generation, next_at = row
    if next_at is not None and next_at <= utcnow():
        _bump(connection, content_generation=generation)
        connection.commit()
        return read(connection)
    return ContentState(generation, next_at)


def note_plugins(connection: Connection, plugin_set: str) -> None:
    """Record the enabled plugins; a different set than last recorded bumps the generation
    (plugins change pages, so pages cached under the old set are stale)."""
    changed = connection.execute(
        update(state)
        .where(state.c.id == STATE_ID, state.c.plugin_set != plugin_set)
        .values(
            plugin_set=plugin_set,
            content_generation=state.c.content_generation + 1,
            next_publication_at=_next_publication(utcnow()),
            changed_at=utcnow(),
        )
    ).rowcount
    if changed:
        connection.commit()
