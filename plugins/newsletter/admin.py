"""The author's side, under ``/editor/newsletter/``: subscribers with counts, CSV export
and import, each sent post's log, and a test send to yourself. Owners and editors only
(those who may publish)."""

from __future__ import annotations

import smtplib

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from pressmark.api import render_page
from pressmark.content.models import Post, utcnow
from pressmark.content.reach_models import (
    ACTIVE,
    NewsletterDelivery,
    NewsletterIssue,
    Subscriber,
)
from pressmark.extensions import db
from pressmark.plugins.newsletter.imports import ImportError_, export_csv, import_subscribers
from pressmark.plugins.newsletter.mail import Mail, MailConfigError, normalise_address, send_now
from pressmark.plugins.newsletter.render import render_post_mail
from sqlalchemy import func, select

bp = Blueprint("newsletter_admin", __name__, url_prefix="/editor/newsletter")
PAGE_SIZE = 200


@bp.before_request
@login_required
def _only_publishers() -> None:
    if not current_user.can("publish"):
        abort(403, description="Only owners and editors can see the subscribers.")


def _private(body: str) -> Response:
    response = Response(body, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def status_counts() -> dict[str, int]:
    rows = db.session.execute(select(Subscriber.status, func.count(Subscriber.id))
                              .group_by(Subscriber.status))
    return {status: count for status, count in rows}


def issue_summaries() -> list[dict]:
    """Each sent post with its delivery counts by status, newest first."""
    issues = db.session.execute(
        select(NewsletterIssue, Post).join(Post, Post.id == NewsletterIssue.post_id)
        .order_by(NewsletterIssue.id.desc()).limit(50)).all()
    found = []
    for issue, post in issues:
        counts = dict(db.session.execute(
            select(NewsletterDelivery.status, func.count(NewsletterDelivery.id))
            .where(NewsletterDelivery.post_id == post.id)
            .group_by(NewsletterDelivery.status)).all())
        found.append({"issue": issue, "post": post, "counts": counts})
    return found


@bp.get("/")
def index() -> Response:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    subscribers = db.session.scalars(select(Subscriber).order_by(Subscriber.id.desc())
                                     .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    posts = db.session.scalars(select(Post).where(Post.status == "published",
                                                  Post.is_page.is_(False))
                               .order_by(Post.published_at.desc()).limit(30)).all()
    return _private(render_page("newsletter/admin.html", counts=status_counts(),
                                subscribers=subscribers, page=page, page_size=PAGE_SIZE,
                                issues=issue_summaries(), posts=posts))


@bp.get("/subscribers.csv")
def export() -> Response:
    subscribers = db.session.scalars(select(Subscriber).order_by(Subscriber.id))
    response = Response(export_csv(subscribers), mimetype="text/csv")
    stamp = utcnow().strftime("%Y-%m-%d")
    response.headers["Content-Disposition"] = f'attachment; filename="subscribers-{stamp}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/import")
def import_file() -> Response:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose a CSV file to import.", "error")
        return redirect(url_for(".index"))
    try:
        report = import_subscribers(upload.read())
    except ImportError_ as exc:
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    skipped = f"; {len(report.skipped)} skipped" if report.skipped else ""
    flash(f"Imported {report.added} subscriber(s) from a {report.source} export; "
          f"{report.existing} were already here{skipped}.", "info")
    for line in report.skipped[:20]:
        flash(f"Skipped {line}.", "info")
    return redirect(url_for(".index"))


@bp.get("/posts/<int:post_id>")
def send_log(post_id: int) -> Response:
    post = db.get_or_404(Post, post_id)
    rows = db.session.execute(
        select(NewsletterDelivery, Subscriber)
        .join(Subscriber, Subscriber.id == NewsletterDelivery.subscriber_id)
        .where(NewsletterDelivery.post_id == post_id).order_by(NewsletterDelivery.id)).all()
    return _private(render_page("newsletter/send_log.html", post=post, rows=rows))


@bp.post("/test")
def test_send() -> Response:
    post = db.session.get(Post, request.form.get("post_id", type=int) or 0)
    address = normalise_address(request.form.get("email", ""))
    if post is None or address is None:
        flash("Choose a post and give a valid address for the test.", "error")
        return redirect(url_for(".index"))
    html, text = render_post_mail(post, url_for(".index", _external=True))
    try:
        send_now(Mail(to_address=address, subject=f"[Test] {post.title}", text=text,
                      html=html))
    except (MailConfigError, smtplib.SMTPException, OSError) as exc:
        flash(f"The test was not sent: {exc}", "error")
    else:
        flash(f"A test of “{post.title}” was sent to {address}.", "info")
    return redirect(url_for(".index"))


def publish_choice(post: Post | None) -> str:
    """The fieldset beside Publish: "publish and send" or "publish only"."""
    if post is not None and (post.is_page or db.session.scalar(
            select(NewsletterIssue.id).where(NewsletterIssue.post_id == post.id))):
        return ""
    count = db.session.scalar(select(func.count(Subscriber.id))
                              .where(Subscriber.status == ACTIVE)) or 0
    return render_template("newsletter/publish_choice.html", count=count,
                           admin_url=url_for("newsletter_admin.index"))
