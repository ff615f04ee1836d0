"""Who may do what in the editor: the three roles' rules, in one place.

- owner: everything, including accounts and plugins;
- editor: publishes, unpublishes and changes any post or page, edits the navigation;
- contributor: writes drafts of their own (they are among its authors) and cannot
  publish, change a live post, or touch pages, the navigation or the plugins.

The views call these checks before changing anything; a refusal is a 403 page that says
why, and a refused form is shown again with the author's text in it.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_login import current_user
from pressmark.content.models import DRAFT, TRASHED, Post, User
from pressmark.extensions import login_manager


class Refused(Exception):
    """The signed-in user's role does not allow this; ``str(exc)`` says why."""


def may_edit(user: User, post: Post) -> bool:
    """Whether ``user`` may change ``post`` at all (fields, trash, revisions)."""
    if post.is_page:
        return user.can("pages")
    if user.can("edit_any"):
        return True
    never_published = post.status == DRAFT or (
        post.status == TRASHED and post.status_before_trash in (None, DRAFT)
    )
    return never_published and any(a.id == user.id for a in post.authors)


def check_edit(user: User, post: Post) -> None:
    if may_edit(user, post):
        return
    if post.is_page:
        raise Refused("Only owners and editors can change pages.")
    if any(a.id == user.id for a in post.authors):
        raise Refused(
            "This post has been published, so only an owner or an editor can change it now."
        )
    raise Refused("Contributors can change only drafts they are an author of.")


def check_status_change(user: User, post: Post | None, status: str) -> None:
    """Publishing, scheduling and unpublishing need the "publish" permission."""
    current = post.status if post is not None else DRAFT
    if status in (DRAFT, TRASHED) and current in (DRAFT, TRASHED):
        return
    if status != current and not user.can("publish"):
        raise Refused(
            "Your role (contributor) cannot publish: save it as a draft and ask an editor "
            "or the owner to publish it."
        )


def check_authors(user: User, authors: list[str]) -> None:
    """A contributor stays among the authors of what they write."""
    if not user.can("edit_any") and user.username not in authors:
        raise Refused("Keep yourself among the authors: contributors edit only their own drafts.")


def require(user: User, permission: str, message: str) -> None:
    """Abort with 403 unless ``user`` has ``permission``."""
    if not user.can(permission):
        abort(403, description=message)


def guard(bp: Blueprint, permission: str, refusal: str, *, open_to_all: tuple[str, ...] = ()):
    """Every view of ``bp``: signed-in authors only, and ``permission`` needed (a 403 that
    says ``refusal``) except on the endpoints ``open_to_all``; answers are never stored by
    any cache, since they show what only authors see."""

    @bp.before_request
    def require_permission():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if request.endpoint not in open_to_all and not current_user.can(permission):
            abort(403, description=refusal)
        return None

    @bp.after_request
    def never_cache(response: Response) -> Response:
        response.headers["Cache-Control"] = "private, no-store"
        return response
