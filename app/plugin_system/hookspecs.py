"""The pressmark plugin API: markers and every hook specification.

Each docstring is the hook's contract. Conventions (see docs/plugins.md):

- ``register_*`` hooks return a list (or mapping) that the app merges from every plugin.
- Fragment hooks (``extra_head``, ``render_slot``) return an HTML string or ``None``; the
  string is inserted as-is, so a plugin must escape anything that came from a user.
- Past-tense events (``post_published``...) return nothing.
- Hooks are always called with keyword arguments; an implementation may accept any subset.
- Each spec is marked with its calling rule. Unmarked hooks are *direct*: called by
  pluggy in one go, so an exception stops the caller (start-up and wiring, where that is
  what you want). ``@isolated`` hooks are called implementation by implementation: one
  that raises (or overruns ``PLUGIN_HOOK_TIMEOUT``) is logged with its plugin's name and
  left out, and the page is still served. ``@event`` hooks are isolated too, each
  implementation inside its own database savepoint and without a time limit.
- A plugin may add hooks of its own with ``addhooks`` (pytest's ``pytest_addhooks``
  pattern), marked the same way; the built-in calculators plugin adds
  ``register_calculators`` like this.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

if TYPE_CHECKING:
    import click
    from flask import Blueprint, Flask, Request
    from pressmark.content.models import Post
    from pressmark.plugin_system.settings import Setting

PROJECT_NAME = "pressmark"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

# Calling rules, set on a spec by the marks below.
DIRECT = "direct"
ISOLATED = "isolated"
EVENT = "event"
RULE_ATTRIBUTE = f"{PROJECT_NAME}_calling_rule"

Spec = TypeVar("Spec", bound=Callable[..., Any])


def isolated(spec: Spec) -> Spec:
    """Mark a hook spec *isolated*: called implementation by implementation (through
    ``call_isolated``), each within ``PLUGIN_HOOK_TIMEOUT``; a failure is recorded under
    its plugin's name and left out. Wrappers are refused on such hooks at start-up."""
    setattr(spec, RULE_ATTRIBUTE, ISOLATED)
    return spec


def event(spec: Spec) -> Spec:
    """Mark a hook spec an *event*: isolated, and each implementation runs inside its own
    database savepoint of the caller's transaction (so without a time limit)."""
    setattr(spec, RULE_ATTRIBUTE, EVENT)
    return spec


def marked_rule(spec: Callable[..., Any]) -> str:
    """``DIRECT``, ``ISOLATED`` or ``EVENT``: the mark on ``spec``. (An app's rule for a
    hook by name, plugins' own hooks included, is ``calling.calling_rule``.)"""
    rule = getattr(spec, RULE_ATTRIBUTE, DIRECT)
    return rule if isinstance(rule, str) else DIRECT


def hooks_with_rule(namespace: ModuleType | type, *rules: str) -> frozenset[str]:
    """The names of the hook specs in ``namespace`` marked with one of ``rules``."""
    marker = f"{PROJECT_NAME}_spec"
    return frozenset(
        name
        for name, value in vars(namespace).items()
        if callable(value) and hasattr(value, marker) and marked_rule(value) in rules
    )


# --- start-up and wiring ------------------------------------------------------------------


@hookspec
def startup(app: Flask) -> None:
    """Called once, at the end of ``create_app``, inside an application context.

    Use it to check configuration or prepare resources (for example a search index).
    Raising here stops the app from starting: start-up errors must be loud.
    """


@hookspec(historic=True)
def addhooks(pluginmanager: pluggy.PluginManager) -> None:
    """Add this plugin's own hook specs: ``pluginmanager.add_hookspecs(module)``.

    Called when the plugin is registered, before any other of its hooks, so the hooks it
    adds are known when the next plugins register. Mark each spec with its calling rule
    (``pressmark.api.isolated`` or ``event``) and call the hook through
    ``pressmark.api.call_isolated``. A plugin implementing a hook that another plugin adds
    should use ``@hookimpl(optionalhook=True)``, so that it still loads when that plugin is
    disabled.
    """


@hookspec
def register_settings() -> list[Setting]:
    """Return this plugin's settings, each a ``pressmark.api.Setting(name, default, help)``.

    Called once as the app is built, before ``startup``: a setting the site leaves unset
    gets its default, and ``pressmark plugins`` lists every setting with its value and help.
    Read values from ``app.config[name]``. Names are upper-case config keys, unique across
    plugins; prefix them with the plugin's name (``FEED_LIMIT``). A clash stops start-up.
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
def register_workers(app: Flask) -> list[Callable[[threading.Event], None]]:
    """Return background jobs for the server: each is called as ``job(stop)`` in a thread of
    its own, in one process of ``pressmark serve`` (the first worker process), for as long
    as it serves.

    A job loops over durable work (a queue in the database, say), waits with
    ``stop.wait(seconds)`` between rounds and returns soon after ``stop`` is set. It runs
    outside any request and must push its own application context (``with
    app.app_context():``) around database work. A job that raises is logged and not
    restarted; catch what you can retry. Not called by ``create_app``, tests or other
    commands: a plugin may offer a command that runs the same job in the foreground.
    """


@hookspec
def register_theme_templates(app: Flask) -> list[str | os.PathLike[str]]:
    """Return template folders that override the core templates: this plugin is a theme.

    Called once, at start-up. A template in one of these folders is used instead of the
    core template of the same name (``base.html``, ``post.html``, ``editor/edit.html``...);
    a site's own ``instance/templates/`` folder overrides both. The core templates stay
    reachable under the prefix ``core/``, so a theme's ``base.html`` can start with
    ``{% extends "core/base.html" %}`` and replace only the blocks it changes (see
    ``docs/themes.md``). When several themes are enabled, the one registered later wins.
    """


@hookspec
@isolated
def register_markdown_extensions(app: Flask) -> list[Any]:
    """Return Python-Markdown extensions (instances or dotted names) to add to the pipeline.

    They run when a post is saved, after the built-in extensions are configured. Their HTML
    still passes through the sanitiser, so they cannot introduce scripts.
    """


@hookspec
@isolated
def register_embeds(app: Flask) -> Mapping[str, Callable[..., str]]:
    """Return a mapping of embed name to handler for ``{{< name key=value ... >}}``.

    A handler is called as ``handler(params=dict[str, str])`` and returns trusted HTML. It
    must escape the parameters it echoes. Bare words are joined under the key ``"_"``. An
    unknown name renders a visible notice; a handler that raises renders a notice and is
    logged under its plugin's name. Embeds are rendered when a post is saved. When two
    plugins register one name, the one registered later wins.
    """


@hookspec
@isolated
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


# --- pages ----------------------------------------------------------------------------------


@hookspec
@isolated
def extra_css_urls(request: Request) -> list[str]:
    """Return URLs of stylesheets to link from every page's ``<head>``.

    Serve them from the same host (the Content-Security-Policy allows no other).
    """


@hookspec
@isolated
def extra_js_urls(request: Request) -> list[str]:
    """Return URLs of scripts to load (deferred) on every page. Same-host URLs only."""


@hookspec
@isolated
def extra_head(request: Request, context: Mapping[str, Any]) -> str | None:
    """Return an HTML fragment for the page's ``<head>`` (``<link>`` and ``<meta>`` tags).

    ``context`` is the template context, e.g. ``topic`` or ``tag`` on their pages.
    Inline scripts and styles are refused by the Content-Security-Policy; use files.
    """


@hookspec
@isolated
def render_slot(slot: str, request: Request, context: Mapping[str, Any]) -> str | None:
    """Return an HTML fragment for a named place in the templates, or ``None``.

    Slots: ``header`` (beside the navigation), ``home_top``, ``home_archive_hint``,
    ``home_bottom``, ``post_before_body``, ``post_after_body``, ``footer``; and in the
    editor (signed in, never cached) ``editor_menu`` (beside the account box of every
    editor page) and ``editor_publish`` (inside the post form, before its Publish button,
    while the post can be published). Fragments from all plugins are joined in hook order.

    In ``editor_publish`` the context's ``post`` is the post (None for a new one); fields
    added there arrive with the form, so a ``post_published`` implementation can read
    them from ``flask.request.form``.
    """


@hookspec
@isolated
def extra_template_vars(template_name: str, request: Request) -> dict[str, Any]:
    """Return extra variables for the template being rendered, or ``None``.

    They are added to the context before ``extra_head`` and the slots run. When two plugins
    set one variable, the plugin registered later wins (the same rule as embeds).
    """


# --- content events ----------------------------------------------------------------------------


@hookspec
@event
def post_updated(post: Post) -> None:
    """A post was saved (created, edited, published, unpublished or trashed).

    Called after the post is flushed (``post.id`` is set), inside the save's transaction,
    before commit: database work done here commits or rolls back with the save. An
    implementation that raises is rolled back to its own savepoint and logged; the save
    still succeeds.
    """


@hookspec
@event
def post_published(post: Post) -> None:
    """A post became published (now or scheduled: check ``post.published_at``).

    Called after ``post_updated`` in the same transaction, with the same isolation.
    """


@hookspec
@event
def post_deleted(post: Post) -> None:
    """A post is being deleted forever. Called before the row is removed, in the same
    transaction, so ``post.id`` and its fields are still readable.

    Moving a post to the trash is a save (``post_updated``), not a delete. Same isolation as
    ``post_updated``.
    """


# Derived from the marks above. Hooks that plugins add have their rules in the app's
# plugin manager (``pressmark.plugin_system.calling.calling_rule``).
EVENT_HOOKS: frozenset[str] = hooks_with_rule(sys.modules[__name__], EVENT)
ISOLATED_HOOKS: frozenset[str] = hooks_with_rule(sys.modules[__name__], ISOLATED, EVENT)
