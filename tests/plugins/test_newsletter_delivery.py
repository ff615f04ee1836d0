"""Delivery by real processes: the sender thread inside ``pressmark serve``, and
``pressmark newsletter work`` killed with SIGKILL in the middle of a send, then restarted:
every subscriber gets the post exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade
from pressmark.content.models import PUBLISHED, Post, utcnow
from pressmark.content.reach_models import (
    ACTIVE,
    SENT,
    UNCERTAIN,
    NewsletterDelivery,
    Subscriber,
)
from pressmark.extensions import db
from pressmark.plugins.newsletter.queue import enqueue_post
from sqlalchemy import func, select

from tests.conftest import free_port, make_test_app
from tests.mailbox import smtp_server

PRESSMARK = str(Path(sys.executable).with_name("pressmark"))


@pytest.fixture(scope="module")
def smtp():
    with smtp_server() as server:
        yield server


def site(tmp_path, smtp_port: int, subscribers: int) -> dict[str, str]:
    """A migrated site with ``subscribers`` active subscribers and one post queued for
    them all; returns the environment a ``pressmark`` process needs to work on it."""
    database = tmp_path / "site.sqlite"
    app = make_test_app(tmp_path, database=database)
    with app.app_context():
        upgrade()
        db.session.add_all(Subscriber(email=f"reader{i}@example.org", status=ACTIVE)
                           for i in range(subscribers))
        post = Post(slug="hello", title="Hello", body="Hi.", body_html="<p>Hi.</p>",
                    status=PUBLISHED, published_at=utcnow())
        db.session.add(post)
        db.session.flush()
        assert enqueue_post(post) == subscribers
        db.session.commit()
        db.engine.dispose()
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("PRESSMARK_")},
        "PRESSMARK_INSTANCE_PATH": str(tmp_path / "instance"),
        "PRESSMARK_SECRET_KEY": "test-secret-key",
        "PRESSMARK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "PRESSMARK_SITE_URL": "http://localhost",
        "PRESSMARK_LOAD_ENTRYPOINT_PLUGINS": "false",
        "PRESSMARK_SMTP_HOST": "127.0.0.1",
        "PRESSMARK_SMTP_PORT": str(smtp_port),
        "PRESSMARK_SMTP_SECURITY": "none",
        "PRESSMARK_SMTP_FROM": "blog@example.com",
        "PRESSMARK_NEWSLETTER_RATE_PER_MINUTE": "300",
        "PRESSMARK_NEWSLETTER_POLL_SECONDS": "0.1",
        "PRESSMARK_NEWSLETTER_LEASE_SECONDS": "1",
    }


def statuses(tmp_path) -> dict[str, int]:
    app = make_test_app(tmp_path, database=tmp_path / "site.sqlite")
    with app.app_context():
        counts = dict(db.session.execute(
            select(NewsletterDelivery.status, func.count(NewsletterDelivery.id))
            .group_by(NewsletterDelivery.status)).all())
        db.engine.dispose()
    return counts


def sent_rows(tmp_path) -> int:
    app = make_test_app(tmp_path, database=tmp_path / "site.sqlite")
    with app.app_context():
        count = db.session.scalar(select(func.count(NewsletterDelivery.id))
                                  .where(NewsletterDelivery.status == SENT))
        db.engine.dispose()
    return count


def test_kill_9_while_sending_then_restart_sends_each_mail_once(tmp_path, smtp):
    mailbox, port = smtp
    mailbox.clear()
    env = site(tmp_path, port, subscribers=10)
    with open(tmp_path / "worker.log", "wb") as log:
        worker = subprocess.Popen([PRESSMARK, "newsletter", "work"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        mailbox.wait_for(3, timeout=60)
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    assert worker.returncode == -signal.SIGKILL
    delivered = len(mailbox.messages)
    assert 3 <= delivered < 10, "the kill came after the last mail: nothing was tested"
    finished = subprocess.run([PRESSMARK, "newsletter", "work", "--until-idle"], env=env,
                              capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    recipients = sorted(r for m in mailbox.messages for r in m.rcpt_tos)
    assert recipients == sorted(f"reader{i}@example.org" for i in range(10))
    # The mail the server had taken when the kill came is either recorded as sent or, if
    # the kill fell between the server's answer and the record, marked uncertain: never
    # sent twice.
    counts = statuses(tmp_path)
    assert counts.get(SENT, 0) + counts.get(UNCERTAIN, 0) == 10, counts
    assert counts.get(UNCERTAIN, 0) <= 1, counts


def test_hook_register_workers(tmp_path, smtp):
    """``pressmark serve`` runs the newsletter's sender (a ``register_workers`` job)."""
    mailbox, port = smtp
    mailbox.clear()
    env = site(tmp_path, port, subscribers=2)
    with open(tmp_path / "serve.log", "wb") as log:
        server = subprocess.Popen(
            [PRESSMARK, "serve", "--port", str(free_port()), "--workers", "1", "--no-pin",
             "--no-demo"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        received = mailbox.wait_for(2, timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert sorted(r for m in received for r in m.rcpt_tos) == [
        "reader0@example.org", "reader1@example.org"]
    deadline = time.monotonic() + 5
    while sent_rows(tmp_path) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sent_rows(tmp_path) == 2


def test_a_missing_site_url_is_said_once_not_at_every_poll(tmp_path, smtp, caplog):
    """A site without SITE_URL still sends (links on http://localhost); the log says so once,
    however often the sender polls its queue."""
    import threading

    from pressmark.plugins.newsletter.worker import Sender

    app = make_test_app(tmp_path, SITE_URL="")
    sender = Sender(app, threading.Event())
    with caplog.at_level("WARNING", logger="pressmark.plugins.newsletter.worker"):
        for _ in range(3):
            with sender.context():
                pass
    said = [r for r in caplog.records if "SITE_URL is not set" in r.getMessage()]
    assert len(said) == 1
