"""The webmention worker: verifies received mentions and sends queued ones, one at a
time, in a thread of ``pressmark serve`` or with ``pressmark webmentions work``."""

from __future__ import annotations

import logging
import threading

from flask import Flask
from pressmark.extensions import db
from pressmark.plugins.webmentions.receive import due_mention, verify
from pressmark.plugins.webmentions.send import due_outgoing, send

log = logging.getLogger(__name__)


def step() -> bool:
    """Handle one due mention, received or to send; False when none is due."""
    mention = due_mention()
    if mention is not None:
        verify(mention)
        return True
    outgoing = due_outgoing()
    if outgoing is not None:
        send(outgoing)
        return True
    db.session.commit()
    return False


def run(app: Flask, stop: threading.Event, until_idle: bool = False) -> int:
    """Loop until ``stop`` is set (or, with ``until_idle``, nothing is due); return how
    many mentions were handled."""
    handled = 0
    base = app.config.get("SITE_URL") or "http://localhost"
    poll = float(app.config["WEBMENTION_POLL_SECONDS"])
    while not stop.is_set():
        # A request context on SITE_URL: the URLs of this site's posts, outside requests.
        with app.test_request_context("/", base_url=base):
            try:
                busy = step()
            except Exception:  # noqa: BLE001 - logged; the row is retried next round
                log.exception("webmentions: a mention could not be handled")
                db.session.rollback()
                busy = False
            finally:
                db.session.remove()
        handled += busy
        if not busy:
            if until_idle:
                break
            stop.wait(poll)
    return handled


def run_forever(app: Flask):
    def webmention_worker(stop: threading.Event) -> None:
        run(app, stop)

    return webmention_worker
