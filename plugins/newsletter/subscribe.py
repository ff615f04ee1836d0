"""Subscribing, confirming and unsubscribing: double opt-in, throttled.

Nothing is sent to an address before its owner confirms, except the one confirmation mail;
and that mail is throttled per address (``NEWSLETTER_CONFIRMATION_INTERVAL_MINUTES``
between two, ``NEWSLETTER_CONFIRMATIONS_PER_ADDRESS`` at most, counted until confirmed) and
per client address (``NEWSLETTER_SUBSCRIBES_PER_HOUR``), so the form cannot be used to
flood someone's inbox. The answer to a subscribe request never says whether the address
was already subscribed.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from flask import current_app, render_template, url_for
from pressmark.api import absolute_url
from pressmark.content.models import Topic, utcnow
from pressmark.content.reach_models import (
    ACTIVE,
    BOUNCED,
    FAILED,
    PENDING,
    QUEUED,
    UNSUBSCRIBED,
    NewsletterDelivery,
    Subscriber,
    SubscribeThrottle,
)
from pressmark.extensions import db
from pressmark.plugins.newsletter.mail import Mail, clean_name, send_now
from pressmark.plugins.newsletter.tokens import confirm_token
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError


class Throttled(Exception):
    """Too many subscribe requests from this client: try later."""


def client_key(address: str | None) -> str:
    """IPv6 clients count per /64 (one host usually holds a whole /64)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return f"ip:{address or 'unknown'}"[:200]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return f"ip:{ip.ipv4_mapped}"
        return f"ip:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"ip:{ip}"


def count_client(address: str | None) -> None:
    """Count one request from this client; ``Throttled`` past the hourly limit."""
    key, now = client_key(address), utcnow()
    limit = int(current_app.config["NEWSLETTER_SUBSCRIBES_PER_HOUR"])
    row = db.session.get(SubscribeThrottle, key)
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(SubscribeThrottle(key=key, window_start=now, count=1))
            return
        except IntegrityError:  # another request made the row at the same moment
            row = db.session.get(SubscribeThrottle, key)
            assert row is not None
    if row.window_start < now - timedelta(hours=1):
        db.session.execute(update(SubscribeThrottle).where(SubscribeThrottle.key == key)
                           .values(window_start=now, count=1))
        return
    db.session.execute(update(SubscribeThrottle).where(SubscribeThrottle.key == key)
                       .values(count=SubscribeThrottle.count + 1))
    db.session.refresh(row)
    if row.count > limit:
        db.session.commit()  # the count stands even though the request is refused
        raise Throttled


def valid_topics(slugs: list[str]) -> str:
    """The known topic slugs among ``slugs``, comma-separated (unknown ones are ignored)."""
    if not slugs:
        return ""
    known = set(db.session.scalars(select(Topic.slug).where(Topic.slug.in_(slugs[:50]))))
    return ",".join(slug for slug in dict.fromkeys(slugs) if slug in known)


def subscribe(email: str, name: str, topics: str, client: str | None) -> None:
    """Record a subscription request for a valid, normalised ``email`` and send the
    confirmation mail when allowed. Commits. An active subscriber's topics are left alone
    (changing them needs the mailbox: unsubscribe and subscribe again)."""
    count_client(client)
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == email))
    if subscriber is None:
        subscriber = Subscriber(email=email, name=clean_name(name), topics=topics,
                                status=PENDING, source="form")
        db.session.add(subscriber)
        db.session.flush()
    elif subscriber.status == ACTIVE:
        db.session.commit()
        return
    elif subscriber.status == PENDING:
        subscriber.topics = topics  # the latest request says what they want
    elif subscriber.status in (UNSUBSCRIBED, BOUNCED):
        subscriber.status, subscriber.topics = PENDING, topics
        subscriber.confirmations_sent = 0
        subscriber.name = clean_name(name) or subscriber.name
    if _may_send_confirmation(subscriber):
        subscriber.confirmation_sent_at = utcnow()
        subscriber.confirmations_sent += 1
        db.session.commit()
        send_confirmation(subscriber)
    else:
        db.session.commit()


def _may_send_confirmation(subscriber: Subscriber) -> bool:
    config = current_app.config
    if subscriber.confirmations_sent >= int(config["NEWSLETTER_CONFIRMATIONS_PER_ADDRESS"]):
        return False
    interval = timedelta(minutes=float(config["NEWSLETTER_CONFIRMATION_INTERVAL_MINUTES"]))
    last = subscriber.confirmation_sent_at
    return last is None or last < utcnow() - interval


def send_confirmation(subscriber: Subscriber) -> None:
    """Mail the signed, expiring confirmation link (raises when the server refuses)."""
    link = absolute_url(url_for("newsletter.confirm", token=confirm_token(subscriber)))
    text = render_template("newsletter/confirm_mail.txt", confirm_url=link,
                           hours=current_app.config["NEWSLETTER_CONFIRM_HOURS"],
                           site_url=absolute_url("/"))
    title = current_app.config.get("SITE_TITLE", "")
    send_now(Mail(to_address=subscriber.email, to_name=subscriber.name, text=text,
                  subject=f"Confirm your subscription to {title}"))


def confirm(subscriber: Subscriber) -> None:
    if subscriber.status != ACTIVE:
        subscriber.status, subscriber.confirmed_at = ACTIVE, utcnow()
        subscriber.unsubscribed_at = None
    db.session.commit()


def unsubscribe(subscriber: Subscriber) -> None:
    """Unsubscribe, and drop what is still queued for this subscriber."""
    if subscriber.status != UNSUBSCRIBED:
        subscriber.status, subscriber.unsubscribed_at = UNSUBSCRIBED, utcnow()
    db.session.execute(update(NewsletterDelivery).where(
        NewsletterDelivery.subscriber_id == subscriber.id, NewsletterDelivery.status == QUEUED,
    ).values(status=FAILED, error="Unsubscribed before it was sent."))
    db.session.commit()
