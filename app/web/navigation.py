"""The header navigation: the links readers see, and the editor's form that orders them.

The links are ``NavItem`` rows: a page, a topic or any address, in ``position`` order.
A site that has never saved its navigation shows the default, Posts and Archive. A link
to a page readers cannot see (a draft, the trash) is left out until the page is live.
The links are the same for every reader (nothing depends on who is signed in), so pages
stay cacheable; saving the navigation moves the content generation on, so every process's
cached pages go stale.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, flash, redirect, request, url_for
from pressmark.content.models import NavItem, Post, Topic
from pressmark.content.store import commit_content_change
from pressmark.extensions import db
from pressmark.web.editor import access
from pressmark.web.rendering import render_page
from pressmark.web.urls import post_url
from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

log = logging.getLogger(__name__)

bp = Blueprint("navigation", __name__, url_prefix="/editor/navigation")

EXTRA_ROWS = 3
MAX_ROWS = 50
LINK_RE = re.compile(r"^(/[^\s]*|https?://[^\s/]+[^\s]*)$")


@dataclass(frozen=True)
class HeaderLink:
    text: str
    url: str


def default_links() -> list[HeaderLink]:
    return [
        HeaderLink("Posts", url_for("public.posts")),
        HeaderLink("Archive", url_for("public.archive")),
    ]


def header_links() -> list[HeaderLink]:
    """The header's links, in order (the default when the navigation was never saved).

    The header is on every page, error pages included: when the database cannot answer
    (down, not set up yet) the default links are shown rather than a second error.
    """
    try:
        items = db.session.scalars(
            select(NavItem)
            .options(selectinload(NavItem.page), selectinload(NavItem.topic))
            .order_by(NavItem.position, NavItem.id)
        ).all()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("the header navigation could not be read; showing the default links")
        return default_links()
    if not items:
        return default_links()
    links = []
    for item in items:
        if item.page is not None:
            if item.page.is_visible:
                links.append(HeaderLink(item.text, post_url(item.page)))
        elif item.topic is not None:
            links.append(HeaderLink(item.text, url_for("public.topic", slug=item.topic.slug)))
        elif item.url:
            links.append(HeaderLink(item.text, item.url))
    return links


# --- the editor's form --------------------------------------------------------------------------


def _rows_from_items() -> list[dict[str, str]]:
    items = db.session.scalars(select(NavItem).order_by(NavItem.position, NavItem.id)).all()
    if not items:
        return [
            {"target": "link", "label": link.text, "url": link.url} for link in default_links()
        ]
    rows = []
    for item in items:
        target = (
            f"page:{item.page_id}" if item.page_id else
            f"topic:{item.topic_id}" if item.topic_id else "link"
        )
        rows.append({"target": target, "label": item.label, "url": item.url})
    return rows


def _rows_from_form(form) -> list[dict[str, str]]:
    """The submitted rows in their new order (by the Position field, then as listed)."""
    count = min(int(form.get("rows", "0") or 0) if form.get("rows", "").isdigit() else 0,
                MAX_ROWS)
    rows = []
    for i in range(count):
        row = {
            "target": form.get(f"item-{i}-target", "link"),
            "label": form.get(f"item-{i}-label", "").strip(),
            "url": form.get(f"item-{i}-url", "").strip(),
            "position": form.get(f"item-{i}-position", "").strip(),
            "remove": form.get(f"item-{i}-remove") == "1",
        }
        if row["remove"] or (row["target"] == "link" and not row["url"] and not row["label"]):
            continue
        rows.append(row)

    def order(pair: tuple[int, dict[str, Any]]) -> tuple[float, int]:
        index, row = pair
        raw = row["position"]
        return (float(raw) if re.fullmatch(r"-?[0-9]{1,6}", raw) else index + 1, index)

    return [row for _, row in sorted(enumerate(rows), key=order)]


def _items_from_rows(rows: list[dict[str, str]]) -> tuple[list[NavItem], dict[int, str]]:
    """``NavItem``s for the rows, or the problems found (row number -> message)."""
    pages = {p.id: p for p in db.session.scalars(select(Post).where(Post.is_page.is_(True)))}
    topics = {t.id: t for t in db.session.scalars(select(Topic))}
    items, errors = [], {}
    for n, row in enumerate(rows):
        kind, _, raw_id = row["target"].partition(":")
        target_id = int(raw_id) if raw_id.isdigit() else None
        label = row["label"][:80]
        if kind == "page" and target_id in pages:
            items.append(NavItem(position=n, label=label, page_id=target_id))
        elif kind == "topic" and target_id in topics:
            items.append(NavItem(position=n, label=label, topic_id=target_id))
        elif kind == "link":
            if not LINK_RE.match(row["url"]) or len(row["url"]) > 500:
                errors[n] = (
                    f"“{row['url'] or '(empty)'}” is not an address: give a path on this "
                    "site such as /about, or a full http(s):// link."
                )
            elif not label:
                errors[n] = f"Give the link to {row['url']} a label."
            else:
                items.append(NavItem(position=n, label=label, url=row["url"]))
        else:
            errors[n] = "That page or topic no longer exists; choose another or remove the row."
    return items, errors


def _form(rows: list[dict[str, str]], errors: dict[int, str] | None = None, status: int = 200):
    pages = db.session.scalars(
        select(Post).where(Post.is_page.is_(True), Post.status != "trashed").order_by(Post.title)
    ).all()
    topics = db.session.scalars(select(Topic).order_by(Topic.position, Topic.name)).all()
    blank = {"target": "link", "label": "", "url": ""}
    return render_page(
        "editor/navigation.html",
        rows=[*rows, *([blank] * EXTRA_ROWS)],
        errors=errors or {},
        pages=pages,
        topics=topics,
    ), status


access.guard(bp, "pages", "Only owners and editors can change the navigation.")


@bp.route("/", methods=["GET", "POST"])
def edit():
    """The navigation form: one row per link; a Position number orders them."""
    if request.method == "GET":
        return _form(_rows_from_items())
    rows = _rows_from_form(request.form)
    items, errors = _items_from_rows(rows)
    if errors:
        return _form(rows, errors, status=400)
    try:
        db.session.execute(delete(NavItem))
        db.session.add_all(items)
        commit_content_change()
    except SQLAlchemyError:
        db.session.rollback()
        return _form(rows, {-1: "The navigation could not be saved; nothing changed."}, 500)
    flash("Navigation saved: readers see it on every page now.", "saved")
    return redirect(url_for(".edit"), code=303)


def init_app(app: Flask) -> None:
    @app.context_processor
    def navigation():
        return {"header_links": header_links}
