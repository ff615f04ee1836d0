"""Email subscriptions, end to end through a real SMTP server (aiosmtpd): subscribe,
confirm through the link in the captured mail, publish and send, the mail's headers and
parts, one-click unsubscribe, bad input and forged or expired links."""

from __future__ import annotations

import re
import threading
import time

import pytest
from pressmark.content.models import Post, Topic
from pressmark.content.reach_models import (
    ACTIVE,
    BOUNCED,
    NewsletterDelivery,
    Subscriber,
)
from pressmark.extensions import db
from pressmark.plugins.newsletter.render import interactive_as_link
from pressmark.plugins.newsletter.tokens import confirm_token
from pressmark.plugins.newsletter.worker import Sender
from sqlalchemy import select

from tests.conftest import make_test_app
from tests.mailbox import smtp_config, smtp_server
from tests.web.test_editor import parse, start_writing

LINK_RE = re.compile(r"http://localhost(/newsletter/confirm/\S+)")
BODY = """Some words, then code:

```python
def answer():
    return 42
```

Math: $x^2 + \\frac{a}{b}$ stays readable.

{{< calc kv-cache >}}

A [relative link](/posts/other) and [an absolute one](https://example.org/page).
"""


@pytest.fixture(scope="module")
def smtp():
    with smtp_server() as server:
        yield server


@pytest.fixture
def mailbox(smtp):
    smtp[0].clear()
    return smtp[0]


@pytest.fixture
def app(tmp_path, smtp):
    app = make_test_app(tmp_path, **smtp_config(smtp[1]))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def send_all(app) -> int:
    """Run the sender until the queue is empty (the loop `pressmark serve` runs)."""
    return Sender(app, threading.Event()).run(until_idle=True)


def subscribe(client, email: str, **extra):
    return client.post("/newsletter/subscribe", data={"email": email, **extra})


def confirm_link(mailbox, address: str) -> str:
    mails = mailbox.to(address)
    assert mails, f"no mail to {address}"
    match = LINK_RE.search(mails[-1].get_content())
    assert match, mails[-1].get_content()
    return match.group(1)


def add_subscribers(app, *emails: str, status: str = ACTIVE) -> None:
    with app.app_context():
        db.session.add_all(Subscriber(email=e, status=status) for e in emails)
        db.session.commit()


def deliveries(app, post_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        return list(db.session.execute(
            select(Subscriber.email, NewsletterDelivery.status)
            .join(Subscriber, Subscriber.id == NewsletterDelivery.subscriber_id)
            .where(NewsletterDelivery.post_id == post_id).order_by(Subscriber.email)))


def test_no_form_is_offered_without_smtp(app, client):
    app.config["SMTP_HOST"] = ""
    assert "/newsletter/subscribe" not in client.get("/").get_data(as_text=True)


def test_subscribe_confirm_then_publish_and_send(app, client, mailbox):
    author = start_writing(app, app.test_client())
    reader = app.test_client()
    home = reader.get("/").get_data(as_text=True)
    parse(home)
    assert 'action="/newsletter/subscribe"' in home and 'type="email"' in home
    first = author.create("publish", title="Before anyone", body="x")
    post_page = reader.get(f"/posts/{author.post(first).slug}").get_data(as_text=True)
    parse(post_page)
    assert post_page.count('action="/newsletter/subscribe"') == 2  # footer and post end

    page = subscribe(reader, "Reader@Example.org", name="Rea Der").get_data(as_text=True)
    assert "Check your inbox" in page
    [confirmation] = mailbox.to("reader@example.org")
    assert "Confirm your subscription" in confirmation["Subject"]
    link = confirm_link(mailbox, "reader@example.org")

    # Before confirming, a post published and sent reaches no one.
    early = author.create("publish", title="Early", body="Before.", newsletter="send")
    assert deliveries(app, early) == []
    asking = reader.get(link)  # a scanner following the link confirms nothing
    assert "Confirm my subscription" in asking.get_data(as_text=True)
    assert "You are subscribed" in reader.post(link).get_data(as_text=True)

    only = author.create("publish", title="Quiet post", body="Not mailed.", newsletter="skip")
    post_id = author.create("publish", title="Loud post", summary="A summary.", body=BODY,
                            topic="notes", newsletter="send")
    assert deliveries(app, only) == []
    assert deliveries(app, post_id) == [("reader@example.org", "queued")]
    assert send_all(app) == 1
    assert deliveries(app, post_id) == [("reader@example.org", "sent")]
    [mail] = mailbox.to("reader@example.org")[1:]
    check_headers_and_parts(mail)

    # An edit, or publishing again after unpublishing, never sends again.
    author.submit(f"/editor/{post_id}", "save", body=BODY + "\nMore.", newsletter="send")
    author.submit(f"/editor/{post_id}", "unpublish")
    author.submit(f"/editor/{post_id}", "publish", newsletter="send")
    assert send_all(app) == 0
    assert len(mailbox.to("reader@example.org")) == 2


def check_headers_and_parts(mail) -> None:
    assert mail["Subject"] == "Loud post"
    assert mail["From"] == "Engineering Tokens <blog@example.com>"
    assert mail["To"] == "Rea Der <reader@example.org>"
    assert re.fullmatch(r"<newsletter\.\d+\.\d+@localhost>", mail["Message-ID"])
    unsubscribe = mail["List-Unsubscribe"]
    assert re.fullmatch(r"<http://localhost/newsletter/unsubscribe/[\w.-]+>", unsubscribe)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "http://localhost/posts/loud-post" in text and unsubscribe[1:-1] in text
    assert "<style" not in html and 'style="' in html  # CSS inlined
    assert re.search(r'<span[^>]* style="color: #\w+;">def</span>', html)  # highlighting kept
    assert "<math" not in html and "x^2+a/b" in html.replace(" ", "")  # linear math
    assert "<form" not in html and "on the site</a> (it is interactive)" in html
    hrefs = re.findall(r'(?:href|src)="([^"]*)"', html)
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    assert "http://localhost/posts/other" in hrefs and "https://example.org/page" in hrefs
    assert "<img" not in html  # no tracking pixel


def test_one_click_unsubscribe_without_signing_in(app, client, mailbox):
    add_subscribers(app, "leaving@example.org", "staying@example.org")
    author = start_writing(app, app.test_client())
    post_id = author.create("publish", title="First", body="One.", newsletter="send")
    send_all(app)
    [mail] = mailbox.to("leaving@example.org")
    url = mail["List-Unsubscribe"][1:-1].removeprefix("http://localhost")
    stranger = app.test_client()
    assert "Unsubscribe" in stranger.get(url).get_data(as_text=True)
    # RFC 8058: the mail client POSTs this body, with no cookie and no CSRF token.
    response = stranger.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You are unsubscribed" in response.get_data(as_text=True)
    second = author.create("publish", title="Second", body="Two.", newsletter="send")
    assert deliveries(app, second) == [("staying@example.org", "queued")]
    assert deliveries(app, post_id)[0] == ("leaving@example.org", "sent")


def test_bad_addresses_and_header_injection(app, client, mailbox):
    for bad in ("not-an-address", "a@b", "x@example.com\r\nBcc: victim@example.com",
                "two@example.com, three@example.com", ""):
        response = subscribe(client, bad)
        assert response.status_code == 400, bad
        assert "not an email address we can send to" in response.get_data(as_text=True)
    assert mailbox.messages == []
    name = "Eve\r\nBcc: victim@example.com\r\nSubject: pwned"
    assert subscribe(client, "eve@example.com", name=name).status_code == 200
    [received] = mailbox.wait_for(1)
    assert received.rcpt_tos == ["eve@example.com"]
    assert received.message["Bcc"] is None
    assert "pwned" not in received.message["Subject"]
    assert "\n" not in received.message["To"] and "eve@example.com" in received.message["To"]


def test_forged_expired_and_misused_tokens_are_refused(app, client, mailbox, monkeypatch):
    subscribe(client, "someone@example.org")
    link = confirm_link(mailbox, "someone@example.org")
    forged = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    assert client.post(forged).status_code == 400
    with app.app_context():
        subscriber = db.session.scalar(select(Subscriber))
        with monkeypatch.context() as patch:  # a token minted longer ago than allowed
            patch.setattr(time, "time", lambda: 1_000_000_000.0)
            old = confirm_token(subscriber)
    response = client.post(f"/newsletter/confirm/{old}")
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    unsubscribe_path = link.replace("/confirm/", "/unsubscribe/")  # right token, wrong use
    assert client.post(unsubscribe_path).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Subscriber.status)) == "pending"


def test_subscribing_is_throttled_per_address_and_per_client(app, client, mailbox):
    for _ in range(3):
        assert subscribe(client, "flooded@example.org").status_code == 200
    assert len(mailbox.to("flooded@example.org")) == 1  # one confirmation per interval
    app.config["NEWSLETTER_SUBSCRIBES_PER_HOUR"] = 4
    statuses = [subscribe(client, f"n{i}@example.org").status_code for i in range(3)]
    assert statuses == [200, 429, 429]
    other = app.test_client()
    response = other.post("/newsletter/subscribe", data={"email": "x@example.org"},
                          environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert response.status_code == 200
    cross = client.post("/newsletter/subscribe", data={"email": "y@example.org"},
                        headers={"Origin": "https://evil.example"},
                        environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert cross.status_code == 403


def test_refused_addresses_bounce_and_a_server_down_is_retried(app, client, mailbox, smtp):
    add_subscribers(app, "bounce@example.org", "fine@example.org")
    author = start_writing(app, app.test_client())
    app.config["SMTP_PORT"] = smtp[1] + 1 if smtp[1] < 65535 else 1  # nothing listens
    post_id = author.create("publish", title="Retry me", body="Hi.", newsletter="send")
    send_all_once = Sender(app, threading.Event())
    with app.app_context():
        assert send_all_once.step() is True
        row = db.session.scalar(select(NewsletterDelivery).order_by(NewsletterDelivery.id))
        assert row.status == "queued" and row.attempts == 1 and "Error" in row.error
    app.config["SMTP_PORT"] = smtp[1]
    time.sleep(0.1)  # the first retry waits NEWSLETTER_RETRY_SECONDS (0.05 s here)
    send_all(app)
    assert deliveries(app, post_id) == [("bounce@example.org", "failed"),
                                        ("fine@example.org", "sent")]
    with app.app_context():
        assert db.session.scalar(select(Subscriber.status).where(
            Subscriber.email == "bounce@example.org")) == BOUNCED
    assert len(mailbox.to("fine@example.org")) == 1


def test_unpublished_post_is_not_sent(app, client, mailbox):
    add_subscribers(app, "a@example.org")
    author = start_writing(app, app.test_client())
    post_id = author.create("publish", title="Oops", body="Hi.", newsletter="send")
    author.submit(f"/editor/{post_id}", "unpublish")
    send_all(app)
    assert mailbox.messages == []
    with app.app_context():
        assert db.session.get(Post, post_id).status != "published"
    assert deliveries(app, post_id) == [("a@example.org", "failed")]


def test_charts_and_players_become_links_in_mail():
    """Inline SVG charts (a plugin's embed may draw one) and players cannot run in mail."""
    body = ('<p>Look:</p><svg viewBox="0 0 4 4"><rect width="2" height="2"></rect></svg>'
            '<iframe src="https://player.example/v" title="A talk"></iframe>')
    html = interactive_as_link(body, "https://blog.example/posts/x")
    assert "<svg" not in html and "<iframe" not in html
    assert html.count('href="https://blog.example/posts/x"') == 2
    assert "See the chart on the site" in html and "Watch on the site" in html


def test_topics_choose_what_a_subscriber_gets_and_the_rate_limit_holds(app, client, mailbox):
    author = start_writing(app, app.test_client())
    with app.app_context():
        db.session.add(Topic(slug="other", name="Other", position=1))
        db.session.add_all([Subscriber(email="all@example.org", status=ACTIVE),
                            Subscriber(email="notes@example.org", status=ACTIVE,
                                       topics="notes"),
                            Subscriber(email="other@example.org", status=ACTIVE,
                                       topics="other,elsewhere")])
        db.session.commit()
    page = client.get("/newsletter/").get_data(as_text=True)
    parse(page)
    assert 'name="topic" value="notes"' in page and 'name="topic" value="other"' in page
    subscribe(client, "picky@example.org", topic=["notes", "no-such-topic"])
    with app.app_context():
        assert db.session.scalar(select(Subscriber.topics).where(
            Subscriber.email == "picky@example.org")) == "notes"
    notes = author.create("publish", title="On notes", body="x", topic="notes",
                          newsletter="send")
    other = author.create("publish", title="On other", body="x", topic="other",
                          newsletter="send")
    assert [e for e, _ in deliveries(app, notes)] == ["all@example.org", "notes@example.org"]
    assert [e for e, _ in deliveries(app, other)] == ["all@example.org", "other@example.org"]
    app.config["NEWSLETTER_RATE_PER_MINUTE"] = 600  # one mail every 0.1 s
    started = time.monotonic()
    assert send_all(app) == 4
    assert time.monotonic() - started >= 0.3  # three waits between four mails
