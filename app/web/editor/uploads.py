"""``/uploads/<name>``: uploaded images, their renditions and social cards, served with
their own type, no sniffing, and cacheable for a year (a name never changes meaning).
Receiving, processing and storing them is ``pressmark.content.uploads``."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    send_from_directory,
    stream_with_context,
)
from pressmark.content.uploads import storage as upload_store
from pressmark.content.uploads.images import MEDIA_TYPES as ALL_MEDIA_TYPES
from pressmark.content.uploads.receive import CACHE_FOREVER, CARD_SUFFIX, NAME_RE, make_card

bp = Blueprint("uploads", __name__, url_prefix="/uploads")


@bp.route("/<name>")
def serve(name: str) -> Response:
    """An uploaded image, with its own type, no sniffing, and cacheable for a year."""
    if not NAME_RE.match(name):
        abort(404)
    if name.endswith(CARD_SUFFIX):
        try:
            make_card(name)
        except LookupError:
            abort(404)
    ext = name.rsplit(".", 1)[1]
    if upload_store.storage() == upload_store.DATABASE:
        size = upload_store.size_in_database(name)
        if size is None:
            abort(404)
        # Streamed a chunk at a time: a large image is never held whole in memory.
        response = Response(
            stream_with_context(upload_store.chunks_from_database(name, size)),
            mimetype=ALL_MEDIA_TYPES[ext],
            direct_passthrough=True,
        )
        response.content_length = size
        response.set_etag(name.split(".", 1)[0])
    else:
        response = send_from_directory(
            current_app.config["UPLOAD_FOLDER"], name, mimetype=ALL_MEDIA_TYPES[ext],
            max_age=31536000,
        )
    response.headers["Cache-Control"] = CACHE_FOREVER
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
