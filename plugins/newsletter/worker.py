"""The sender: a loop over the queue, in a thread of ``pressmark serve`` or in the
foreground with ``pressmark newsletter work``.

One message at a time, at most ``NEWSLETTER_RATE_PER_MINUTE``, on one SMTP connection
kept open while there is work. A refused recipient (5xx) is failed for good and the
subscriber marked bounced; anything else (a 4xx, a lost connection, a server down) is
retried with exponential backoff from ``NEWSLETTER_RETRY_SECONDS`` up to
``NEWSLETTER_MAX_ATTEMPTS`` tries.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import threading

from flask import Flask
from pressmark.content.reach_models import NewsletterDelivery, Subscriber
from pressmark.extensions import db
from pressmark.plugins.newsletter.mail import MailConfigError, connect
from pressmark.plugins.newsletter.queue import (
    claim_next,
    is_permanent,
    mark_failed,
    pending_count,
    requeue_stale,
    send_row,
)

log = logging.getLogger(__name__)


class Sender:
    """The state of one sending loop: its open SMTP connection, and what it has sent."""

    def __init__(self, app: Flask, stop: threading.Event):
        self.app, self.stop = app, stop
        self.smtp: smtplib.SMTP | None = None
        self.sent = 0
        self.warned_no_site_url = False  # said once per loop, not at every poll

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
            self.smtp = None

    def step(self) -> bool | None:
        """Send the next due row. True: one was handled; False: nothing due; None:
        nothing due and nothing in flight (idle)."""
        requeue_stale()
        row = claim_next()
        if row is None:
            self.close()
            return None if pending_count() == 0 else False
        try:
            if self.smtp is None:
                self.smtp = connect()
            send_row(self.smtp, row)
            self.sent += 1
        except MailConfigError as exc:
            log.error("newsletter: %s", exc)
            mark_failed(row, str(exc), permanent=False)
        except (smtplib.SMTPException, OSError) as exc:
            self._failed(row, exc)
        return True

    def _failed(self, row: NewsletterDelivery, exc: Exception) -> None:
        db.session.rollback()
        permanent = is_permanent(exc)
        subscriber = db.session.get(Subscriber, row.subscriber_id)
        log.warning("newsletter: delivery %s to subscriber %s failed (%s): %s", row.id,
                    row.subscriber_id, "permanent" if permanent else "will retry", exc)
        mark_failed(row, f"{type(exc).__name__}: {exc}", permanent=permanent,
                    subscriber=subscriber)
        if not isinstance(exc, smtplib.SMTPRecipientsRefused):
            self.close()  # the connection may be broken; the next row opens a new one

    def context(self):
        """A request context on ``SITE_URL``: mails link to the site as readers reach it
        (``url_for`` and ``absolute_url`` need one outside requests)."""
        base = self.app.config.get("SITE_URL") or "http://localhost"
        if not self.app.config.get("SITE_URL") and not self.warned_no_site_url:
            log.warning("newsletter: SITE_URL is not set; mails link to %s", base)
            self.warned_no_site_url = True
        return self.app.test_request_context("/", base_url=base)

    def run(self, until_idle: bool = False) -> int:
        """Loop until ``stop`` is set (or, with ``until_idle``, the queue is empty);
        return how many mails were sent."""
        config = self.app.config
        interval = 60.0 / max(float(config["NEWSLETTER_RATE_PER_MINUTE"]), 0.001)
        poll = float(config["NEWSLETTER_POLL_SECONDS"])
        try:
            while not self.stop.is_set():
                with self.context():
                    try:
                        outcome = self.step()
                    finally:
                        db.session.remove()
                if outcome is None and until_idle:
                    break
                self.stop.wait(interval if outcome else poll)
        finally:
            self.close()
        return self.sent


def send_forever(app: Flask):
    """The ``register_workers`` job: send until the server stops."""

    def newsletter_sender(stop: threading.Event) -> None:
        Sender(app, stop).run()

    return newsletter_sender
