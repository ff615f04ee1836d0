"""The durable send queue: one ``NewsletterDelivery`` row per post and subscriber.

A sender claims one row at a time in its own committed transaction (``queued`` to
``sending``, guarded by the old status, so two senders never claim one row), sends it, and
marks it ``sent`` in the next transaction right after the SMTP server accepts it. A crash
or ``kill -9`` leaves at most the one row in flight as ``sending``; once its claim is older
than ``NEWSLETTER_LEASE_SECONDS`` a sender queues it again, with the same Message-ID. So
nothing is missed, and the only duplicate possible is a message the server accepted in the
instant before the ``sent`` mark was committed (docs/newsletter.md).
"""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta

from flask import current_app, url_for
from pressmark.api import absolute_url
from pressmark.content.models import PUBLISHED, Post, utcnow
from pressmark.content.reach_models import (
    ACTIVE,
    BOUNCED,
    FAILED,
    QUEUED,
    SENDING,
    SENT,
    NewsletterDelivery,
    NewsletterIssue,
    Subscriber,
)
from pressmark.extensions import db
from pressmark.plugins.newsletter.mail import Mail, build_message, sender, site_domain
from pressmark.plugins.newsletter.render import render_post_mail
from pressmark.plugins.newsletter.tokens import unsubscribe_token
from sqlalchemy import func, or_, select, update


def audience(post: Post) -> list[int]:
    """Ids of the active subscribers who want ``post``: all topics, or its topic."""
    query = select(Subscriber.id).where(Subscriber.status == ACTIVE)
    if post.topic is not None:
        slug = post.topic.slug
        query = query.where(or_(Subscriber.topics == "",
                                ("," + Subscriber.topics + ",").contains(f",{slug},")))
    else:
        query = query.where(Subscriber.topics == "")
    return list(db.session.scalars(query.order_by(Subscriber.id)))


def enqueue_post(post: Post) -> int:
    """Queue ``post`` for every subscriber who wants it, inside the caller's transaction.
    Returns how many; 0 when the post was queued before (a post is sent once, ever)."""
    if db.session.scalar(select(NewsletterIssue.id).where(NewsletterIssue.post_id == post.id)):
        return 0
    due = max(post.published_at or utcnow(), utcnow())
    ids = audience(post)
    db.session.add(NewsletterIssue(post_id=post.id, recipients=len(ids)))
    db.session.add_all(NewsletterDelivery(post_id=post.id, subscriber_id=sid, status=QUEUED,
                                          next_attempt_at=due) for sid in ids)
    db.session.flush()
    return len(ids)


def requeue_stale() -> int:
    """Queue again the rows whose sender died mid-send (claim older than the lease)."""
    lease = timedelta(seconds=float(current_app.config["NEWSLETTER_LEASE_SECONDS"]))
    result = db.session.execute(
        update(NewsletterDelivery)
        .where(NewsletterDelivery.status == SENDING,
               NewsletterDelivery.claimed_at < utcnow() - lease)
        .values(status=QUEUED))
    db.session.commit()
    return result.rowcount


def claim_next() -> NewsletterDelivery | None:
    """Claim the oldest due row and commit the claim; None when nothing is due."""
    now = utcnow()
    while True:
        row_id = db.session.scalar(
            select(NewsletterDelivery.id)
            .where(NewsletterDelivery.status == QUEUED, NewsletterDelivery.next_attempt_at <= now)
            .order_by(NewsletterDelivery.id).limit(1))
        if row_id is None:
            db.session.commit()
            return None
        claimed = db.session.execute(
            update(NewsletterDelivery)
            .where(NewsletterDelivery.id == row_id, NewsletterDelivery.status == QUEUED)
            .values(status=SENDING, claimed_at=now,
                    attempts=NewsletterDelivery.attempts + 1)).rowcount
        db.session.commit()
        if claimed:
            return db.session.get(NewsletterDelivery, row_id)


def pending_count() -> int:
    """Rows queued or in flight (a worker with ``--until-idle`` stops at 0)."""
    return db.session.scalar(select(func.count(NewsletterDelivery.id)).where(
        NewsletterDelivery.status.in_((QUEUED, SENDING)))) or 0


def message_for(row: NewsletterDelivery) -> tuple[Mail, Subscriber] | str:
    """The mail for a claimed row, or why it must not be sent."""
    post = db.session.get(Post, row.post_id)
    subscriber = db.session.get(Subscriber, row.subscriber_id)
    if subscriber is None or subscriber.status != ACTIVE:
        return "The subscriber left before it was sent."
    if post is None or post.status != PUBLISHED:
        return "The post was unpublished before it was sent."
    unsubscribe_url = absolute_url(url_for("newsletter.unsubscribe",
                                           token=unsubscribe_token(subscriber)))
    html, text = render_post_mail(post, unsubscribe_url)
    if not row.message_id:  # kept across retries, so a resend carries the same Message-ID
        row.message_id = f"<newsletter.{row.post_id}.{row.subscriber_id}@{site_domain()}>"
    return Mail(to_address=subscriber.email, to_name=subscriber.name, subject=post.title,
                text=text, html=html, unsubscribe_url=unsubscribe_url,
                message_id=row.message_id), subscriber


def mark_sent(row: NewsletterDelivery) -> None:
    row.status, row.sent_at, row.error = SENT, utcnow(), ""
    db.session.commit()


def mark_failed(row: NewsletterDelivery, error: str, *, permanent: bool,
                subscriber: Subscriber | None = None) -> None:
    """Retry later with backoff, or fail for good (after ``NEWSLETTER_MAX_ATTEMPTS``)."""
    config = current_app.config
    row.error = error[:1000]
    if permanent or row.attempts >= int(config["NEWSLETTER_MAX_ATTEMPTS"]):
        row.status = FAILED
        if permanent and subscriber is not None:
            subscriber.status = BOUNCED
    else:
        delay = float(config["NEWSLETTER_RETRY_SECONDS"]) * 2 ** (row.attempts - 1)
        row.status, row.next_attempt_at = QUEUED, utcnow() + timedelta(seconds=delay)
    db.session.commit()


def is_permanent(exc: Exception) -> bool:
    """A 5xx refusal of the recipient or the message is permanent; the rest is retried."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return False  # our own address or the server's policy: every row would fail
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500 and not isinstance(exc, smtplib.SMTPAuthenticationError)
    return False


def send_row(smtp: smtplib.SMTP, row: NewsletterDelivery) -> None:
    """Send one claimed row on ``smtp`` and record the outcome (commits)."""
    found = message_for(row)
    if isinstance(found, str):
        row.status, row.error = FAILED, found
        db.session.commit()
        return
    mail, subscriber = found
    message = build_message(mail)
    db.session.commit()  # the Message-ID is stored before the server sees it
    smtp.send_message(message, from_addr=sender()[1], to_addrs=[mail.to_address])
    mark_sent(row)


def next_due() -> datetime | None:
    return db.session.scalar(select(func.min(NewsletterDelivery.next_attempt_at))
                             .where(NewsletterDelivery.status == QUEUED))
