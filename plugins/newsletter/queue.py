"""The durable send queue: one ``NewsletterDelivery`` row per post and subscriber.

A sender claims one row at a time in its own committed transaction (``queued`` to
``sending``, guarded by the old status, so two senders never claim one row). Before the
message's DATA goes to the SMTP server it commits ``handed_at``; right after the server
accepts it, it commits ``sent``. After a crash or ``kill -9`` a row left ``sending`` longer
than ``NEWSLETTER_LEASE_SECONDS`` is queued again if it was never handed over (the server
cannot have it), and marked ``uncertain`` if it was: it is never sent twice. The only mail
that can be lost is the one whose DATA was in flight at the instant of the crash, and the
send log shows it (docs/newsletter.md).
"""

from __future__ import annotations

import contextlib
import smtplib
from datetime import datetime, timedelta
from email.policy import SMTP as SMTP_POLICY

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
    UNCERTAIN,
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
    """Recover rows whose sender died mid-send (claim older than the lease): queue again
    those never handed to the server, mark the others ``uncertain``. Commits."""
    lease = timedelta(seconds=float(current_app.config["NEWSLETTER_LEASE_SECONDS"]))
    stale = (NewsletterDelivery.status == SENDING,
             NewsletterDelivery.claimed_at < utcnow() - lease)
    requeued = db.session.execute(
        update(NewsletterDelivery).where(*stale, NewsletterDelivery.handed_at.is_(None))
        .values(status=QUEUED)).rowcount
    db.session.execute(
        update(NewsletterDelivery).where(*stale, NewsletterDelivery.handed_at.is_not(None))
        .values(status=UNCERTAIN, error="The sender stopped while the server was taking "
                "this mail: it may have been delivered, so it is not sent again."))
    db.session.commit()
    return requeued


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
            .values(status=SENDING, claimed_at=now, handed_at=None,
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
    """Send one claimed row on ``smtp`` and record the outcome (commits). SMTP refusals
    raise (``smtplib`` errors), after the server's transaction is reset."""
    found = message_for(row)
    if isinstance(found, str):
        row.status, row.error = FAILED, found
        db.session.commit()
        return
    mail, _ = found
    data = build_message(mail).as_bytes(policy=SMTP_POLICY)
    db.session.commit()  # the Message-ID is stored before the server sees it
    try:
        smtp.ehlo_or_helo_if_needed()
        code, answer = smtp.mail(sender()[1])
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, answer, sender()[1])
        code, answer = smtp.rcpt(mail.to_address)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({mail.to_address: (code, answer)})
        row.handed_at = utcnow()
        db.session.commit()
        smtp.data(data)  # raises SMTPDataError unless the server accepts the mail
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused):
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.rset()
        raise
    mark_sent(row)


def next_due() -> datetime | None:
    return db.session.scalar(select(func.min(NewsletterDelivery.next_attempt_at))
                             .where(NewsletterDelivery.status == QUEUED))
