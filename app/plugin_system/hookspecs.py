"""The pressmark plugin API: markers and every hook specification.

Each docstring is the hook's contract. Conventions (see docs/plugins.md):

- ``register_*`` hooks return a list (or mapping) that the app merges from every plugin.
- Fragment hooks (``extra_head``, ``render_slot``) return an HTML string or ``None``; the
  string is inserted as-is, so a plugin must escape anything that came from a user.
- Past-tense events (``post_published``...) return nothing.
- Hooks are always called with keyword arguments; an implementation may accept any subset.
- Optional hooks (fragments, CSS/JS, template variables, the embed, Markdown-extension and
  calculator registries, events) are isolated: an implementation that raises is logged
  with its plugin's name and left out, and the page is still served.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from flask import Blueprint, Flask, Request
    from pressmark.content.models import Post

PROJECT_NAME = "pressmark"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --- start-up and wiring ------------------------------------------------------------------


@hookspec
def startup(app: Flask) -> None:
    """Called once, at the end of ``create_app``, inside an application context.

    Use it to check configuration or prepare resources (for example a search index).
    Raising here stops the app from starting: start-up errors must be loud.
    """


@hookspec
def register_blueprints(app: Flask) -> list[Blueprint]:
    """Return Flask blueprints to register on the app.

    Blueprint names must be unique across plugins. Machine endpoints belong under ``/-/``.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add Click commands to the ``pressmark`` command line by decorating ``cli``.

    ``cli`` is the app's command group; commands run inside an application context.
    """


@hookspec
def register_markdown_extensions(app: Flask) -> list[Any]:
    """Return Python-Markdown extensions (instances or dotted names) to add to the pipeline.

    They run when a post is saved, after the built-in extensions are configured. Their HTML
    still passes through the sanitiser, so they cannot introduce scripts.
    """


@hookspec
def register_embeds(app: Flask) -> Mapping[str, Callable[..., str]]:
    """Return a mapping of embed name to handler for ``{{< name key=value ... >}}``.

    A handler is called as ``handler(params=dict[str, str])`` and returns trusted HTML. It
    must escape the parameters it echoes. Bare words are joined under the key ``"_"``. An
    unknown name renders a visible notice; a handler that raises renders a notice and is
    logged under its plugin's name. Embeds are rendered when a post is saved. When two
    plugins register one name, the one registered later wins.
    """


@hookspec
def register_import_converters(app: Flask) -> Mapping[str, Callable[..., str | None]]:
    """Return a mapping of tag name to converter for ``pressmark import``.

    While importing, each Hugo shortcode (``{{< name ... >}}``, ``{{% name ... %}}``),
    Liquid or Nunjucks tag (``{% name ... %}``), Zola shortcode (``{{ name(...) }}``) and
    WordPress shortcode (``[name ...]``) in a post's body is handed to the converter
    registered under its name, called as
    ``converter(name=str, params=dict[str, str], inner=str | None, source=str)``:
    ``params`` holds named arguments by name and positional ones under ``"0"``, ``"1"``...;
    ``inner`` is the text between an opening and a closing tag (``None`` for a single tag);
    ``source`` is the format (``"hugo"``, ``"jekyll"``, ``"eleventy"``, ``"zola"``,
    ``"wordpress"``). It returns the Markdown (or HTML, which is sanitised when the post is
    rendered) to put in the tag's place, or ``None`` to leave the tag unconverted: it is then
    kept for the author as an HTML comment, shown in the editor and never to readers. A
    converter that raises counts as ``None``. Plugin converters replace the built-in ones of
    the same name (``highlight``, ``figure``, ``youtube``, ``vimeo``, ``gist``, ``tweet``,
    ``raw``, ``ref``, ``relref``, ``post_url``, ``link``, ``caption``, ``embed``); when two
    plugins register one name, the one registered later wins.
    """


@hookspec
def register_calculators(app: Flask) -> list[Any]:
    """Return calculators for the built-in ``calculators`` plugin's ``calc`` embed.

    Each item is a ``pressmark.plugins.calculators.base.Calculator``: a name, its inputs with
    defaults and validation, presets, and a ``compute(values) -> results`` function, so each formula
    lives once, in Python. Names must be unique; on a clash the later-registered plugin wins.
    """


# --- pages ----------------------------------------------------------------------------------


@hookspec
def extra_css_urls(request: Request) -> list[str]:
    """Return URLs of stylesheets to link from every page's ``<head>``.

    Serve them from the same host (the Content-Security-Policy allows no other).
    """


@hookspec
def extra_js_urls(request: Request) -> list[str]:
    """Return URLs of scripts to load (deferred) on every page. Same-host URLs only."""


@hookspec
def extra_head(request: Request, context: Mapping[str, Any]) -> str | None:
    """Return an HTML fragment for the page's ``<head>`` (``<link>`` and ``<meta>`` tags).

    ``context`` is the template context, e.g. ``topic`` or ``tag`` on their pages.
    Inline scripts and styles are refused by the Content-Security-Policy; use files.
    """


@hookspec
def render_slot(slot: str, request: Request, context: Mapping[str, Any]) -> str | None:
    """Return an HTML fragment for a named place in the templates, or ``None``.

    Slots: ``header`` (beside the navigation), ``home_top``, ``home_archive_hint``,
    ``home_bottom``, ``post_before_body``, ``post_after_body``, ``footer``. Fragments from
    all plugins are joined in hook order.
    """


@hookspec
def extra_template_vars(template_name: str, request: Request) -> dict[str, Any]:
    """Return extra variables for the template being rendered, or ``None``.

    They are added to the context before ``extra_head`` and the slots run. When two plugins
    set one variable, the plugin registered later wins (the same rule as embeds).
    """


# --- content events ----------------------------------------------------------------------------


@hookspec
def post_updated(post: Post) -> None:
    """A post was saved (created, edited, published, unpublished or trashed).

    Called after the post is flushed (``post.id`` is set), inside the save's transaction,
    before commit: database work done here commits or rolls back with the save. An
    implementation that raises is rolled back to its own savepoint and logged; the save
    still succeeds.
    """


@hookspec
def post_published(post: Post) -> None:
    """A post became published (now or scheduled: check ``post.published_at``).

    Called after ``post_updated`` in the same transaction, with the same isolation.
    """


@hookspec
def post_deleted(post: Post) -> None:
    """A post is being deleted forever. Called before the row is removed, in the same
    transaction, so ``post.id`` and its fields are still readable.

    Moving a post to the trash is a save (``post_updated``), not a delete. Same isolation as
    ``post_updated``.
    """
