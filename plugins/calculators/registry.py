"""Collecting calculators from every plugin through the ``register_calculators`` hook.

The hook is isolated (``call_isolated``): an implementation that raises, or an item that is
not a ``Calculator``, is logged with its plugin's name (``record_failure``) and left out,
and the others still work. Like embed handlers (``app/markup.py``), calculators are
collected once per app, on first use (the plugin's ``startup`` hook), and kept for the
app's life: a plugin registered on a built app is seen only once the app's cache entry
(``plugin_cache``, emptied by ``forget_plugin_caches``) is dropped.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from pressmark.api import call_isolated_by_plugin, plugin_cache, record_failure
from pressmark.plugins.calculators.base import Calculator

log = logging.getLogger(__name__)
HOOK = "register_calculators"
PLUGIN_NAME = "calculators"


def _registry(app: Flask) -> dict[str, dict[str, Any]]:
    """``{"calculators": {name: Calculator}, "owners": {name: plugin name}}``, collected on
    the first call and kept for the app's life."""
    cache = plugin_cache(app, PLUGIN_NAME)
    if "registry" in cache:
        return cache["registry"]
    found: dict[str, Calculator] = {}
    owners: dict[str, str] = {}
    # In pluggy's order, last-registered plugin first: the first to claim a name keeps it.
    for plugin, result in call_isolated_by_plugin(HOOK, app=app):
        if not isinstance(result, list | tuple):
            error = TypeError(f"{HOOK} returned a {type(result).__name__}; it must return a "
                              "list of calculators or None")
            record_failure(app, plugin, HOOK, error)
            continue
        items = list(result)
        for item in items:
            if not isinstance(item, Calculator):
                error = TypeError(f"{HOOK} returned {item!r}, not a Calculator")
                record_failure(app, plugin, HOOK, error)
            elif item.name in found:
                log.warning("calculator %r from %r is shadowed", item.name, plugin)
            else:
                found[item.name] = item
                owners[item.name] = plugin
    cache["registry"] = {"calculators": found, "owners": owners}
    return cache["registry"]


def calculators(app: Flask) -> dict[str, Calculator]:
    """Every registered calculator by name; on a name clash the later-registered plugin
    wins (the same rule as embeds), and the clash is logged."""
    return _registry(app)["calculators"]


def get_calculator(app: Flask, name: str) -> Calculator | None:
    return calculators(app).get(name)


def owner(app: Flask, name: str) -> str:
    """The name of the plugin that registered calculator ``name`` (for failure reports)."""
    return _registry(app)["owners"].get(name, name)
