"""Receiving webmentions: the endpoint records a claim; verifying it happens later.

``POST /-/webmention`` with ``source`` and ``target`` answers 202 at once when the target
is a post readers can see here, and 400 otherwise (W3C Webmention, 3.2). The sender thread
then fetches the source (``fetch``: a deadline, a size cap, no private addresses) and keeps
the mention only if the source links to the target. A mention sent again is verified
again: an update refreshes it; a source answering 410 Gone (or 404) or no longer linking
removes it from the post (3.2.3, 3.2.4). Verified mentions wait for the author's approval.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from pressmark.api import absolute_url, content_changed
from pressmark.content.models import Post, utcnow
from pressmark.content.reach_models import (
    MENTION_APPROVED,
    MENTION_DELETED,
    MENTION_INVALID,
    MENTION_PENDING,
    MENTION_VERIFIED,
    SubscribeThrottle,
    Webmention,
)
from pressmark.extensions import db
from pressmark.plugins.webmentions.fetch import FetchError, fetch
from pressmark.plugins.webmentions.parse import normalise, read_page
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

MAX_URL = 2000


class Refused(ValueError):
    """A webmention request that is not valid; the message is the 400's body."""


def target_post(target: str) -> Post | None:
    """The visible post ``target`` names on this site, or None."""
    site = urlsplit(absolute_url("/"))
    parts = urlsplit(target)
    if (parts.scheme, parts.netloc.lower()) != (site.scheme, site.netloc.lower()):
        return None
    prefix = "/posts/"
    if not parts.path.startswith(prefix):
        slug, is_page = parts.path.strip("/"), True
    else:
        slug, is_page = parts.path[len(prefix):].strip("/"), False
    post = db.session.scalar(select(Post).where(Post.slug == slug, Post.is_page == is_page))
    return post if post is not None and post.is_visible else None


def accept(source: str, target: str) -> Webmention:
    """Record (or refresh) a mention to verify; ``Refused`` for an invalid request."""
    for name, url in (("source", source), ("target", target)):
        if not url or len(url) > MAX_URL or urlsplit(url).scheme not in ("http", "https") \
                or not urlsplit(url).netloc:
            raise Refused(f"The {name} must be an http or https URL.")
    if normalise(source) == normalise(target):
        raise Refused("The source and the target must be different URLs.")
    post = target_post(target)
    if post is None:
        raise Refused("The target is not a post on this site.")
    mention = db.session.scalar(select(Webmention).where(Webmention.source == source,
                                                         Webmention.target == target))
    if mention is None:
        mention = Webmention(source=source, target=target, post_id=post.id)
        db.session.add(mention)
    elif mention.status != MENTION_APPROVED:
        mention.status = MENTION_PENDING  # an approved one stays shown until re-verified
    mention.attempts, mention.next_attempt_at, mention.error = 0, utcnow(), ""
    db.session.commit()
    return mention


def over_limit(address: str | None) -> bool:
    """Count one request from this client address; True past
    ``WEBMENTION_RECEIVED_PER_HOUR`` in the current hour (commits the count)."""
    key, now = f"webmention:{address or 'unknown'}"[:200], utcnow()
    row = db.session.get(SubscribeThrottle, key)
    if row is None or row.window_start < now - timedelta(hours=1):
        if row is None:
            row = SubscribeThrottle(key=key)
            db.session.add(row)
        row.window_start, row.count = now, 0
    row.count += 1
    try:
        db.session.commit()
    except IntegrityError:  # a parallel first request made the row: count this one free
        db.session.rollback()
        return False
    return row.count > int(current_app.config["WEBMENTION_RECEIVED_PER_HOUR"])


def verify(mention: Webmention) -> None:
    """Fetch the source and settle the mention (commits; moves the content generation on
    when what readers see under the post changes). Raises ``FetchError`` to retry."""
    try:
        page = fetch(mention.source)
    except FetchError as exc:
        if exc.permanent or mention.attempts + 1 >= int(
                current_app.config["WEBMENTION_MAX_ATTEMPTS"]):
            _settle(mention, MENTION_INVALID, str(exc))
            return
        mention.attempts += 1
        delay = float(current_app.config["WEBMENTION_RETRY_SECONDS"]) * 2 ** mention.attempts
        mention.next_attempt_at, mention.error = utcnow() + timedelta(seconds=delay), str(exc)
        db.session.commit()
        return
    if page.status in (404, 410):
        _settle(mention, MENTION_DELETED, f"The source answered {page.status}.")
        return
    if page.status >= 400:
        _settle(mention, MENTION_INVALID, f"The source answered {page.status}.")
        return
    reader = read_page(page.text, page.url, mention.target)
    if not reader.links_target:
        _settle(mention, MENTION_DELETED if mention.verified_at else MENTION_INVALID,
                "The source does not link to the target.")
        return
    mention.kind, mention.excerpt = reader.kind, reader.excerpt
    mention.author_name = reader.author_name[:200]
    author_url = reader.author_url if urlsplit(reader.author_url).scheme in (
        "http", "https") else ""
    mention.author_url = author_url[:MAX_URL]
    mention.verified_at = utcnow()
    _settle(mention, MENTION_APPROVED if mention.status == MENTION_APPROVED
            else MENTION_VERIFIED, "")


def _settle(mention: Webmention, status: str, error: str) -> None:
    shown = mention.status == MENTION_APPROVED
    mention.status, mention.error = status, error
    if shown:
        content_changed()  # the post page shows it changed, or no longer shows it
    db.session.commit()


def due_mention() -> Webmention | None:
    """The next mention to verify: a new one, or an approved one sent again (an update)."""
    again = and_(Webmention.status == MENTION_APPROVED,
                 Webmention.next_attempt_at > Webmention.verified_at)
    return db.session.scalar(
        select(Webmention).where(or_(Webmention.status == MENTION_PENDING, again),
                                 Webmention.next_attempt_at <= utcnow())
        .order_by(Webmention.id).limit(1))


def mentions_for(post: Post) -> list[Webmention]:
    return list(db.session.scalars(select(Webmention).where(
        Webmention.post_id == post.id, Webmention.status == MENTION_APPROVED)
        .order_by(Webmention.verified_at)))
