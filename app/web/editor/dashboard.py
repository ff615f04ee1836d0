"""The editor's dashboard (``/editor/``): every post and page, newest first, grouped by
status, filtered without script."""

from __future__ import annotations

from typing import Any

from flask import (
    request,
)
from pressmark.content.models import (
    DRAFT,
    PUBLISHED,
    TRASHED,
    Post,
    Tag,
    User,
    utcnow,
)
from pressmark.extensions import db
from pressmark.web.editor.base import author, bp
from pressmark.web.rendering import render_page
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

# --- dashboard --------------------------------------------------------------------------------


def dashboard_groups(search: str, user: User) -> list[dict[str, Any]]:
    """Drafts, scheduled, published and trashed posts, each newest first, then the pages.

    A contributor sees only the posts they are an author of, and no pages.
    """
    now = utcnow()
    base = select(Post).options(selectinload(Post.tags), selectinload(Post.topic))
    if not user.can("edit_any"):
        base = base.where(Post.authors.any(User.id == user.id))
    if search:
        base = base.where(
            or_(
                Post.title.icontains(search, autoescape=True),
                Post.slug.icontains(search, autoescape=True),
                Post.tags.any(Tag.name.icontains(search, autoescape=True)),
            )
        )
    published = Post.status == PUBLISHED
    pages = base.where(Post.is_page.is_(True))
    base = base.where(Post.is_page.is_(False))
    groups = [
        ("drafts", "Drafts", "No drafts.",
         base.where(Post.status == DRAFT).order_by(Post.updated_at.desc())),
        ("scheduled", "Scheduled", "No scheduled posts.",
         base.where(published, Post.published_at > now).order_by(Post.published_at.desc())),
        ("published", "Published", "No published posts.",
         base.where(published, Post.published_at <= now).order_by(Post.published_at.desc())),
        ("trash", "Trash", "Nothing in the trash.",
         base.where(Post.status == TRASHED).order_by(Post.updated_at.desc())),
    ]
    if user.can("pages"):
        groups.append(("pages", "Pages", "No pages yet.", pages.order_by(Post.title)))
    return [
        {
            "key": key,
            "label": label,
            "empty": empty,
            "posts": db.session.scalars(query.order_by(Post.id.desc())).all(),
        }
        for key, label, empty, query in groups
    ]


@bp.route("/")
def dashboard():
    query = request.args.get("q", "").strip()[:200]
    groups = dashboard_groups(query, author())
    return render_page(
        "editor/dashboard.html",
        groups=groups,
        query=query,
        total=sum(len(g["posts"]) for g in groups),
    )
