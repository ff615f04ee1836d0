"""The supported surface for plugins: ``from pressmark.api import ...``.

Plugins, the built-in ones included, import only this module, the models
(``pressmark.content.models``) and the extensions (``pressmark.extensions``). Every name in
``__all__`` keeps its meaning and signature across minor versions (docs/plugins.md);
anything else in pressmark may change without notice.

- Hooks: ``hookimpl`` marks an implementation (third-party plugins may equally create
  ``pluggy.HookimplMarker("pressmark")``, which is the same marker). A plugin that adds
  hooks of its own (``addhooks``) declares them with ``hookspec`` and marks each with its
  calling rule, ``isolated`` or ``event``.
- Settings: ``Setting(name, default, help)``, what ``register_settings`` returns.
- Pages: ``render_page`` renders a template that extends ``base.html`` with every plugin's
  template variables and head fragments; ``absolute_url`` puts a path on the site's URL.
- Assets: ``plugin_asset_url`` is the cache-busted URL of a file in a plugin's ``static/``.
- Commands: ``progress`` reports a long command's progress (``pressmark.progress``).
- Caching: ``cached_response`` answers from the page cache, with validators and 304s;
  ``content_changed`` moves the content generation on, so every page cache drops its pages
  (call it when something a plugin shows on public pages changes, before committing);
  ``last_change`` is when anything readers see last changed; ``plugin_cache`` is where a
  plugin keeps what it collects once per app (its own hook's results, say);
  ``per_generation`` remembers a value until the content changes (a count, a post's feed
  HTML).
- Requests: ``page_number`` reads ``?page=N`` strictly (404 otherwise); ``positive_int``
  parses a number the same way without the 404.
- Lookups: ``public_tag_or_404`` (a tag readers may see, with its visible posts),
  ``public_series_or_404`` (a series with its visible parts in reading order),
  ``public_author_or_404`` (an author with their visible posts), ``post_url`` (the URL of
  a post or a page) and ``post_at_old_path`` (the visible post a legacy URL or former slug
  addressed).
- Embeds: ``embed_notice`` is the visible, harmless notice for an embed that failed.
- Security: ``allow_sources("frame-src" or "img-src", *hosts)`` adds hosts to the current
  page's Content-Security-Policy (call it while the page renders, from ``extra_head``).
- Failures: ``record_failure`` logs a failure under a plugin's name and shows it to the
  author; ``call_isolated`` and ``call_isolated_by_plugin`` call a hook (a plugin's own,
  say) implementation by implementation, recording failures instead of raising.
"""

from __future__ import annotations

from pressmark.content.generation import bump as _bump_generation
from pressmark.content.markup import embed_notice
from pressmark.extensions import db as _db
from pressmark.plugin_system.assets import plugin_asset_url
from pressmark.plugin_system.calling import call_isolated, call_isolated_by_plugin
from pressmark.plugin_system.failures import record_failure
from pressmark.plugin_system.hookspecs import PROJECT_NAME, event, hookimpl, hookspec, isolated
from pressmark.plugin_system.settings import Setting
from pressmark.progress import progress
from pressmark.security import allow_sources
from pressmark.state import plugin_cache
from pressmark.web.cache import cached_response, last_change, per_generation
from pressmark.web.old_addresses import post_at_old_path
from pressmark.web.rendering import (
    page_number,
    public_author_or_404,
    public_series_or_404,
    public_tag_or_404,
    render_page,
)
from pressmark.web.urls import absolute_url, positive_int, post_url


def content_changed() -> None:
    """Tell every process's page cache that what readers see changed: moves the content
    generation on inside the current database transaction (the caller commits), so the
    change and the new generation are committed together or not at all."""
    _bump_generation(_db.session())


__all__ = [
    "PROJECT_NAME",
    "Setting",
    "absolute_url",
    "allow_sources",
    "cached_response",
    "content_changed",
    "call_isolated",
    "call_isolated_by_plugin",
    "embed_notice",
    "event",
    "hookimpl",
    "hookspec",
    "isolated",
    "last_change",
    "page_number",
    "per_generation",
    "plugin_asset_url",
    "plugin_cache",
    "positive_int",
    "progress",
    "post_at_old_path",
    "post_url",
    "public_author_or_404",
    "public_series_or_404",
    "public_tag_or_404",
    "record_failure",
    "render_page",
]
