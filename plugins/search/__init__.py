"""Built-in plugin: full-text search over titles, summaries and bodies.

SQLite sites get an FTS5 table, PostgreSQL sites a weighted ``tsvector`` table (see
``backends``). The index is created and brought in step with the posts table at start-up,
kept in step by the ``post_updated`` and ``post_deleted`` events (inside each save's
transaction), and rebuilt on demand by ``pressmark search rebuild``. Readers get
``/search`` and a search box in every page's header. See docs/search.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import click
from flask import Blueprint, Flask, Request, render_template
from pressmark.api import hookimpl, plugin_asset_url, progress
from pressmark.content.models import Post
from pressmark.extensions import db
from pressmark.plugins.search.backends import current_backend
from pressmark.plugins.search.views import PLUGIN_NAME
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)


def sync_index(force: bool = False,
               on_item: Callable[[str], None] | None = None) -> int | None:
    """Create the index if missing and rebuild it when out of step (or ``force``).

    Returns the number of posts indexed by a rebuild, or ``None`` when nothing was rebuilt.
    Does nothing before the posts table exists (a database not yet migrated): saves made
    after that keep the index in step through the events.
    """
    backend = current_backend()
    if backend is None:
        log.warning("search: %s databases are not supported; search is off",
                    db.engine.dialect.name)
        return None
    with db.engine.begin() as conn:
        backend.create_schema(conn)
        if not inspect(conn).has_table("posts"):
            return None
        if force or not backend.is_in_step(conn):
            return backend.rebuild(conn, on_item)
    return None


@hookimpl
def startup(app: Flask) -> None:
    try:
        count = sync_index()
    except OperationalError as exc:
        # The database is down or read-only: that is not search's to refuse start-up over.
        # Searches say they failed until the next start-up or `pressmark search rebuild`.
        log.warning("search: could not prepare the index, search may fail: %s", exc)
        return
    if count is not None:
        log.info("search: indexed %d posts", count)


@hookimpl
def register_blueprints(app: Flask) -> list[Blueprint]:
    from pressmark.plugins.search.views import bp

    return [bp]


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.group("search")
    def search_group() -> None:
        """Manage the full-text search index."""

    @search_group.command("rebuild")
    def rebuild_command() -> None:
        """Rebuild the search index from the posts table."""
        backend = current_backend()
        if backend is None:
            raise click.ClickException(
                f"Search does not support {db.engine.dialect.name} databases."
            )
        with progress("Indexing", db.session.scalar(select(func.count(Post.id)))) as bar:
            count = sync_index(force=True, on_item=lambda title: bar.advance(item=title))
        if count is None:
            raise click.ClickException(
                "There is no posts table yet: run `pressmark init` first."
            )
        click.echo(f"Indexed {count} posts ({backend.name} full-text search).")


@hookimpl
def post_updated(post) -> None:
    backend = current_backend()
    if backend is not None:
        backend.index_post(db.session, post)


@hookimpl
def post_deleted(post) -> None:
    backend = current_backend()
    if backend is not None:
        backend.remove_post(db.session, post.id)


@hookimpl
def extra_css_urls(request: Request) -> list[str]:
    return [plugin_asset_url(PLUGIN_NAME, "search.css")]


@hookimpl
def render_slot(slot: str, request: Request) -> str | None:
    # The search page has its own, larger box; one search landmark per page is enough.
    if slot == "header" and request.endpoint != "search.search":
        return render_template("search/header_form.html")
    return None
