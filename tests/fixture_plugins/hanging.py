"""A plugin whose every page hook, registry and embed hangs until ``RELEASE`` is set
(or 30 s pass). The site must answer anyway, within its PLUGIN_HOOK_TIMEOUT."""

from __future__ import annotations

import threading

from pressmark.api import hookimpl

RELEASE = threading.Event()
HANG_SECONDS = 30


def hang():
    RELEASE.wait(HANG_SECONDS)


@hookimpl
def register_embeds(app):
    def slow_embed(params):
        hang()
        return "<p>late</p>"

    return {"slow": slow_embed}


@hookimpl
def extra_css_urls(request):
    hang()


@hookimpl
def extra_js_urls(request):
    hang()


@hookimpl
def extra_head(request, context):
    hang()


@hookimpl
def render_slot(slot, request, context):
    hang()


@hookimpl
def extra_template_vars(template_name, request):
    hang()
