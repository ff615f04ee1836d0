"""Each app's state, in one typed object: ``app_state(app)``.

Everything an app builds for itself at start-up or on first use lives here, instead of
under string keys in ``app.extensions`` or as attributes set on the app: its plugin
manager, what it knows about each plugin, its page cache, and the things collected from
plugins' hooks and kept for the app's life. Flask's convention is kept (one entry in
``app.extensions``, under ``"pressmark"``), so two apps in one process never share state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask
    from pressmark.plugin_system.loading import PluginInfo, PressmarkPluginManager
    from pressmark.plugin_system.settings import Setting
    from pressmark.web.cache.layer import GenerationWatcher, PageCacheLayer

EXTENSION_KEY = "pressmark"


@dataclass(eq=False)
class AppState:
    """One app's state. ``pm`` and ``plugins`` are set by ``plugin_system.manager``, the
    page cache by ``web.cache``; the caches fill on first use."""

    pm: PressmarkPluginManager = field(init=False)
    plugins: dict[str, PluginInfo] = field(default_factory=dict)  # by name, in load order
    # The settings catalogue: (declaring plugin, setting), the plugin system's first.
    settings: list[tuple[str, Setting]] = field(default_factory=list)
    # The WSGI layer in front of Flask, and what content changes tell to drop pages.
    page_layer: PageCacheLayer | None = None
    page_cache: GenerationWatcher | None = None
    # Collected from plugins' hooks on first use and kept for the app's life.
    markdown: dict[str, Any] = field(default_factory=dict)  # extensions and embed handlers
    plugin_caches: dict[str, Any] = field(default_factory=dict)  # a plugin's own, by name
    asset_versions: dict[tuple[str, str], str] = field(default_factory=dict)  # plugin files
    static_versions: dict[str, str | None] = field(default_factory=dict)  # core static files
    # The site's generated social card (PNG), by the (title, tagline) it shows.
    site_card: dict[tuple[str, str], bytes] = field(default_factory=dict)

    def forget_plugin_caches(self) -> None:
        """Drop everything collected from plugins' hooks (Markdown extensions, embed
        handlers, plugins' own caches such as the calculators' registry, asset hashes), so
        the next use asks the plugins again: after registering a plugin on a built app."""
        self.markdown.clear()
        self.plugin_caches.clear()
        self.asset_versions.clear()


def init_app(app: Flask) -> AppState:
    """Give ``app`` its state; the first thing ``create_app`` does after configuration."""
    state = AppState()
    app.extensions[EXTENSION_KEY] = state
    return state


def plugin_cache(app: Flask, plugin_name: str) -> dict[str, Any]:
    """A dict where plugin ``plugin_name`` may keep what it collects for ``app``'s life
    (emptied by ``AppState.forget_plugin_caches``)."""
    cache: dict[str, Any] = app_state(app).plugin_caches.setdefault(plugin_name, {})
    return cache


def app_state(app: Flask) -> AppState:
    """The state of ``app``, which must have been built by ``create_app``."""
    state = app.extensions.get(EXTENSION_KEY)
    if not isinstance(state, AppState):
        raise RuntimeError("this Flask app was not built by pressmark.create_app")
    return state
