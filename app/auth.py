"""Signing in and out (filled in by the editor work)."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from app.extensions import db, login_manager
from app.models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def init_app(app) -> None:
    """Wire sign-in into the app (login view, CSRF error page, author commands)."""
