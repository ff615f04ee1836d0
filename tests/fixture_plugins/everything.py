"""A well-behaved plugin that implements every hook with visible, checkable output.

Everything it records goes into ``app.extensions["everything"]``, so each app (each test)
sees only its own calls.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

import click
from flask import Blueprint, current_app
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markupsafe import escape
from pressmark.api import Setting, hookimpl, hookspec, isolated

__version__ = "1.2.3"


def _state() -> dict:
    return current_app.extensions.setdefault("everything", {"events": []})


class EverythingHooks:
    """A hook of this plugin's own, added through ``addhooks``."""

    @staticmethod
    @hookspec
    @isolated
    def everything_shout(text: str) -> str:
        """Return ``text`` louder."""


@hookimpl
def addhooks(pluginmanager):
    pluginmanager.add_hookspecs(EverythingHooks)


@hookimpl
def everything_shout(text):
    return text.upper()


@hookimpl
def register_settings():
    return [Setting("EVERYTHING_GREETING", "hello", "What the everything plugin says.")]


@hookimpl
def startup(app):
    app.extensions.setdefault("everything", {"events": []})["started"] = True


bp = Blueprint("everything", __name__)


@bp.route("/-/everything")
def hello():
    return {"hello": "from everything"}


@hookimpl
def register_blueprints(app):
    return [bp]


@hookimpl
def register_commands(cli):
    @cli.command("everything-hello")
    def everything_hello():
        """Say hello from the everything plugin."""
        click.echo(f"hello from {current_app.config['SITE_TITLE']}")


class _InsertedPattern(InlineProcessor):
    """``++text++`` becomes ``<ins>text</ins>``."""

    def handleMatch(self, m, data):  # noqa: N802 - Python-Markdown's API name
        el = etree.Element("ins")
        el.text = m.group(1)
        return el, m.start(0), m.end(0)


class InsertedExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        md.inlinePatterns.register(_InsertedPattern(r"\+\+(.+?)\+\+", md), "everything_ins", 40)


@hookimpl
def register_workers(app):
    def everything_idles(stop):
        stop.wait()  # a job that only waits for the server to stop

    return [everything_idles]


@hookimpl
def register_theme_templates(app):
    return []  # a theme that replaces no template: the site looks the same


@hookimpl
def register_markdown_extensions(app):
    return [InsertedExtension()]


def greet(params):
    return f'<span class="greeting">Hello, {escape(params.get("name", "world"))}!</span>'


@hookimpl
def register_embeds(app):
    return {"greet": greet}


@hookimpl
def extra_css_urls(request):
    return ["/-/static/everything/everything.css"]


@hookimpl
def extra_js_urls(request):
    return ["/-/static/everything/everything.js"]


@hookimpl
def extra_head(request, context):
    post = context.get("post")
    subject = post.slug if post is not None else request.path
    return f'<meta name="everything" content="{escape(subject)}">'


@hookimpl
def render_slot(slot, request, context):
    # The template variable comes from extra_template_vars below: it shows that those
    # variables reach the template context the slot is rendered in.
    var = context.get("everything_var", "missing")
    return f'<span class="everything-slot" data-slot="{slot}" data-var="{escape(var)}"></span>'


@hookimpl
def extra_template_vars(template_name, request):
    return {"everything_var": f"vars-for-{template_name}"}


def _record(event, post):
    from pressmark.content.models import Post
    from pressmark.extensions import db

    # Reads the row through the session to show the event runs inside the transaction.
    in_db = db.session.get(Post, post.id) is not None
    _state()["events"].append((event, post.slug, post.status, in_db))


@hookimpl
def post_updated(post):
    _record("post_updated", post)


@hookimpl
def post_published(post):
    _record("post_published", post)


@hookimpl
def post_deleted(post):
    _record("post_deleted", post)
