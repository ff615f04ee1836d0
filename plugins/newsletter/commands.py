"""``pressmark newsletter work``: the sender in the foreground, for a separate process
(a systemd unit, a cron job with ``--until-idle``) instead of the server's thread."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("newsletter")
def newsletter_group() -> None:
    """Email subscriptions: deliver the queue."""


@newsletter_group.command("work")
@click.option("--until-idle", is_flag=True,
              help="Stop when nothing is queued or in flight (for cron) instead of waiting.")
@with_appcontext
def work_command(until_idle: bool) -> None:
    """Send queued mails until SIGTERM or SIGINT (or, with --until-idle, until done)."""
    from pressmark.plugins.newsletter.worker import Sender

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo("newsletter: sending" + (" until the queue is empty" if until_idle else ""))
    sent = Sender(app, stop).run(until_idle=until_idle)
    click.echo(f"newsletter: sent {sent} mail(s)")
