"""A post's history in the editor: the trash (untrash, delete forever) and its revisions
(list, compare, restore). Restoring is itself a new revision."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    request,
    url_for,
)
from pressmark.content import postdata, revisions
from pressmark.content import store as content
from pressmark.content.models import (
    DRAFT,
    PUBLISHED,
    TRASHED,
    Post,
    Revision,
)
from pressmark.extensions import db
from pressmark.web.editor import access
from pressmark.web.editor.base import (
    KIND_LABELS,
    SAVE_FAILED,
    author,
    bp,
    get_post,
    get_revision,
    log,
)
from pressmark.web.editor.forms import (
    parse_version,
)
from pressmark.web.rendering import render_page
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

# --- trash and delete -------------------------------------------------------------------------


@bp.route("/<int:post_id>/untrash", methods=["POST"])
def untrash(post_id: int):
    post = get_post(post_id)
    if post.status != TRASHED:
        flash("The post is not in the trash.", "info")
    else:
        try:
            content.restore_from_trash(post, user=author())
        except content.ValidationError as exc:
            # e.g. its slug was taken by another post while it sat in the trash
            flash("It cannot leave the trash as it is: " + " ".join(exc.errors.values())
                  + " Edit it in the trash first.", "error")
            return redirect(url_for(".edit", post_id=post.id), code=303)
        except SQLAlchemyError:
            log.exception("restoring post %s from the trash failed", post.id)
            flash(SAVE_FAILED, "error")
            return redirect(url_for(".edit", post_id=post.id), code=303)
        flash(f"Restored from the trash: the post is {describe_status(post)} again.", "saved")
    target = request.form.get("next")
    if target == "dashboard":
        return redirect(url_for(".dashboard"), code=303)
    return redirect(url_for(".edit", post_id=post.id), code=303)


def describe_status(post: Post) -> str:
    if post.is_scheduled:
        return "scheduled"
    return {DRAFT: "a draft", PUBLISHED: "published", TRASHED: "in the trash"}[post.status]


@bp.route("/<int:post_id>/delete", methods=["GET", "POST"])
def delete(post_id: int):
    """Delete forever: only from the trash, and only after a confirmation step."""
    post = get_post(post_id)
    access.require(author(), "delete", "Only owners and editors can delete posts forever.")
    if post.status != TRASHED:
        return render_page("editor/delete.html", post=post, refused=True), 400
    if request.method == "GET":
        return render_page("editor/delete.html", post=post, refused=False)
    title = post.title
    content.delete_post(post)
    flash(f"“{title}” was deleted forever.", "info")
    return redirect(url_for(".dashboard"), code=303)


# --- revisions --------------------------------------------------------------------------------


def post_revisions(post: Post) -> list[Revision]:
    return db.session.scalars(
        select(Revision).where(Revision.post_id == post.id).order_by(Revision.id.desc())
    ).all()


@bp.route("/<int:post_id>/revisions")
def revision_list(post_id: int, *, error: str | None = None, status: int = 200):
    post = get_post(post_id)
    items = post_revisions(post)
    return render_page(
        "editor/revisions.html",
        post=post,
        revisions=items,
        previous={r.id: items[i + 1] if i + 1 < len(items) else None for i, r in enumerate(items)},
        kind_labels=KIND_LABELS,
        error=error,
    ), status


@bp.route("/<int:post_id>/revisions/compare")
def compare(post_id: int):
    """The differences between any two revisions (``from`` and ``to`` are revision ids)."""
    post = get_post(post_id)
    items = post_revisions(post)
    old = get_revision(post, request.args.get("from", type=int))
    new = get_revision(post, request.args.get("to", type=int))
    if old is None or new is None:
        if "from" in request.args or "to" in request.args:
            return revision_list(
                post_id, error="Choose two revisions of this post to compare.", status=400
            )
        new = items[0] if items else None
        old = items[1] if len(items) > 1 else new
    if old is None:
        return revision_list(post_id, error="This post has no revisions yet.", status=400)
    if old.id > new.id:
        old, new = new, old
    return render_page(
        "editor/compare.html",
        post=post,
        old=old,
        new=new,
        comparison=revisions.compare(postdata.of_revision(old), postdata.of_revision(new)),
        kind_labels=KIND_LABELS,
    )


@bp.route("/<int:post_id>/revisions/<int:revision_id>/restore", methods=["POST"])
def restore(post_id: int, revision_id: int):
    """Save a revision's words over the post, as a new revision of kind "restore"."""
    post = get_post(post_id)
    revision = get_revision(post, revision_id)
    if revision is None:
        abort(404)
    loaded_version = parse_version(request.form.get("version"))
    try:
        content.restore_revision(post, revision, user=author(), loaded_version=loaded_version)
    except content.StaleSaveError as exc:
        return revision_list(
            post_id,
            error=(
                f"The post was saved again (now version {exc.post.version}) after you opened "
                "this page, so nothing was restored. Check the list and restore again."
            ),
            status=409,
        )
    except content.ValidationError as exc:
        return revision_list(
            post_id,
            error="This revision cannot be restored as it is: "
            + " ".join(exc.errors.values())
            + " Open it in the editor to change it, then save.",
            status=400,
        )
    except SQLAlchemyError:
        log.exception("restoring revision %s of post %s failed", revision_id, post_id)
        return revision_list(post_id, error=SAVE_FAILED, status=500)
    flash(
        f"Restored the revision of {revision.created_at:%Y-%m-%d %H:%M} UTC "
        f"(version {revision.version}). The previous text is kept in the revisions.",
        "saved",
    )
    return redirect(url_for(".edit", post_id=post.id), code=303)
