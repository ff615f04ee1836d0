"""Collecting calculators from every plugin through the ``register_calculators`` hook.

Each implementation is called on its own, so one that raises or returns junk is logged
with its plugin's name (``record_failure``) and the others still work. The result is cached
on the app until the set of implementations changes (a plugin registered later, as tests
do, is picked up on the next call).
"""

from __future__ import annotations

import logging

from flask import Flask

from app.plugins import record_failure
from plugins.calculators.base import Calculator

log = logging.getLogger(__name__)
CACHE_KEY = "tokenpress_calculators"


def calculators(app: Flask) -> dict[str, Calculator]:
    """Every registered calculator by name; on a name clash the later-registered plugin
    wins (the same rule as embeds), and the clash is logged."""
    caller = app.pm.hook.register_calculators
    impls = caller.get_hookimpls()
    key = tuple((impl.plugin_name, id(impl.function)) for impl in impls)
    cache = app.extensions.setdefault(CACHE_KEY, {})
    if cache.get("key") == key:
        return cache["calculators"]
    found: dict[str, Calculator] = {}
    owners: dict[str, str] = {}
    # pluggy calls the last-registered implementation first; get_hookimpls() is the reverse.
    for impl in reversed(impls):
        args = {"app": app} if "app" in impl.argnames else {}
        try:
            items = list(impl.function(**args) or ())
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not hide the rest
            record_failure(app, impl.plugin_name, "register_calculators", exc)
            continue
        for item in items:
            if not isinstance(item, Calculator):
                error = TypeError(f"register_calculators returned {item!r}, not a Calculator")
                record_failure(app, impl.plugin_name, "register_calculators", error)
            elif item.name in found:
                log.warning("calculator %r from %r is shadowed", item.name, impl.plugin_name)
            else:
                found[item.name] = item
                owners[item.name] = impl.plugin_name
    cache.update(key=key, calculators=found, owners=owners)
    return found


def get_calculator(app: Flask, name: str) -> Calculator | None:
    return calculators(app).get(name)


def owner(app: Flask, name: str) -> str:
    """The name of the plugin that registered calculator ``name`` (for failure reports)."""
    calculators(app)
    return app.extensions[CACHE_KEY]["owners"].get(name, name)
