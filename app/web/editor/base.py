"""The editor's blueprint and what every editor view shares: sign-in required (scripts
get a JSON 401), no caching, the post or revision from the URL, and the 403 and 413 pages."""

from __future__ import annotations

import json
import logging

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    request,
    url_for,
)
from flask_login import current_user
from pressmark.content import store as content
from pressmark.content.models import (
    Post,
    Revision,
    User,
)
from pressmark.content.uploads import receive as uploads
from pressmark.extensions import db, login_manager
from pressmark.web.converters import sql_int
from pressmark.web.editor import access
from pressmark.web.rendering import render_page
from werkzeug.exceptions import RequestEntityTooLarge

log = logging.getLogger("pressmark.web.editor.views")  # the name it has always logged under

bp = Blueprint("editor", __name__, url_prefix="/editor")

KIND_LABELS = {
    "save": "Saved",
    "autosave": "Autosave",
    "restore": "Restored",
    "import": "Imported",
}
GONE = (
    "This post no longer exists: it was deleted forever while you were editing it. Your "
    "text is below, in a new post: save it to keep it."
)
GONE_AUTOSAVE = (
    "This post was deleted forever while you were editing it, so autosave stopped. Your "
    "text is kept in this browser: press Save to keep it as a new post."
)
SAVE_FAILED = (
    "The save failed because of a server error, and nothing was changed. Your text is "
    "still in the form below: try again, or copy it somewhere safe."
)


# --- access -----------------------------------------------------------------------------------


def wants_json() -> bool:
    return request.is_json or "application/json" in request.headers.get("Accept", "")


@bp.before_request
def require_author():
    if current_user.is_authenticated:
        return None
    if wants_json():
        return jsonify(error="You are signed out. Sign in again; your text is kept."), 401
    return login_manager.unauthorized()


@bp.after_request
def never_cache(response: Response) -> Response:
    # Author pages hold unpublished text: no shared cache may keep them.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def author() -> User:
    return current_user._get_current_object()


def forbidden(error):
    """A role's refusal: say why, in the page or as JSON for scripts."""
    message = error.description or "Your role does not allow this."
    if wants_json():
        return jsonify(error=message), 403
    return render_page("editor/error.html", heading="Not allowed", message=message), 403


def get_post(post_id: int) -> Post:
    """The post ``post_id``, if the signed-in user may change it (else 404 or 403; in
    JSON for scripts)."""
    post = db.session.get(Post, post_id)
    if post is None:
        if wants_json():
            abort(Response(json.dumps({"error": "There is no such post."}), 404,
                           mimetype="application/json"))
        abort(404)
    try:
        access.check_edit(author(), post)
    except access.Refused as exc:
        abort(403, description=str(exc))
    return post


def get_revision(post: Post, revision_id: int | None) -> Revision | None:
    """The revision of ``post`` with this id, or None (also for ids no database can hold)."""
    revision_id = sql_int(revision_id)
    if revision_id is None:
        return None
    revision = db.session.get(Revision, revision_id)
    return revision if revision is not None and revision.post_id == post.id else None




def too_large(error: RequestEntityTooLarge):
    """413 anywhere: say what the limits are (the request limits follow from these two)."""
    config = current_app.config
    post = content.describe_bytes(int(config["MAX_POST_BYTES"]))
    image = uploads.describe_size(int(config["UPLOAD_MAX_BYTES"]))
    message = (
        f"That was too large to receive: a post can be at most {post}, and images can be "
        f"at most {image}. "
        "Nothing was saved: go back, and your text should still be in the form."
    )
    if wants_json() or request.path == url_for("editor.upload"):
        return jsonify(error=message), 413
    return render_page("editor/error.html", heading="Too large", message=message), 413
