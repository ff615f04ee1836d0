"""The Webmention endpoint (``/-/webmention``) and the author's moderation list
(``/editor/webmentions/``)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from pressmark.api import absolute_url, content_changed, render_page
from pressmark.content.models import Post
from pressmark.content.reach_models import (
    MENTION_APPROVED,
    MENTION_REJECTED,
    MENTION_VERIFIED,
    Webmention,
)
from pressmark.extensions import db
from pressmark.plugins.webmentions.receive import Refused, accept, over_limit
from sqlalchemy import select

bp = Blueprint("webmention", __name__)
admin = Blueprint("webmentions_admin", __name__, url_prefix="/editor/webmentions")


@bp.after_app_request
def advertise(response: Response) -> Response:
    """Webmention 3.1.2: the endpoint in a Link header of every page (cached with it)."""
    if response.mimetype == "text/html" and request.method in ("GET", "HEAD"):
        endpoint = absolute_url(url_for("webmention.receive"))
        response.headers.add("Link", f'<{endpoint}>; rel="webmention"')
    return response


@bp.post("/-/webmention")
def receive() -> Response:
    """W3C Webmention 3.2: 202 Accepted, verified later; 400 with the reason otherwise."""
    if over_limit(request.remote_addr):
        return Response("Too many webmentions from your address; try again later.\n", 429,
                        {"Retry-After": "3600"}, mimetype="text/plain")
    try:
        accept(request.form.get("source", ""), request.form.get("target", ""))
    except Refused as exc:
        return Response(str(exc) + "\n", 400, mimetype="text/plain")
    return Response("Accepted: the mention will be verified, then moderated.\n", 202,
                    mimetype="text/plain")


@bp.get("/-/webmention")
def explain() -> Response:
    return Response("POST source and target here (W3C Webmention).\n", 405,
                    {"Allow": "POST"}, mimetype="text/plain")


@admin.before_request
@login_required
def _only_publishers() -> None:
    if not current_user.can("publish"):
        abort(403, description="Only owners and editors moderate webmentions.")


@admin.get("/")
def index() -> Response:
    rows = db.session.execute(
        select(Webmention, Post).join(Post, Post.id == Webmention.post_id)
        .where(Webmention.status.in_((MENTION_VERIFIED, MENTION_APPROVED, MENTION_REJECTED)))
        .order_by(Webmention.status != MENTION_VERIFIED, Webmention.received_at.desc())
        .limit(200)).all()
    response = Response(render_page("webmentions/admin.html", rows=rows), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@admin.post("/<int:mention_id>")
def moderate(mention_id: int) -> Response:
    """Approve or reject; the post page changes with the content generation."""
    mention = db.get_or_404(Webmention, mention_id)
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        abort(400, description="Choose approve or reject.")
    was_shown = mention.status == MENTION_APPROVED
    mention.status = MENTION_APPROVED if decision == "approve" else MENTION_REJECTED
    if was_shown != (mention.status == MENTION_APPROVED):
        content_changed()
    db.session.commit()
    flash(f"Mention from {mention.source} {decision}d.", "info")
    return redirect(url_for(".index"))


def render_mentions(mentions: list[Webmention]) -> str:
    return render_template("webmentions/mentions.html", mentions=mentions) if mentions else ""
