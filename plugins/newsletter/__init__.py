"""Built-in plugin: readers subscribe by email, and the author sends posts as mails.

- A subscribe form in every page's footer and at the end of posts (``render_slot``),
  working without script; double opt-in (``views``, ``subscribe``).
- In the editor, beside Publish, the choice "publish and send" or "publish only"
  (``editor_publish`` slot); the choice is read when the post is published
  (``post_published``) and queues one row per subscriber (``queue``).
- A sender thread in ``pressmark serve`` (``register_workers``) and the command
  ``pressmark newsletter work`` deliver the queue through any SMTP server (``worker``).
- The subscriber list, imports, exports, send logs and test sends (``admin``).

Guide: docs/newsletter.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import click
from flask import Blueprint, Flask, Request, current_app, has_request_context, request, url_for
from markupsafe import escape
from pressmark.api import Setting, hookimpl, plugin_asset_url
from pressmark.content.models import Post
from pressmark.extensions import csrf

SETTINGS = [
    Setting("SMTP_HOST", "", "The SMTP server mail goes through; empty: no mail is sent."),
    Setting("SMTP_PORT", 587, "Its port: 587 for STARTTLS, 465 for TLS, 25 for none."),
    Setting("SMTP_SECURITY", "starttls", "starttls, tls (implicit TLS) or none."),
    Setting("SMTP_USERNAME", "", "The account to sign in with; empty: no sign-in."),
    Setting("SMTP_PASSWORD", "", "Its password (or API key)."),
    Setting("SMTP_FROM", "", "The sender, for example 'Blog <blog@example.com>'."),
    Setting("SMTP_TIMEOUT", 30, "Seconds to wait for the SMTP server."),
    Setting("NEWSLETTER_RATE_PER_MINUTE", 60, "Mails sent per minute at most."),
    Setting("NEWSLETTER_MAX_ATTEMPTS", 5, "Tries before a mail is failed for good."),
    Setting("NEWSLETTER_RETRY_SECONDS", 60, "The first retry's delay; it doubles each time."),
    Setting("NEWSLETTER_LEASE_SECONDS", 300,
            "A mail claimed longer ago by a sender that died is sent again after this."),
    Setting("NEWSLETTER_POLL_SECONDS", 5, "How often an idle sender looks for work."),
    Setting("NEWSLETTER_CONFIRM_HOURS", 48, "How long a confirmation link works."),
    Setting("NEWSLETTER_SUBSCRIBES_PER_HOUR", 10, "Subscribe requests per client per hour."),
    Setting("NEWSLETTER_CONFIRMATIONS_PER_ADDRESS", 3,
            "Confirmation mails one address gets at most before it confirms."),
    Setting("NEWSLETTER_CONFIRMATION_INTERVAL_MINUTES", 10,
            "Minutes between two confirmation mails to one address."),
]


@hookimpl
def register_settings() -> list[Setting]:
    return SETTINGS


@hookimpl
def register_blueprints(app: Flask) -> list[Blueprint]:
    from pressmark.plugins.newsletter import admin, views

    csrf.exempt(views.bp)  # see views: the form is on cached pages; tokens are the authority
    return [views.bp, admin.bp]


@hookimpl
def register_commands(cli: click.Group) -> None:
    from pressmark.plugins.newsletter.commands import newsletter_group

    cli.add_command(newsletter_group)


@hookimpl
def register_workers(app: Flask) -> list[Callable[..., None]]:
    from pressmark.plugins.newsletter.worker import send_forever

    return [send_forever(app)]


@hookimpl
def extra_css_urls(request: Request) -> list[str]:
    return [plugin_asset_url("newsletter", "newsletter.css")]


def subscribe_form(place: str, heading: str) -> str:
    """The small form: an address and a button (topics on the full page)."""
    field = f"subscribe-{place}-email"
    return (
        f'<form class="subscribe subscribe-{place}" method="post" '
        f'action="{escape(url_for("newsletter.subscribe"))}">'
        f'<label for="{field}">{escape(heading)}</label> '
        f'<input type="email" id="{field}" name="email" required autocomplete="email" '
        f'placeholder="you@example.com"> '
        f'<button type="submit" class="button">Subscribe</button>'
        f'<span class="subscribe-note"> Confirm by mail; no tracking. '
        f'<a href="{escape(url_for("newsletter.index"))}">Choose topics</a></span></form>'
    )


def mail_configured() -> bool:
    """Whether the site can send mail; without it no subscribe form is offered."""
    return bool(current_app.config.get("SMTP_HOST") and current_app.config.get("SMTP_FROM"))


@hookimpl
def render_slot(slot: str, request: Request, context: Mapping[str, Any]) -> str | None:
    if slot in ("footer", "post_after_body") and not mail_configured():
        return None
    if slot == "footer" and not request.path.startswith("/editor"):
        return subscribe_form("footer", "New posts by email:")
    post = context.get("post")
    if slot == "post_after_body" and isinstance(post, Post) and not post.is_page:
        return subscribe_form("post", "Get the next post by email:")
    if slot == "editor_publish":
        from pressmark.plugins.newsletter.admin import publish_choice

        return publish_choice(context.get("post"))
    if slot == "editor_menu":
        return (f'<p class="meta"><a href="{escape(url_for("newsletter_admin.index"))}">'
                "Newsletter</a></p>")
    return None


@hookimpl
def post_published(post: Post) -> None:
    """Queue the post when the author chose "publish and send" on the editor's form."""
    if post.is_page or not has_request_context():
        return
    if request.form.get("newsletter") != "send":
        return
    from pressmark.plugins.newsletter.queue import enqueue_post

    count = enqueue_post(post)
    current_app.logger.info("newsletter: post %s queued for %d subscriber(s)", post.id, count)

