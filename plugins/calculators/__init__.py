"""Built-in plugin: calculators embedded in posts with ``{{< calc NAME key=value >}}``.

Charts: ``{{< chart >}}`` draws the Markdown table above it (or inline CSV) as inline SVG
when the post is saved (``chart_embed.py``, ``chart.py``).

Calculators come from the ``register_calculators`` hook, which this plugin adds to the
app's hooks (``hookspecs.py``, through ``addhooks``) and implements for the built-ins; any
plugin may add more. Each renders server-side, at save time, as a form that
works without JavaScript; ``static/calculators.js`` recomputes live through
``/-/calculators/<name>.json``. See docs/calculators.md.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Request
from pluggy import PluginManager
from pressmark.api import hookimpl, plugin_asset_url
from pressmark.plugins.calculators.base import (
    Calculator,
    Evaluation,
    Input,
    InputError,
    Preset,
    PresetGroup,
    Result,
    evaluate,
)
from pressmark.plugins.calculators.builtins import BUILTIN_CALCULATORS

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


def _may_show_calculators(request: Request) -> bool:
    # Listings on the public blueprint show no post bodies, so they skip the files; posts
    # and standalone pages (``/<slug>``) may hold calculators and charts.
    return request.endpoint in ("public.post", "public.page") or request.blueprint not in (
        None, "public"
    )


@hookimpl
def addhooks(pluginmanager: PluginManager) -> None:
    from pressmark.plugins.calculators import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


@hookimpl
def startup(app: Flask) -> None:
    # The app's one collection (kept for its life), made now so that a plugin with a broken
    # register_calculators is reported at start-up rather than on a reader's first request.
    from pressmark.plugins.calculators.registry import calculators

    calculators(app)


@hookimpl
def register_calculators() -> list[Calculator]:
    return list(BUILTIN_CALCULATORS)


@hookimpl
def register_embeds() -> dict:
    from pressmark.plugins.calculators import chart_embed
    from pressmark.plugins.calculators.render import EMBED_NAME, render_embed

    return {EMBED_NAME: render_embed, chart_embed.EMBED_NAME: chart_embed.render_chart_embed}


@hookimpl
def register_markdown_extensions() -> list:
    from pressmark.plugins.calculators.markdown_ext import CalculatorExtension

    # Hands the chart embed its data and feeds chained calculators (markdown_ext.py).
    return [CalculatorExtension()]


@hookimpl
def register_blueprints(app: Flask) -> list[Blueprint]:
    from pressmark.plugins.calculators.views import bp

    return [bp]


@hookimpl
def extra_css_urls(request: Request) -> list[str] | None:
    if not _may_show_calculators(request):
        return None
    return [
        plugin_asset_url(PLUGIN_NAME, "calculators.css"),
        plugin_asset_url(PLUGIN_NAME, "charts.css"),
    ]


@hookimpl
def extra_js_urls(request: Request) -> list[str] | None:
    if not _may_show_calculators(request):
        return None
    return [plugin_asset_url(PLUGIN_NAME, "calculators.js")]
