"""The editor's post form: raw values in and out, and their translation to ``PostData``.

The form is kept as a dict of strings (``FormValues``) so that whatever the author typed,
valid or not, can be put back into the page after an error: nothing typed is lost.
Publish dates are UTC and use the ``datetime-local`` format (``2026-03-10T09:00``,
seconds optional).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pressmark.content.models import DRAFT, PUBLISHED, TRASHED, Post, Revision, Topic, utcnow
from pressmark.content.revisions import Snapshot, normalise_newlines, of_post, of_revision
from pressmark.content.store import PostData, ValidationError
from pressmark.extensions import db
from pressmark.web.public import positive_int
from sqlalchemy import select

FormValues = dict[str, Any]
TEXT_FIELDS = ("title", "slug", "summary", "topic", "tags", "published_at", "body")

# The buttons of the post form (name="action").
SAVE, PUBLISH, UNPUBLISH, TRASH, PREVIEW, UPLOAD = (
    "save", "publish", "unpublish", "trash", "preview", "upload",
)
ACTIONS = (SAVE, PUBLISH, UNPUBLISH, TRASH, PREVIEW, UPLOAD)


def format_datetime_local(value: datetime | None) -> str:
    """A stored UTC time as a ``datetime-local`` value (seconds only when there are any)."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%dT%H:%M:%S" if value.second else "%Y-%m-%dT%H:%M")


def parse_datetime_local(raw: str) -> datetime | None:
    """``2026-03-10T09:00`` (or with seconds, or a space) -> naive UTC; "" -> None.

    Raises ``ValueError`` for anything else.
    """
    raw = (raw or "").strip()
    if not raw:
        return None
    value = datetime.fromisoformat(raw.replace(" ", "T"))
    if value.tzinfo is not None:
        raise ValueError("no time zone")
    if not 1900 <= value.year <= 9999:
        raise ValueError("year out of range")
    return value.replace(microsecond=0)


def values_from_snapshot(snapshot: Snapshot) -> FormValues:
    """The form's fields from a post or revision snapshot (``pressmark.content.revisions``)."""
    values = {name: snapshot[name] for name in (*TEXT_FIELDS, "featured")}
    values["published_at"] = format_datetime_local(snapshot["published_at"])
    return values


def values_from_post(post: Post | None) -> FormValues:
    if post is None:
        return {name: "" for name in TEXT_FIELDS} | {"featured": False}
    return values_from_snapshot(of_post(post))


def values_from_revision(revision: Revision) -> FormValues:
    return values_from_snapshot(of_revision(revision))


def values_from_form(form: Mapping[str, Any]) -> FormValues:
    """The submitted fields, as typed (JSON booleans and form checkboxes both accepted)."""
    values: FormValues = {name: str(form.get(name) or "") for name in TEXT_FIELDS}
    values["body"] = normalise_newlines(values["body"])
    featured = form.get("featured")
    values["featured"] = featured not in (None, "", False, "false", "0", "off")
    return values


def split_tags(raw: str) -> list[str]:
    return [t.strip() for t in (raw or "").split(",") if t.strip()]


def target_status(action: str, post: Post | None) -> str:
    """The status a post form button leads to."""
    if action == PUBLISH:
        return PUBLISHED
    if action == UNPUBLISH:
        return DRAFT
    if action == TRASH:
        return TRASHED
    return post.status if post is not None else DRAFT


def data_from_values(values: FormValues, *, status: str, post: Post | None) -> PostData:
    """``PostData`` for ``save_post``; raises ``ValidationError`` for a bad date or topic.

    Publishing with an empty date publishes now. A date left as loaded keeps the stored
    time to the microsecond, so re-saving never moves a post in the listings.
    """
    errors: dict[str, str] = {}
    try:
        published_at = parse_datetime_local(values["published_at"])
    except ValueError:
        published_at = None
        errors["published_at"] = (
            f"“{values['published_at'].strip()}” is not a date and time: give it as "
            "YYYY-MM-DD HH:MM (UTC), or leave it empty."
        )
    if post is not None and post.published_at and published_at == post.published_at.replace(
        microsecond=0
    ):
        published_at = post.published_at
    if status == PUBLISHED and published_at is None:
        published_at = utcnow().replace(microsecond=0)
    topic = values["topic"].strip() or None
    if topic and db.session.scalar(select(Topic.id).where(Topic.slug == topic)) is None:
        errors["topic"] = "Choose a topic from the list."
    if errors:
        raise ValidationError(errors)
    return PostData(
        title=values["title"],
        body=values["body"],
        slug=values["slug"],
        summary=values["summary"],
        topic=topic,
        tags=split_tags(values["tags"]),
        featured=bool(values["featured"]),
        status=status,
        published_at=published_at,
    )


def autosave_data(values: FormValues, post: Post) -> PostData:
    """Lenient ``PostData`` for an autosave: a date that does not parse is just left out."""
    try:
        published_at = parse_datetime_local(values["published_at"])
    except ValueError:
        published_at = post.published_at
    return PostData(
        title=values["title"],
        body=values["body"],
        slug=values["slug"],
        summary=values["summary"],
        topic=values["topic"].strip() or None,
        tags=split_tags(values["tags"]),
        featured=bool(values["featured"]),
        status=post.status,
        published_at=published_at,
    )


def parse_version(raw: Any) -> int | None:
    """The hidden ``version`` field as an int, or None when missing or not a number."""
    return positive_int(str(raw or "").strip(), maximum=2**31 - 1)
