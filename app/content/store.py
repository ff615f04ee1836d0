"""Saving and deleting posts: the one place where content changes.

The editor, the importer and the demo loader all go through ``save_post`` so that every
save renders Markdown, keeps a revision, records aliases for renamed slugs, fires the
plugin events, and commits as one transaction (or not at all).

The editor's other actions are built on it: ``set_status`` (publish, unpublish, trash),
``restore_from_trash`` and ``restore_revision`` are saves too, so each keeps a revision.
``autosave`` is the one write that leaves the post alone: it only stores a revision of
kind ``"autosave"`` holding the author's unsaved form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from flask import current_app
from pressmark.content import events, generation, postdata
from pressmark.content.markup import render_markdown
from pressmark.content.models import (
    DRAFT,
    PUBLISHED,
    STATUSES,
    TRASHED,
    Alias,
    Post,
    Revision,
    User,
    page_path,
    post_authors,
    post_path,
    post_tags,
    tag_slug,
    utcnow,
)
from pressmark.content.postdata import PostData, data_from_post, data_from_revision

# The rules are re-exported: the editor and the importer use them from here.
from pressmark.content.validation import (  # noqa: F401
    MAX_SERIES_POSITION,
    RESERVED_PAGE_SLUGS,
    ValidationError,
    cover_errors,
    describe_bytes,
    free_slug,
    page_slug_problem,
    size_problem,
    validate,
)
from pressmark.extensions import db
from pressmark.plugin_system.calling import call_isolated
from sqlalchemy import delete, select, update
from sqlalchemy.orm.exc import StaleDataError


class PostGoneError(LookupError):
    """The post was deleted (forever) while the caller was editing it."""

    def __init__(self, post_id: int | None):
        super().__init__(f"post {post_id} was deleted meanwhile")
        self.post_id = post_id


class StaleSaveError(RuntimeError):
    """The post changed since the caller loaded it (its version moved on)."""

    def __init__(self, post: Post, loaded_version: int):
        super().__init__(
            f"post {post.slug!r} is at version {post.version}, not {loaded_version}"
        )
        self.post = post
        self.loaded_version = loaded_version


# First path segments that are the site's own, whatever is registered right now: a page
# must never take an address the core or a built-in plugin uses or may use.
def snapshot(post: Post, user: User | None, kind: str) -> Revision:
    """A revision holding every field of ``post`` as it is now."""
    revision = Revision(post=post, user=user, kind=kind, version=post.version)
    postdata.write_revision(revision, data_from_post(post))
    return revision


def save_post(
    data: PostData,
    post: Post | None = None,
    *,
    user: User | None = None,
    loaded_version: int | None = None,
    kind: str = "save",
    before_commit: Callable[[Post], None] | None = None,
) -> Post:
    """Create or update a post from ``data`` and commit, or change nothing and raise.

    - ``ValidationError`` for bad fields (a body over ``MAX_POST_BYTES`` too),
      ``PostGoneError`` when the post is deleted meanwhile, ``StaleSaveError`` when
      ``loaded_version`` is given
      and the post has moved past it (also when another process saves between our read and
      our write: the UPDATE is guarded by the version, see ``Post.__mapper_args__``).
    - Renaming the slug of a published post keeps the old path as an alias.
    - Every save stores a ``Revision`` of kind ``kind`` ("save", "restore", "import").
    - Plugin events fire inside the transaction (see ``pressmark.plugin_system.hookspecs``).
    - On any error the session is rolled back: the post and its revisions are unchanged.
    - ``before_commit(post)``, when given, runs after every field is written and before the
      revision is taken, inside the transaction (the importer sets what no form edits
      there: a page flag, a series, a trashed post's previous status); if it raises,
      nothing is saved.
    """
    post_id = post.id if post is not None else None
    try:
        if post is not None and loaded_version is not None and post.version != loaded_version:
            raise StaleSaveError(post, loaded_version)
        data = validate(data, post)
        was_published = post is not None and post.status == PUBLISHED
        post = _write_fields(data, post, was_published)
        if before_commit is not None:
            before_commit(post)
            db.session.flush()
        db.session.add(snapshot(post, user, kind))
        db.session.flush()
        call_isolated("post_updated", post=post)
        if post.status == PUBLISHED and not was_published:
            call_isolated("post_published", post=post)
        generation.bump(db.session)
        db.session.commit()
    except StaleDataError:
        # Another process saved (or deleted) between our version check and our UPDATE.
        db.session.rollback()
        current = db.session.get(Post, post_id)
        if current is None:
            raise PostGoneError(post_id) from None
        raise StaleSaveError(current, loaded_version or 0) from None
    except Exception:
        db.session.rollback()
        raise
    _content_changed()
    return post


def _write_fields(data: PostData, post: Post | None, was_published: bool) -> Post:
    """Write validated ``data`` on ``post`` (a new one when None), render its body, move its
    version on and keep its old addresses as aliases; flushed, not committed."""
    old_slug = post.slug if post is not None else None
    if post is None:
        post = Post(created_at=data.created_at or utcnow(), version=0, is_page=data.is_page)
        db.session.add(post)
    if data.status == TRASHED and post.status != TRASHED:
        post.status_before_trash = post.status
    if data.status == PUBLISHED and data.published_at is None:
        data.published_at = post.published_at or utcnow().replace(microsecond=0)
    postdata.write_post(post, data)
    if data.language is not None:
        post.language = data.language
    rendered = render_markdown(data.body)
    post.body_html = rendered.html
    post.toc_html = rendered.toc_html
    post.word_count = rendered.word_count
    post.updated_at = data.updated_at or utcnow()
    post.version = (post.version or 0) + 1
    if old_slug and old_slug != post.slug and was_published:
        _add_alias(post, page_path(old_slug) if post.is_page else post_path(old_slug))
    for path in data.aliases:
        _add_alias(post, path)
    db.session.flush()
    # A slug renamed back to one of its old addresses no longer needs that alias.
    db.session.execute(delete(Alias).where(Alias.post_id == post.id, Alias.path == post.path))
    _store_tag_order(post, data.tags)
    _store_author_order(post, data.authors)
    return post


def _store_tag_order(post: Post, names: list[str]) -> None:
    by_slug = {t.slug: t.id for t in post.tags}
    for position, name in enumerate(names):
        db.session.execute(
            update(post_tags)
            .where(post_tags.c.post_id == post.id, post_tags.c.tag_id == by_slug[tag_slug(name)])
            .values(position=position)
        )


def _store_author_order(post: Post, names: list[str]) -> None:
    by_name = {a.username: a.id for a in post.authors}
    for position, name in enumerate(names):
        db.session.execute(
            update(post_authors)
            .where(post_authors.c.post_id == post.id, post_authors.c.user_id == by_name[name])
            .values(position=position)
        )


def _add_alias(post: Post, path: str) -> None:
    existing = db.session.scalar(select(Alias).where(Alias.path == path))
    if existing is None:
        db.session.add(Alias(path=path, post=post))
    elif existing.post is not post:
        raise ValidationError({"aliases": f"The path {path} already points to another post."})


# --- the editor's actions, each a save --------------------------------------------------------


def set_status(
    post: Post, status: str, *, user: User | None = None, loaded_version: int | None = None
) -> Post:
    """Publish, unpublish (back to draft) or trash ``post``, keeping everything else."""
    data = replace(data_from_post(post), status=status)
    return save_post(data, post, user=user, loaded_version=loaded_version)


def restore_from_trash(post: Post, *, user: User | None = None) -> Post:
    """Take ``post`` out of the trash, back to the status it had before."""
    if post.status != TRASHED:
        return post
    status = post.status_before_trash if post.status_before_trash in STATUSES else DRAFT
    return set_status(post, status if status != TRASHED else DRAFT, user=user)


def restore_revision(
    post: Post,
    revision: Revision,
    *,
    user: User | None = None,
    loaded_version: int | None = None,
) -> Post:
    """Save ``revision``'s fields over ``post`` as a new revision of kind "restore"."""
    if revision.post_id != post.id:
        raise ValueError("the revision belongs to another post")
    data = data_from_revision(revision, post)
    return save_post(data, post, user=user, loaded_version=loaded_version, kind="restore")


def autosave(
    post: Post, data: PostData, *, user: User | None = None, base_version: int | None = None
) -> Revision | None:
    """Keep the editor's unsaved form as a revision of kind "autosave", and commit.

    Contract: the post itself is not touched (no new version, nothing published, no plugin
    event), and ``data`` is not validated, because half-typed text must be kept as typed.
    Returns ``None`` when ``data`` says the same as the post (there is nothing to keep).
    The one check made is the size limit (``ValidationError`` over ``MAX_POST_BYTES``).
    Consecutive autosaves by the same user from the same loaded version update one
    revision, so history shows one autosave per editing session, holding its latest text.
    ``base_version`` (the version the form was loaded from) is stored as the revision's
    ``version``.
    """
    too_large = size_problem(data.body)
    if too_large:
        raise ValidationError({"body": too_large})
    if postdata.same_content(postdata.of_post(post), postdata.of_data(data)):
        return None
    base = base_version if base_version is not None else post.version
    try:
        latest = db.session.scalar(
            select(Revision).where(Revision.post_id == post.id).order_by(Revision.id.desc())
        )
        if (
            latest is not None
            and latest.kind == "autosave"
            and latest.version == base
            and latest.user_id == (user.id if user else None)
        ):
            revision = latest
        else:
            revision = Revision(post=post, user=user, kind="autosave", version=base)
            db.session.add(revision)
        revision.created_at = utcnow()
        # Column limits apply even to half-typed text; the body, the bulk, is never cut.
        postdata.write_revision(revision, replace(data, status=post.status))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return revision


def pending_autosave(post: Post) -> Revision | None:
    """The newest autosave made after the post's last save, if it holds different text."""
    revision = db.session.scalar(
        select(Revision)
        .where(
            Revision.post_id == post.id,
            Revision.kind == "autosave",
            Revision.created_at > post.updated_at,
        )
        .order_by(Revision.id.desc())
    )
    if revision is None:
        return None
    if postdata.same_content(postdata.of_post(post), postdata.of_revision(revision)):
        return None
    return revision


def delete_post(post: Post) -> None:
    """Delete a post forever, with its revisions and aliases, in one transaction."""
    try:
        # Write first: Python's sqlite3 driver opens its transaction only at the first
        # write, and a plugin's savepoint issued before that would commit on its own.
        db.session.execute(update(Post).where(Post.id == post.id).values(version=Post.version))
        call_isolated("post_deleted", post=post)
        db.session.delete(post)
        db.session.flush()
        generation.bump(db.session)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    _content_changed()


def rerender_all(on_item: Callable[[str], None] | None = None) -> int:
    """Render every post's stored Markdown again, in one transaction; returns the count.

    For after a plugin that adds embeds or Markdown extensions is installed or upgraded.
    Only the derived HTML changes, so no revision is written and the version stays; the
    ``post_updated`` event fires so indexes built from the HTML follow. ``on_item(slug)``
    is called as each post is rendered (for a progress bar).
    """
    try:
        posts = db.session.scalars(select(Post)).all()
        for post in posts:
            rendered = render_markdown(post.body)
            post.body_html, post.toc_html = rendered.html, rendered.toc_html
            post.word_count = rendered.word_count
            if on_item:
                on_item(post.slug)
        db.session.flush()
        for post in posts:
            call_isolated("post_updated", post=post)
        generation.bump(db.session)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    _content_changed()
    return len(posts)


def commit_content_change() -> None:
    """Commit the session's change to something readers see outside posts (the navigation,
    an author's name or bio), moving the content generation on in the same transaction so
    that every process and machine drops its cached pages, this one at once."""
    generation.bump(db.session)
    db.session.commit()
    _content_changed()


def _content_changed() -> None:
    """Announce the committed change (``events.content_changed``): the page cache drops
    this process's pages now; the others follow the generation bumped in the change's
    transaction (``pressmark.content.generation``)."""
    events.content_changed.send(current_app._get_current_object())
