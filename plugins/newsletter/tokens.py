"""Signed links in mails: confirming a subscription (expires) and unsubscribing (never
expires, so an old mail's link still works). Both are signed with the site's secret key
and a purpose of their own, so one kind of token is never accepted as the other; each
names the subscriber's id and address, so a token outlives neither."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from pressmark.content.reach_models import Subscriber
from pressmark.extensions import db

CONFIRM_SALT = "pressmark.newsletter.confirm"
UNSUBSCRIBE_SALT = "pressmark.newsletter.unsubscribe"


class TokenError(ValueError):
    """A token that is forged, damaged, expired or names no subscriber; the message says which."""


def confirm_token(subscriber: Subscriber) -> str:
    serializer = URLSafeTimedSerializer(current_app.secret_key, salt=CONFIRM_SALT)
    return serializer.dumps([subscriber.id, subscriber.email])


def unsubscribe_token(subscriber: Subscriber) -> str:
    serializer = URLSafeSerializer(current_app.secret_key, salt=UNSUBSCRIBE_SALT)
    return serializer.dumps([subscriber.id, subscriber.email])


def _subscriber(payload: object) -> Subscriber:
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int)):
        raise TokenError("This link is not valid.")
    subscriber = db.session.get(Subscriber, payload[0])
    if subscriber is None or subscriber.email != payload[1]:
        raise TokenError("This link names no subscription any more.")
    return subscriber


def subscriber_to_confirm(token: str) -> Subscriber:
    """The subscriber a confirmation token names; ``TokenError`` if it is not valid or is
    older than ``NEWSLETTER_CONFIRM_HOURS``."""
    serializer = URLSafeTimedSerializer(current_app.secret_key, salt=CONFIRM_SALT)
    max_age = int(float(current_app.config["NEWSLETTER_CONFIRM_HOURS"]) * 3600)
    try:
        payload = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError("This confirmation link has expired. Subscribe again to get a new "
                         "one.") from None
    except BadSignature:
        raise TokenError("This link is not valid.") from None
    return _subscriber(payload)


def subscriber_to_unsubscribe(token: str) -> Subscriber:
    """The subscriber an unsubscribe token names; ``TokenError`` if it is not valid."""
    serializer = URLSafeSerializer(current_app.secret_key, salt=UNSUBSCRIBE_SALT)
    try:
        payload = serializer.loads(token)
    except BadSignature:
        raise TokenError("This link is not valid.") from None
    return _subscriber(payload)
