"""``pressmark webmentions work``: verify and send webmentions in the foreground."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("webmentions")
def webmentions_group() -> None:
    """Webmentions: verify received ones and send queued ones."""


@webmentions_group.command("work")
@click.option("--until-idle", is_flag=True, help="Stop when nothing is due.")
@with_appcontext
def work_command(until_idle: bool) -> None:
    """Verify and send until SIGTERM or SIGINT (or, with --until-idle, until done)."""
    from pressmark.plugins.webmentions.worker import run

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(f"webmentions: handled {run(app, stop, until_idle=until_idle)} mention(s)")
