"""Models for reaching readers beyond the site: email subscribers with their delivery queue,
and webmentions received and sent.

Kept apart from ``content.models`` (posts, accounts): the newsletter and webmention
plugins own these tables; the core never reads them. Each queue is durable: a row is work
not yet done, claimed by a sender inside a committed transaction (see the plugins).
"""

from __future__ import annotations

from datetime import datetime

from pressmark.content.models import utcnow
from pressmark.extensions import db
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

# Subscriber states.
PENDING = "pending"  # subscribed, confirmation mail sent, not confirmed yet: nothing else sent
ACTIVE = "active"
UNSUBSCRIBED = "unsubscribed"
BOUNCED = "bounced"  # the mail server refused the address for good

# Queue row states (deliveries and outgoing webmentions).
QUEUED = "queued"
SENDING = "sending"  # claimed by a sender; see the newsletter docs for a crash here
SENT = "sent"
FAILED = "failed"  # permanently: retries exhausted, or refused for good
# The sender died after handing the message to the SMTP server and before recording the
# answer: it may have been delivered, so it is not sent again (at most once).
UNCERTAIN = "uncertain"


class Subscriber(db.Model):
    """One email address. ``topics`` is a comma-separated list of topic slugs; empty means
    every post. ``email`` is stored lower-cased, so one address is one subscriber."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    topics: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    source: Mapped[str] = mapped_column(String(40), default="form")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmation_sent_at: Mapped[datetime | None] = mapped_column()
    confirmations_sent: Mapped[int] = mapped_column(default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column()
    unsubscribed_at: Mapped[datetime | None] = mapped_column()

    @property
    def topic_slugs(self) -> list[str]:
        return [slug for slug in self.topics.split(",") if slug]


class NewsletterIssue(db.Model):
    """A post the author chose to send. One row per post at most: a post is never sent twice."""

    __tablename__ = "newsletter_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipients: Mapped[int] = mapped_column(default=0)


class NewsletterDelivery(db.Model):
    """One post to one subscriber: the durable send queue and, once done, the send log."""

    __tablename__ = "newsletter_deliveries"
    __table_args__ = (
        UniqueConstraint("post_id", "subscriber_id", name="uq_newsletter_delivery"),
        Index("ix_newsletter_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column()
    # Set (and committed) just before the message's DATA goes to the server: a claim that
    # was abandoned with it unset never reached the server and is safely sent again.
    handed_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(200), default="")


class SubscribeThrottle(db.Model):
    """Requests per throttle key in the current window: subscribe requests per client
    (``ip:...``, ``NEWSLETTER_SUBSCRIBES_PER_HOUR``) and webmentions received per client
    (``webmention:...``, ``WEBMENTION_RECEIVED_PER_HOUR``)."""

    __tablename__ = "subscribe_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)
    count: Mapped[int] = mapped_column(default=0)


# Webmention states (received).
MENTION_PENDING = "pending"  # received, not verified yet
MENTION_VERIFIED = "verified"  # the source links to the target: awaits moderation
MENTION_APPROVED = "approved"  # shown under the post
MENTION_REJECTED = "rejected"  # by the author
MENTION_INVALID = "invalid"  # the source could not be fetched or does not link to the target
MENTION_DELETED = "deleted"  # the source answered 410 Gone or stopped linking


class Webmention(db.Model):
    """A mention received: ``source`` says it links to ``target`` (a post of this site)."""

    __tablename__ = "webmentions"
    __table_args__ = (UniqueConstraint("source", "target", name="uq_webmention"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(2000))
    target: Mapped[str] = mapped_column(String(2000))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                                index=True)
    status: Mapped[str] = mapped_column(String(20), default=MENTION_PENDING, index=True)
    kind: Mapped[str] = mapped_column(String(20), default="mention")  # reply, like, repost
    author_name: Mapped[str] = mapped_column(String(200), default="")
    author_url: Mapped[str] = mapped_column(String(2000), default="")
    excerpt: Mapped[str] = mapped_column(Text, default="")  # plain text, escaped on output
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    error: Mapped[str] = mapped_column(Text, default="")


class OutgoingMention(db.Model):
    """A webmention to send: ``source`` (a post of this site) mentions ``target``."""

    __tablename__ = "outgoing_mentions"
    __table_args__ = (
        UniqueConstraint("source", "target", name="uq_outgoing_mention"),
        Index("ix_outgoing_mentions_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(2000))
    target: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    endpoint: Mapped[str] = mapped_column(String(2000), default="")
    response_status: Mapped[int | None] = mapped_column()
    error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column()
