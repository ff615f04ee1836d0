"""Built-in plugin ``feeds``: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the site, each topic,
each tag, each series and each author.

Serves ``/feed.xml`` (RSS), ``/feed.atom`` and ``/feed.json``, and the same three names
under ``/topics/<slug>/``, ``/tags/<tag>/``, ``/series/<slug>/`` and ``/authors/<slug>/``:
the newest ``FEED_LIMIT`` visible posts (default 20) with their full, absolute-linked HTML
and their authors. Pages are in no feed. An unknown topic, or a tag, series or author with
no visible post, is a 404. Every page gets ``<link rel="alternate">`` autodiscovery for the
site's feeds (and its topic's or tag's own, first, on those pages) and feed links in the
footer.

Configuration: ``FEED_LIMIT`` (entries per feed, 1-1000); ``FEED_TAG_AUTHORITY`` (the domain
in entry ids, ``tag:<domain>,<date>:post-<id>``; defaults to the host of ``SITE_URL``, and is
worth pinning so that ids survive a change of domain).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, Request, current_app, url_for
from markupsafe import Markup
from pressmark.api import Setting, hookimpl
from pressmark.plugins.feeds.build import FORMATS

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000


@hookimpl
def register_blueprints(app: Flask) -> list[Blueprint]:
    from pressmark.plugins.feeds import views

    return [views.bp]


@hookimpl
def register_settings() -> list[Setting]:
    return [
        Setting("FEED_LIMIT", DEFAULT_LIMIT, f"Entries per feed, 1 to {MAX_LIMIT}."),
        Setting(
            "FEED_TAG_AUTHORITY",
            "",
            "The domain inside entry ids (default: the host of SITE_URL). Pin it before "
            "moving the site to a new domain, or readers see every post again.",
        ),
    ]


@hookimpl
def startup(app: Flask) -> None:
    limit = app.config["FEED_LIMIT"]
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"FEED_LIMIT must be a whole number from 1 to {MAX_LIMIT}, not {limit!r}.")


def _feeds_for(request: Request, context: Mapping[str, Any]) -> list[tuple[str, str, dict]]:
    """(name, endpoint, arguments) of the feeds this page offers, its own first."""
    site = (current_app.config["SITE_TITLE"], "feeds.site", {})
    if request.endpoint == "public.topic" and context.get("topic") is not None:
        topic = context["topic"]
        return [(topic.name, "feeds.topic", {"slug": topic.slug}), site]
    if request.endpoint == "public.tag" and context.get("tag") is not None:
        tag = context["tag"]
        return [(f"#{tag.name}", "feeds.tag", {"name": tag.slug}), site]
    if request.endpoint == "public.series" and context.get("series") is not None:
        series = context["series"]
        return [(series.title, "feeds.series", {"slug": series.slug}), site]
    if request.endpoint == "public.author" and context.get("author") is not None:
        author = context["author"]
        return [(author.name, "feeds.author", {"slug": author.slug}), site]
    return [site]


@hookimpl
def extra_head(request: Request, context: Mapping[str, Any]) -> str:
    """Autodiscovery: one ``<link rel="alternate">`` per feed and format."""
    link = Markup('<link rel="alternate" type="{}" title="{} ({})" href="{}">')
    return Markup("\n").join(
        link.format(fmt.mimetype, name, fmt.label, url_for(endpoint, fmt=fmt.name, **args))
        for name, endpoint, args in _feeds_for(request, context)
        for fmt in FORMATS.values()
    )


@hookimpl
def render_slot(slot: str, request: Request, context: Mapping[str, Any]) -> str | None:
    """The footer's "Subscribe" line: this topic's or tag's feeds, then the whole site's."""
    if slot != "footer":
        return None
    feeds = _feeds_for(request, context)
    lines = []
    for name, endpoint, args in feeds:
        label = "Subscribe to all posts" if endpoint == "feeds.site" else f"Subscribe to {name}"
        links = Markup(" · ").join(
            Markup('<a href="{}" type="{}">{}</a>').format(
                url_for(endpoint, fmt=fmt.name, **args), fmt.mimetype, fmt.label
            )
            for fmt in FORMATS.values()
        )
        lines.append(Markup('<p class="feed-links">{}: {}</p>').format(label, links))
    return Markup("\n").join(lines)
