"""Archive hover-focus view: the archive item under the pointer, keyboard focus or a tap
comes into focus while the other items recede.

The core renders the archive as a plain list (``[data-archive-list]``); this plugin only
adds a stylesheet, a small script and the home page's hint, so with the plugin disabled the
list stays exactly that. CSS does the hover and keyboard parts on its own; the script adds
what CSS cannot: marking enhanced lists ``is-focus-enhanced`` and tap-to-focus on touch
screens (a first tap focuses an item, a second tap on it follows the link).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Request, url_for
from markupsafe import Markup

from app import hookimpl

NAME = "archive-focus"
STATIC = Path(__file__).parent / "static"
CSS_FILE = "archive-focus.css"
JS_FILE = "archive-focus.js"
# Pages that render the archive list; other pages do not pay for the files.
ENDPOINTS = frozenset({"public.home", "public.archive"})
HINT = "Hover to bring an item back into focus."


@cache
def _version(filename: str) -> str:
    """A short content hash: plugin static files are cached for a year, so their URLs
    must change when their content does."""
    return hashlib.sha256((STATIC / filename).read_bytes()).hexdigest()[:10]


def _asset_url(filename: str) -> str:
    return url_for("plugin_static", plugin=NAME, filename=filename, v=_version(filename))


def _wanted(request: Request) -> bool:
    return request.endpoint in ENDPOINTS


@hookimpl
def extra_css_urls(request: Request) -> list[str]:
    return [_asset_url(CSS_FILE)] if _wanted(request) else []


@hookimpl
def extra_js_urls(request: Request) -> list[str]:
    return [_asset_url(JS_FILE)] if _wanted(request) else []


@hookimpl
def render_slot(slot: str) -> str | None:
    # The slot sits inside the archive intro paragraph, so the hint must be phrasing content.
    if slot != "home_archive_hint":
        return None
    return Markup('<span class="archive-focus-hint">{}</span>').format(HINT)
