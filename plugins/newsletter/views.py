"""The reader's side: subscribe, confirm, unsubscribe. Works without script.

The subscribe form sits on cached public pages, which are the same bytes for every reader,
so it cannot carry a CSRF token: the endpoint is exempt, refuses a cross-site ``Origin``,
and double opt-in plus throttling keep it harmless. Confirm and unsubscribe links open a
page with one button (a POST), so a mail scanner that follows links changes nothing; the
unsubscribe URL also takes RFC 8058's one-click POST straight from a mail client.
"""

from __future__ import annotations

import smtplib
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, make_response, request, url_for
from pressmark.api import render_page
from pressmark.content.models import Topic
from pressmark.content.reach_models import ACTIVE, BOUNCED, UNSUBSCRIBED
from pressmark.extensions import db
from pressmark.plugins.newsletter import subscribe as subscriptions
from pressmark.plugins.newsletter.mail import MailConfigError, normalise_address
from pressmark.plugins.newsletter.tokens import (
    TokenError,
    subscriber_to_confirm,
    subscriber_to_unsubscribe,
)
from sqlalchemy import select

bp = Blueprint("newsletter", __name__, url_prefix="/newsletter")


def _page(template: str, status: int = 200, **context) -> Response:
    response = make_response(render_page(f"newsletter/{template}", **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).order_by(Topic.name)))


@bp.get("/")
def index() -> Response:
    """The full form, with the choice of topics."""
    return _page("subscribe.html", topics=_topics(), error=None, values={})


def _cross_site() -> bool:
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return bool(origin)
    site = current_app.config.get("SITE_URL") or request.host_url
    return urlsplit(origin).netloc != urlsplit(site).netloc and \
        urlsplit(origin).netloc != request.host


@bp.post("/subscribe")
def subscribe() -> Response:
    values = {"email": request.form.get("email", "")[:300],
              "name": request.form.get("name", "")[:300]}
    topics = subscriptions.valid_topics(request.form.getlist("topic"))
    if _cross_site():
        return _page("subscribe.html", 403, topics=_topics(), values=values,
                     error="This form must be sent from this site.")
    email = normalise_address(values["email"])
    if email is None:
        return _page("subscribe.html", 400, topics=_topics(), values=values,
                     error="That is not an email address we can send to. Check it and "
                           "try again.")
    try:
        subscriptions.subscribe(email, values["name"], topics, request.remote_addr)
    except subscriptions.Throttled:
        response = _page("subscribe.html", 429, topics=_topics(), values=values,
                         error="Too many subscriptions from your network. Try again in an "
                               "hour.")
        response.headers["Retry-After"] = "3600"
        return response
    except (MailConfigError, smtplib.SMTPException, OSError):
        current_app.logger.exception("newsletter: the confirmation mail was not sent")
        db.session.rollback()
        return _page("subscribe.html", 503, topics=_topics(), values=values,
                     error="The confirmation mail could not be sent just now. Please try "
                           "again later.")
    return _page("check_inbox.html", email=email)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> Response:
    try:
        subscriber = subscriber_to_confirm(token)
    except TokenError as exc:
        return _page("message.html", 400, title="Link not valid", message=str(exc))
    if subscriber.status in (UNSUBSCRIBED, BOUNCED):
        return _page("message.html", title="Subscription ended",
                     message="This address has since unsubscribed. Subscribe again to get "
                             "new posts.")
    if request.method == "POST":
        subscriptions.confirm(subscriber)
    if subscriber.status == ACTIVE:
        return _page("message.html", title="You are subscribed",
                     message=f"New posts will be sent to {subscriber.email}. Every mail has "
                             "a link to unsubscribe.")
    return _page("confirm.html", subscriber=subscriber,
                 action=url_for("newsletter.confirm", token=token))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> Response:
    """GET asks (mail scanners follow links); POST unsubscribes: the page's button, or a
    mail client's one-click request (``List-Unsubscribe=One-Click``)."""
    try:
        subscriber = subscriber_to_unsubscribe(token)
    except TokenError as exc:
        return _page("message.html", 400, title="Link not valid", message=str(exc))
    if request.method == "POST":
        subscriptions.unsubscribe(subscriber)
        return _page("message.html", title="You are unsubscribed",
                     message=f"Nothing more will be sent to {subscriber.email}.")
    return _page("unsubscribe.html", subscriber=subscriber,
                 action=url_for("newsletter.unsubscribe", token=token))
