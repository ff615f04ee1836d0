"""Archive hover-focus view: the archive item under the pointer, keyboard focus or a tap
comes into focus while the other items recede.

The core renders the archive as a plain list (``[data-archive-list]``); this plugin only
adds a stylesheet, a small script and the home page's hint, so with the plugin disabled the
list stays exactly that. CSS does the hover and keyboard parts on its own; the script adds
what CSS cannot: marking enhanced lists ``is-focus-enhanced`` and tap-to-focus on touch
screens (a first tap focuses an item, a second tap on it follows the link).
"""

from __future__ import annotations

from flask import Request
from markupsafe import Markup
from pressmark.api import hookimpl, plugin_asset_url

NAME = "archive-focus"
CSS_FILE = "archive-focus.css"
JS_FILE = "archive-focus.js"
# Pages that render the archive list; other pages do not pay for the files.
ENDPOINTS = frozenset({"public.home", "public.archive", "public.archive_year"})
HINT = "Hover to bring an item back into focus."


def _wanted(request: Request) -> bool:
    return request.endpoint in ENDPOINTS


@hookimpl
def extra_css_urls(request: Request) -> list[str]:
    return [plugin_asset_url(NAME, CSS_FILE)] if _wanted(request) else []


@hookimpl
def extra_js_urls(request: Request) -> list[str]:
    return [plugin_asset_url(NAME, JS_FILE)] if _wanted(request) else []


@hookimpl
def render_slot(slot: str) -> str | None:
    # The slot sits inside the archive intro paragraph, so the hint must be phrasing content.
    if slot != "home_archive_hint":
        return None
    return Markup('<span class="archive-focus-hint">{}</span>').format(HINT)
