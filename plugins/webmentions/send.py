"""Sending webmentions: every link of a post, on publish and on each update.

When a post is saved, its source URL and the links in its body are queued (one
``OutgoingMention`` per source and target), together with the targets it linked to before
(so a receiver sees a link removed) and, when the post is no longer visible, every target
it ever mentioned (the receiver then finds it gone). The sender thread discovers each
target's endpoint (Link header, then the first ``<link>`` or ``<a>`` with
``rel="webmention"``) and posts ``source`` and ``target`` to it, retrying network failures
and 5xx answers with backoff.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from flask import current_app
from pressmark.api import absolute_url, post_url
from pressmark.content.models import Post, utcnow
from pressmark.content.reach_models import FAILED, QUEUED, SENT, OutgoingMention
from pressmark.extensions import db
from pressmark.plugins.webmentions.fetch import FetchError, fetch
from pressmark.plugins.webmentions.parse import endpoint_from_headers, read_page
from sqlalchemy import select

HREF_RE = re.compile(r'<a\b[^>]*\bhref="(https?://[^"]+)"', re.IGNORECASE)


def outgoing_links(post: Post) -> set[str]:
    """The absolute links of the post's body that lead off this site."""
    own = urlsplit(absolute_url("/")).netloc.lower()
    return {html.unescape(url) for url in HREF_RE.findall(post.body_html)
            if urlsplit(html.unescape(url)).netloc.lower() != own}


def queue_post(post: Post, *, gone: bool = False) -> int:
    """Queue the mentions a save of ``post`` calls for (inside the caller's transaction);
    ``gone``: the post is being deleted, so every earlier target is told."""
    source = absolute_url(post_url(post))
    visible = post.status == "published" and not gone
    links = outgoing_links(post) if visible else set()
    earlier = {m.target: m for m in db.session.scalars(
        select(OutgoingMention).where(OutgoingMention.source == source))}
    due = max(post.published_at or utcnow(), utcnow()) if visible else utcnow()
    for target in links | set(earlier):
        mention = earlier.get(target) or OutgoingMention(source=source, target=target)
        mention.status, mention.attempts, mention.next_attempt_at = QUEUED, 0, due
        mention.error = ""
        db.session.add(mention)
    db.session.flush()
    return len(links | set(earlier))


def discover(target: str) -> str | None:
    """The Webmention endpoint ``target`` advertises, or None. Raises ``FetchError``."""
    page = fetch(target)
    if page.status >= 400:
        raise FetchError(f"the target answered {page.status}", permanent=page.status < 500)
    found = endpoint_from_headers(page.headers, page.url)
    if found is None and "html" in (page.headers.get_content_type() or ""):
        found = read_page(page.text, page.url).endpoint
    return found


def send(mention: OutgoingMention) -> None:
    """Discover and notify, then record the outcome (commits)."""
    try:
        endpoint = discover(mention.target)
        if endpoint is None:
            _done(mention, FAILED, "The target advertises no Webmention endpoint.")
            return
        mention.endpoint = endpoint[:2000]
        answer = fetch(endpoint, data=urlencode({"source": mention.source,
                                                 "target": mention.target}).encode())
    except FetchError as exc:
        _retry(mention, str(exc), permanent=exc.permanent)
        return
    mention.response_status = answer.status
    if 200 <= answer.status < 300:
        _done(mention, SENT, "")
    elif answer.status >= 500 or answer.status == 429:
        _retry(mention, f"The endpoint answered {answer.status}.")
    else:
        _done(mention, FAILED, f"The endpoint answered {answer.status}: "
                               f"{answer.text[:200]}")


def _done(mention: OutgoingMention, status: str, error: str) -> None:
    mention.status, mention.error = status, error
    mention.sent_at = utcnow() if status == SENT else mention.sent_at
    db.session.commit()


def _retry(mention: OutgoingMention, error: str, *, permanent: bool = False) -> None:
    mention.attempts += 1
    if permanent or mention.attempts >= int(current_app.config["WEBMENTION_MAX_ATTEMPTS"]):
        _done(mention, FAILED, error)
        return
    delay = float(current_app.config["WEBMENTION_RETRY_SECONDS"]) * 2 ** mention.attempts
    mention.next_attempt_at, mention.error = utcnow() + timedelta(seconds=delay), error
    db.session.commit()


def due_outgoing() -> OutgoingMention | None:
    return db.session.scalar(
        select(OutgoingMention).where(OutgoingMention.status == QUEUED,
                                      OutgoingMention.next_attempt_at <= utcnow())
        .order_by(OutgoingMention.id).limit(1))
