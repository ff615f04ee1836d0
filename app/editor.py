"""The author's editor (filled in by the editor work)."""

from flask import Blueprint

bp = Blueprint("editor", __name__, url_prefix="/editor")


@bp.route("/")
def dashboard():
    return "editor"


def init_app(app) -> None:
    """Wire the editor into the app."""
