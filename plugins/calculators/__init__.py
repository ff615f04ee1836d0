"""Built-in plugin: calculators embedded in posts with ``{{< calc NAME key=value >}}``.

Calculators come from the ``register_calculators`` hook (this plugin registers the
built-ins; any plugin may add more). Each renders server-side, at save time, as a form that
works without JavaScript; ``static/calculators.js`` recomputes live through
``/-/calculators/<name>.json``. See docs/calculators.md.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, Flask, Request, url_for

from app import hookimpl
from plugins.calculators.base import (
    Calculator,
    Evaluation,
    Input,
    InputError,
    Preset,
    PresetGroup,
    Result,
    evaluate,
)
from plugins.calculators.builtins import BUILTIN_CALCULATORS

__all__ = [
    "Calculator",
    "Evaluation",
    "Input",
    "InputError",
    "Preset",
    "PresetGroup",
    "Result",
    "evaluate",
]

PLUGIN_NAME = "calculators"
STATIC = Path(__file__).parent / "static"


@cache
def _asset_version(filename: str) -> str:
    """A short content hash, so a changed file gets a new URL despite year-long caching."""
    return hashlib.sha256((STATIC / filename).read_bytes()).hexdigest()[:10]


def _asset_url(filename: str) -> str:
    return url_for(
        "plugin_static", plugin=PLUGIN_NAME, filename=filename, v=_asset_version(filename)
    )


def _may_show_calculators(request: Request) -> bool:
    # Listings on the public blueprint show no post bodies, so they skip the two files.
    return request.endpoint == "public.post" or request.blueprint not in (None, "public")


@hookimpl
def startup(app: Flask) -> None:
    # Collect once now, so a plugin with a broken register_calculators is reported at
    # start-up (logged with its name) rather than on a reader's first request.
    from plugins.calculators.registry import calculators

    calculators(app)


@hookimpl
def register_calculators() -> list[Calculator]:
    return list(BUILTIN_CALCULATORS)


@hookimpl
def register_embeds() -> dict:
    from plugins.calculators.render import EMBED_NAME, render_embed

    return {EMBED_NAME: render_embed}


@hookimpl
def register_blueprints(app: Flask) -> list[Blueprint]:
    from plugins.calculators.views import bp

    return [bp]


@hookimpl
def extra_css_urls(request: Request) -> list[str] | None:
    return [_asset_url("calculators.css")] if _may_show_calculators(request) else None


@hookimpl
def extra_js_urls(request: Request) -> list[str] | None:
    return [_asset_url("calculators.js")] if _may_show_calculators(request) else None
