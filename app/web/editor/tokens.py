"""The editor's Tokens page (``/editor/tokens``): personal access tokens for the Admin API.

Each signed-in author makes, names, scopes and revokes their own tokens. A new token's
secret is shown once, on the answer to the form that made it (never stored, never shown
again: only its digest is kept); the list shows each token's scopes, creation and
last-used times. Forms carry CSRF tokens; answers are never cached.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_login import current_user
from pressmark.api import render_page
from pressmark.content.tokens import SCOPES, AccessToken, create_token, revoke
from pressmark.extensions import db, login_manager
from sqlalchemy import select

bp = Blueprint("tokens_editor", __name__, url_prefix="/editor/tokens")


@bp.before_request
def signed_in_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.after_request
def never_cache(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _page(status: int = 200, *, secret: str = "", error: str = "", typed: dict | None = None):
    tokens = db.session.scalars(
        select(AccessToken).where(AccessToken.user_id == current_user.id)
        .order_by(AccessToken.revoked_at.is_not(None), AccessToken.created_at.desc())
    ).all()
    return render_page("editor/tokens.html", tokens=tokens, scopes=SCOPES, secret=secret,
                       error=error, typed=typed or {}), status


@bp.get("/")
def index():
    return _page()


@bp.post("/")
def create():
    name = request.form.get("name", "")
    scopes = request.form.getlist("scopes")
    try:
        token, secret = create_token(current_user._get_current_object(), name, scopes)
    except ValueError as exc:
        return _page(400, error=str(exc), typed={"name": name, "scopes": scopes})
    return _page(201, secret=secret, typed={"created": token.id})


@bp.post("/<int:token_id>/revoke")
def revoke_token(token_id: int):
    token = db.session.get(AccessToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    revoke(token)
    flash(f"The token “{token.name}” is revoked: tools using it are refused from now on.",
          "saved")
    return redirect(url_for(".index"), code=303)
