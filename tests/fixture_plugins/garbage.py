"""A plugin that returns garbage from every optional hook. The site must carry on."""

from __future__ import annotations

from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from pressmark.api import hookimpl


class _Explodes(Postprocessor):
    def run(self, text):
        if "detonate" in text:
            raise RuntimeError("the garbage extension exploded")
        return text


class ExplodingExtension(Extension):
    """Loads fine, then raises on a post that says "detonate"."""

    def extendMarkdown(self, md):  # noqa: N802 - Python-Markdown's API name
        md.postprocessors.register(_Explodes(md), "garbage-explodes", 1)


@hookimpl
def register_markdown_extensions(app):
    return [42, "no.such.markdown.extension", ExplodingExtension()]


@hookimpl
def register_embeds(app):
    return {"junk": lambda params: b"\x00bytes, not a string", "fine": lambda params: "<b>ok</b>"}


@hookimpl
def register_calculators(app):
    return [object(), "not a calculator"]


@hookimpl
def extra_css_urls(request):
    return "/static/not-a-list.css"


@hookimpl
def extra_js_urls(request):
    return [42, None]


@hookimpl
def extra_head(request, context):
    return 3.14


@hookimpl
def render_slot(slot, request, context):
    return b"<p>bytes</p>"


@hookimpl
def extra_template_vars(template_name, request):
    return ["not", "a", "dict"]


@hookimpl
def post_updated(post):
    return "events return nothing; a value is ignored"
