"""The newsletter and webmentions on a real PostgreSQL server, migrated by the real
migrations: subscribe, confirm, publish and send, topics, and a webmention received."""

from __future__ import annotations

import re
import threading

import pytest
from pressmark.content.reach_models import NewsletterDelivery, Subscriber, Webmention
from pressmark.extensions import db
from pressmark.plugins.newsletter.worker import Sender
from sqlalchemy import select

from tests.mailbox import smtp_config, smtp_server
from tests.web.test_editor import start_writing

pytest_plugins = ["tests.postgres"]
pytestmark = pytest.mark.postgres


def test_newsletter_and_webmentions_on_postgresql(pg_app):
    with smtp_server() as (mailbox, port):
        pg_app.config.update(smtp_config(port))
        author = start_writing(pg_app, pg_app.test_client())
        reader = pg_app.test_client()
        reader.post("/newsletter/subscribe", data={"email": "pg@example.org",
                                                   "topic": "notes"})
        [confirmation] = mailbox.to("pg@example.org")
        link = re.search(r"http://localhost(/newsletter/confirm/\S+)",
                         confirmation.get_content()).group(1)
        assert "You are subscribed" in reader.post(link).get_data(as_text=True)
        post_id = author.create("publish", title="On PostgreSQL", body="Hi.", topic="notes",
                                newsletter="send")
        assert Sender(pg_app, threading.Event()).run(until_idle=True) == 1
        assert mailbox.to("pg@example.org")[-1]["Subject"] == "On PostgreSQL"
    with pg_app.app_context():
        assert db.session.scalar(select(Subscriber.topics)) == "notes"
        assert db.session.scalar(select(NewsletterDelivery.status).where(
            NewsletterDelivery.post_id == post_id)) == "sent"
    answer = pg_app.test_client().post("/-/webmention", data={
        "source": "https://elsewhere.example/reply",
        "target": "http://localhost/posts/on-postgresql"})
    assert answer.status_code == 202
    with pg_app.app_context():
        assert db.session.scalar(select(Webmention.post_id)) == post_id
