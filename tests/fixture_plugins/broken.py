"""A plugin that raises in every optional hook. The site must carry on without it."""

from __future__ import annotations

from pressmark.api import hookimpl


class BrokenPluginError(RuntimeError):
    pass


def _fail(hook):
    raise BrokenPluginError(f"broken plugin fails in {hook}")


def explode(params):
    _fail("the boom embed")


@hookimpl
def register_embeds(app):
    return {"boom": explode}


@hookimpl
def extra_css_urls(request):
    _fail("extra_css_urls")


@hookimpl
def extra_js_urls(request):
    _fail("extra_js_urls")


@hookimpl
def extra_head(request, context):
    _fail("extra_head")


@hookimpl
def render_slot(slot, request, context):
    _fail(f"render_slot {slot}")


@hookimpl
def extra_template_vars(template_name, request):
    _fail("extra_template_vars")


@hookimpl
def post_updated(post):
    # A half-done write: the savepoint around this hook must roll it back.
    from pressmark.content.models import Tag
    from pressmark.extensions import db

    db.session.add(Tag(name="written-by-broken-plugin"))
    db.session.flush()
    _fail("post_updated")


@hookimpl
def post_published(post):
    _fail("post_published")


@hookimpl
def post_deleted(post):
    _fail("post_deleted")
