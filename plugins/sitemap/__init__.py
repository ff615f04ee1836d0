"""Built-in plugin ``sitemap``: what crawlers and language models read.

Serves
- ``/sitemap.xml``: every public page (home, ``/posts`` and its pages, ``/archive`` and each
  year's ``/archive/<year>``, every topic, every tag a visible post carries, every visible
  post) with ``<lastmod>``;
- ``/robots.txt``: everything allowed but ``/editor/`` and ``/auth/``, and the sitemap's URL;
- ``/llms.txt``: the site per https://llmstxt.org/, one section per topic listing posts;
- ``/posts/<slug>.md``: a visible post as plain Markdown (``text/markdown``), a 301 from a
  former slug, a 404 otherwise. Post pages point to it with ``<link rel="alternate">``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, Request, url_for
from markupsafe import Markup
from pressmark.api import hookimpl


@hookimpl
def register_blueprints(app: Flask) -> list[Blueprint]:
    from pressmark.plugins.sitemap import views

    return [views.bp]


@hookimpl
def extra_head(request: Request, context: Mapping[str, Any]) -> str | None:
    """On a post's page, point to its Markdown copy."""
    post = context.get("post")
    if request.endpoint != "public.post" or post is None:
        return None
    return Markup('<link rel="alternate" type="text/markdown" title="{}" href="{}">').format(
        f"{post.title} (Markdown)", url_for("sitemap.markdown", slug=post.slug)
    )
