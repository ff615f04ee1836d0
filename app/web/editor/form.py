"""The post and page form of the editor: new, edit, preview, autosave, image uploads.

Every view needs a signed-in user (anonymous visitors are sent to sign in; scripts get a
JSON 401). Every change is a POST carrying the CSRF token, and goes through
``pressmark.content.store``, so each save keeps a revision and nothing is overwritten silently:

- the form carries the version it was loaded from; a save over a newer version is refused
  with 409 and a page showing both versions, the author's text still in the form;
- a failed save (bad input, database error) shows the form again with the text as typed;
- ``editor.js`` keeps unsaved text in localStorage and autosaves it to the server as a
  revision of kind "autosave". A brand-new post, not yet saved, is kept only in
  localStorage: an autosave never creates a post, so nothing half-typed ever appears in
  the dashboard or in a plugin's ``post_updated`` event.

Without JavaScript every feature still works: Preview and Upload are submit buttons that
show the form again, filled in, with nothing saved.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    get_flashed_messages,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from pressmark.content import postdata, revisions
from pressmark.content import store as content
from pressmark.content.markup import Rendered, render_markdown
from pressmark.content.models import (
    PUBLISHED,
    TRASHED,
    Post,
    Revision,
    Series,
    Topic,
    User,
    utcnow,
)
from pressmark.content.uploads import receive as uploads
from pressmark.content.wordcheck import describe_loss, lost_words
from pressmark.extensions import db
from pressmark.web.editor import access
from pressmark.web.editor.base import (
    GONE,
    GONE_AUTOSAVE,
    KIND_LABELS,
    SAVE_FAILED,
    author,
    bp,
    get_post,
    get_revision,
    log,
    wants_json,
)
from pressmark.web.editor.forms import (
    ACTIONS,
    PREVIEW,
    PUBLISH,
    SAVE,
    TRASH,
    UNPUBLISH,
    UPLOAD,
    FormValues,
    autosave_data,
    data_from_values,
    parse_version,
    target_status,
    values_from_form,
    values_from_post,
    values_from_revision,
)
from pressmark.web.rendering import render_page
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

# --- the post form ----------------------------------------------------------------------------


def topics() -> list[Topic]:
    return db.session.scalars(select(Topic).order_by(Topic.position, Topic.name)).all()


def form_choices() -> dict[str, Any]:
    """The lists the form offers: topics, author accounts and existing series."""
    return {
        "topics": topics(),
        "accounts": db.session.scalars(select(User).order_by(User.username)).all(),
        "all_series": db.session.scalars(select(Series).order_by(Series.title)).all(),
    }


def dismissed_key(revision: Revision) -> str:
    return f"{revision.id}@{revision.created_at.isoformat()}"


def render_form(
    post: Post | None,
    values: FormValues,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    preview: Rendered | None = None,
    notices: list[str] | None = None,
    conflict: dict[str, Any] | None = None,
    loaded_revision: Revision | None = None,
    version: int | None = None,
    is_page: bool = False,
) -> tuple[str, int]:
    """The post form page, filled with ``values`` (what the author typed, or the post)."""
    pending = None
    if post is not None and loaded_revision is None and conflict is None:
        pending = content.pending_autosave(post)
        dismissed = session.get("editor_dismissed_autosaves", {})
        if pending is not None and dismissed.get(str(post.id)) == dismissed_key(pending):
            pending = None
    flashes = get_flashed_messages(with_categories=True)
    html = render_page(
        "editor/edit.html",
        post=post,
        values=values,
        errors=errors or {},
        preview=preview,
        notices=notices or [],
        flashes=flashes,
        just_saved=any(category in ("saved", "created") for category, _ in flashes),
        created=any(category == "created" for category, _ in flashes),
        conflict=conflict,
        pending_autosave=pending,
        pending_fields=values_from_revision(pending) if pending else None,
        loaded_revision=loaded_revision,
        version=version if version is not None else (post.version if post else None),
        is_page=post.is_page if post is not None else is_page,
        may_publish=author().can("publish"),
        kind_labels=KIND_LABELS,
        field_names=postdata.editor_field_names(),
        **form_choices(),
        upload_limit=uploads.describe_size(int(current_app.config["UPLOAD_MAX_BYTES"])),
    )
    return html, status


@bp.route("/new", methods=["GET", "POST"])
def new():
    if request.method == "POST":
        return handle_form(None)
    return render_form(None, values_from_post(None) | {"authors": author().username})


@bp.route("/pages/new", methods=["GET", "POST"])
def new_page():
    """A standalone page (About, Uses...): the same form, without date, topic or series."""
    access.require(author(), "pages", "Only owners and editors can write pages.")
    if request.method == "POST":
        return handle_form(None, is_page=True)
    return render_form(
        None, values_from_post(None) | {"authors": author().username}, is_page=True
    )


@bp.route("/<int:post_id>", methods=["GET", "POST"])
def edit(post_id: int):
    if request.method == "POST":
        post = db.session.get(Post, post_id)
        if post is None:
            return render_gone()
        try:
            access.check_edit(author(), post)
        except access.Refused as exc:
            abort(403, description=str(exc))
        return handle_form(post)
    post = get_post(post_id)
    revision = get_revision(post, request.args.get("revision", type=int))
    if revision is not None:
        return render_form(
            post,
            values_from_revision(revision),
            preview=render_markdown(revision.body),
            loaded_revision=revision,
        )
    preview = Rendered(post.body_html, post.toc_html, post.word_count)
    return render_form(post, values_from_post(post), preview=preview)


def render_gone(values: FormValues | None = None):
    """410: the post was deleted while the author edited it. The author's text comes back
    in the new-post form, so one click on Save keeps it as a new post."""
    values = values if values is not None else values_from_form(request.form)
    return render_form(None, values, status=410, errors={"form": GONE})


LOST_VERSION = (
    "The form lost track of the version it was loaded from. Copy your text, reload the page "
    "and apply your changes again."
)

def handle_form(post: Post | None, *, is_page: bool = False):
    """One POST of the post form: upload, preview, or a save with the button's status."""
    if post is not None:
        is_page = post.is_page
    values = values_from_form(request.form)
    action = request.form.get("action", SAVE)
    if action not in ACTIONS or (post is None and action in (UNPUBLISH, TRASH)):
        action = SAVE
    loaded_version = parse_version(request.form.get("version"))
    form_version = loaded_version if post is not None else None
    if post is not None and loaded_version is None:
        return render_form(post, values, status=400, errors={"version": LOST_VERSION},
                           version=post.version)

    notices: list[str] = []
    refused = _take_uploads(values, notices)
    if refused:
        return render_form(post, values, status=400, errors=refused, version=form_version,
                           is_page=is_page)
    if action in (PREVIEW, UPLOAD):
        too_large = content.size_problem(values["body"])
        if too_large:
            return render_form(post, values, status=400, errors={"body": too_large},
                               version=form_version, notices=notices)
        notices.append("Nothing is saved yet.")
        return render_form(
            post, values, preview=render_markdown(values["body"]), notices=notices,
            version=form_version, is_page=is_page,
        )

    status = target_status(action, post)
    try:
        data = data_from_values(values, status=status, post=post, is_page=is_page)
        access.check_status_change(author(), post, status)
        access.check_authors(author(), data.authors)
        saved = content.save_post(data, post, user=author(), loaded_version=loaded_version)
    except access.Refused as exc:
        return render_form(post, values, status=403, errors={"form": str(exc)},
                           version=form_version, notices=notices, is_page=is_page)
    except content.ValidationError as exc:
        return render_form(post, values, status=400, errors=exc.errors, version=form_version,
                           notices=notices, is_page=is_page)
    except content.StaleSaveError as exc:
        return render_conflict(exc.post, values, loaded_version)
    except content.PostGoneError:
        return render_gone(values)
    except SQLAlchemyError:
        log.exception("saving post %s failed", post.id if post else "(new)")
        return render_form(post, values, status=500, errors={"form": SAVE_FAILED},
                           version=form_version, is_page=is_page)
    flash(saved_message(action, saved), "created" if post is None else "saved")
    lost = lost_words(saved.body, saved.body_html)
    if lost:
        flash(describe_loss(lost), "warning")
    return redirect(url_for(".edit", post_id=saved.id), code=303)


def _take_uploads(values: FormValues, notices: list[str]) -> dict[str, str]:
    """Store the image and the cover file sent with the form (the no-script way to upload),
    putting the image's Markdown at the end of the body and the cover's address in its field,
    with a notice for each; the error by field of a refused file (and nothing more taken)."""
    image = request.files.get("image")
    if image is not None and image.filename:
        try:
            stored = uploads.store_upload(image.stream)
        except uploads.UploadError as exc:
            return {"image": str(exc)}
        alt = request.form.get("image_alt", "").strip() or "image"
        values["body"] = values["body"].rstrip("\n") + "\n\n" + stored.markdown(alt) + "\n"
        notices.append(
            f"Image uploaded and added at the end of the body as {stored.markdown(alt)}."
        )
    cover = request.files.get("cover_file")
    if cover is not None and cover.filename:
        try:
            values["cover_image"] = uploads.store_upload(cover.stream).url
        except uploads.UploadError as exc:
            return {"cover_image": str(exc)}
        notices.append(f"Cover uploaded: {values['cover_image']}.")
    return {}


def saved_message(action: str, post: Post) -> str:
    from pressmark.dates import datetime_zone

    when = datetime_zone(post.published_at)  # in the site's TIMEZONE, named
    if action == TRASH:
        return "Moved to the trash. Restore it from here or from the dashboard at any time."
    if action == UNPUBLISH:
        return "Unpublished: the post is a draft again and readers no longer see it."
    if post.is_scheduled:
        return f"Scheduled: the post will appear by itself on {when}."
    if action == PUBLISH:
        return "Published: readers can see the post now."
    if post.status == PUBLISHED:
        return "Saved: the changes are live."
    if post.status == TRASHED:
        return "Saved (the post is still in the trash)."
    return "Draft saved."


def render_conflict(current: Post, values: FormValues, loaded_version: int | None):
    """409: someone saved since the form was loaded. Show both; overwrite nothing.

    The form keeps the author's text and now carries the current version, so saving
    again (after merging) is a deliberate choice made with both versions in view.
    """
    saved_by = db.session.scalar(
        select(Revision)
        .where(Revision.post_id == current.id, Revision.kind != "autosave")
        .order_by(Revision.id.desc())
    )
    try:
        yours = postdata.of_data(data_from_values(values, status=current.status, post=current))
    except content.ValidationError:
        yours = postdata.of_data(autosave_data(values, current))
    conflict = {
        "current": current,
        "loaded_version": loaded_version,
        "saved_by": saved_by,
        "comparison": revisions.compare(postdata.of_post(current), yours),
    }
    return render_form(
        current,
        values,
        status=409,
        conflict=conflict,
        preview=render_markdown(values["body"]),
        version=current.version,
    )


@bp.route("/preview", methods=["POST"])
def preview():
    """The body rendered by the publishing pipeline, as an HTML fragment for the page.

    Takes form data or a JSON object ``{"body": ...}``; anything else is a 400, a body over
    ``MAX_POST_BYTES`` a 413 (JSON ``error`` for scripts, the message as a fragment else).
    """
    body = request.form.get("body", "")
    if request.is_json:
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            return jsonify(error='Send the body as a JSON object: {"body": "..."}.'), 400
        body = str(payload.get("body", ""))
    too_large = content.size_problem(body)
    if too_large:
        if wants_json():
            return jsonify(error=too_large), 413
        return Response(render_template("editor/error_fragment.html", message=too_large),
                        413, mimetype="text/html")
    html = render_template("editor/_preview.html", preview=render_markdown(body))
    return Response(html, mimetype="text/html")


# --- autosave ---------------------------------------------------------------------------------


@bp.route("/<int:post_id>/autosave", methods=["POST"])
def autosave(post_id: int):
    """Keep the unsaved form as an "autosave" revision; the post itself is untouched.

    Accepts JSON (from ``fetch``) or form data (from ``navigator.sendBeacon`` when the tab
    closes). Answers JSON: ``saved``, ``revision`` (its id or null), ``saved_at`` and
    ``stale`` (true when the post was saved elsewhere since the form was loaded). Errors are
    JSON too: 400 for a body that is not an object, 410 (``gone``, ``new_post_url``) when
    the post was deleted meanwhile, 413 over ``MAX_POST_BYTES``.
    """
    post = db.session.get(Post, post_id)
    if post is None:
        return jsonify(error=GONE_AUTOSAVE, gone=True, saved=False,
                       new_post_url=url_for(".new")), 410
    try:
        access.check_edit(author(), post)
    except access.Refused as exc:
        return jsonify(error=str(exc), saved=False), 403
    payload = request.get_json(silent=True) if request.is_json else request.form
    if not isinstance(payload, dict) and not hasattr(payload, "getlist"):
        return jsonify(error="Send the form's fields as a JSON object.", saved=False), 400
    values = values_from_form(payload, kept=values_from_post(post))
    base_version = parse_version(payload.get("version"))
    try:
        revision = content.autosave(
            post, autosave_data(values, post), user=author(), base_version=base_version
        )
    except content.ValidationError as exc:
        return jsonify(error=" ".join(exc.errors.values()), saved=False), 413
    return jsonify(
        saved=revision is not None,
        revision=revision.id if revision else None,
        saved_at=(revision.created_at if revision else utcnow()).isoformat() + "Z",
        stale=base_version is not None and base_version != post.version,
        version=post.version,
    )


@bp.route("/<int:post_id>/autosave/<int:revision_id>/dismiss", methods=["POST"])
def dismiss_autosave(post_id: int, revision_id: int):
    """Hide the "newer autosave" notice for this autosave (the revision itself is kept)."""
    post = get_post(post_id)
    revision = get_revision(post, revision_id)
    if revision is not None:
        dismissed = dict(session.get("editor_dismissed_autosaves", {}))
        dismissed[str(post.id)] = dismissed_key(revision)
        session["editor_dismissed_autosaves"] = dismissed
    if wants_json():
        return jsonify(dismissed=revision is not None)
    flash("The autosaved text is kept in the post's revisions.", "info")
    return redirect(url_for(".edit", post_id=post.id), code=303)




# --- uploads ----------------------------------------------------------------------------------


@bp.route("/uploads", methods=["POST"])
def upload():
    """Store one image (field ``image``) for the script; answers JSON ``url`` and ``markdown``."""
    image = request.files.get("image")
    if image is None or not image.filename:
        return jsonify(error="Choose an image file to upload."), 400
    try:
        stored = uploads.store_upload(image.stream)
    except uploads.UploadError as exc:
        return jsonify(error=str(exc)), 400
    alt = request.form.get("alt", "").strip() or image.filename.rsplit(".", 1)[0] or "image"
    return jsonify(
        url=stored.url, markdown=stored.markdown(alt), name=stored.name, size=stored.size,
        width=stored.width, height=stored.height,
    )
