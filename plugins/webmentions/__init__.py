"""Built-in plugin: webmentions (W3C Recommendation), received and sent.

- Every page advertises the endpoint ``/-/webmention`` in a ``Link`` header and a
  ``<link rel="webmention">``; mentions received are verified in the background and wait
  in ``/editor/webmentions/`` for the author's approval (``receive``, ``views``).
- Approved mentions show under the post as likes, reposts and replies, in text: no remote
  image is ever loaded (``render_slot``).
- Publishing or updating a post queues a webmention to every site it links to, and to the
  ones it linked to before; the same background job sends them (``send``, ``worker``).

Guide: docs/webmentions.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import click
from flask import Blueprint, Flask, Request, has_request_context, url_for
from markupsafe import escape
from pressmark.api import Setting, absolute_url, hookimpl, plugin_asset_url
from pressmark.content.models import Post
from pressmark.extensions import csrf

SETTINGS = [
    Setting("WEBMENTION_ALLOW_LOOPBACK", False,
            "Fetch sources on 127.0.0.1 and ::1 (tests); other private addresses never."),
    Setting("WEBMENTION_TIMEOUT", 10, "Seconds a fetch of another site may take."),
    Setting("WEBMENTION_MAX_BYTES", 1024 * 1024, "The most a fetched page may weigh."),
    Setting("WEBMENTION_MAX_ATTEMPTS", 5, "Tries before a mention is given up."),
    Setting("WEBMENTION_RETRY_SECONDS", 60, "The first retry's delay; it doubles each time."),
    Setting("WEBMENTION_POLL_SECONDS", 5, "How often an idle worker looks for work."),
    Setting("WEBMENTION_RECEIVED_PER_HOUR", 60,
            "Webmentions accepted per client address per hour; then 429."),
]


@hookimpl
def register_settings() -> list[Setting]:
    return SETTINGS


@hookimpl
def register_blueprints(app: Flask) -> list[Blueprint]:
    from pressmark.plugins.webmentions import views

    csrf.exempt(views.bp)  # other sites post here; verification is the check
    return [views.bp, views.admin]


@hookimpl
def register_commands(cli: click.Group) -> None:
    from pressmark.plugins.webmentions.commands import webmentions_group

    cli.add_command(webmentions_group)


@hookimpl
def register_workers(app: Flask) -> list[Callable[..., None]]:
    from pressmark.plugins.webmentions.worker import run_forever

    return [run_forever(app)]


@hookimpl
def extra_css_urls(request: Request) -> list[str]:
    return [plugin_asset_url("webmentions", "webmentions.css")]


@hookimpl
def extra_head(request: Request, context: Mapping[str, Any]) -> str | None:
    endpoint = absolute_url(url_for("webmention.receive"))
    return f'<link rel="webmention" href="{escape(endpoint)}">'


@hookimpl
def render_slot(slot: str, request: Request, context: Mapping[str, Any]) -> str | None:
    post = context.get("post")
    if slot == "post_after_body" and isinstance(post, Post):
        from pressmark.plugins.webmentions.receive import mentions_for
        from pressmark.plugins.webmentions.views import render_mentions

        return render_mentions(mentions_for(post)) or None
    if slot == "editor_menu":
        return (f'<p class="meta"><a href="{escape(url_for("webmentions_admin.index"))}">'
                "Webmentions</a></p>")
    return None


@hookimpl
def post_updated(post: Post) -> None:
    """A save by an author (a request): queue mentions to what the post links to, and
    linked to before. Imports and other command-line saves send nothing: importing an
    archive must not notify every site its old posts ever linked to."""
    if has_request_context():
        from pressmark.plugins.webmentions.send import queue_post

        queue_post(post)


@hookimpl
def post_deleted(post: Post) -> None:
    if has_request_context():
        from pressmark.plugins.webmentions.send import queue_post

        queue_post(post, gone=True)
