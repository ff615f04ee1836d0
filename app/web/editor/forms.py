"""The editor's post form: raw values in and out, and their translation to ``PostData``.

The form is kept as a dict of strings (``FormValues``) so that whatever the author typed,
valid or not, can be put back into the page after an error: nothing typed is lost.
Publish dates are UTC and use the ``datetime-local`` format (``2026-03-10T09:00``,
seconds optional).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pressmark.content.models import DRAFT, PUBLISHED, TRASHED, Post, Revision, Topic, utcnow
from pressmark.content.postdata import (
    FORM_FIELDS,
    PostData,
    Snapshot,
    of_post,
    of_revision,
)
from pressmark.content.store import ValidationError
from pressmark.extensions import db
from pressmark.web.urls import positive_int
from sqlalchemy import select

FormValues = dict[str, Any]

# The buttons of the post form (name="action").
SAVE, PUBLISH, UNPUBLISH, TRASH, PREVIEW, UPLOAD = (
    "save", "publish", "unpublish", "trash", "preview", "upload",
)
ACTIONS = (SAVE, PUBLISH, UNPUBLISH, TRASH, PREVIEW, UPLOAD)


def values_from_snapshot(snapshot: Snapshot) -> FormValues:
    """The form's fields from a post or revision snapshot (``pressmark.content.postdata``)."""
    return {f.name: f.form_value(snapshot[f.name]) for f in FORM_FIELDS}


def values_from_post(post: Post | None) -> FormValues:
    if post is None:
        return {f.name: f.form_value(f.normal(None)) for f in FORM_FIELDS}
    return values_from_snapshot(of_post(post))


def values_from_revision(revision: Revision) -> FormValues:
    return values_from_snapshot(of_revision(revision))


def values_from_form(form: Mapping[str, Any], kept: FormValues | None = None) -> FormValues:
    """The submitted fields, as typed (JSON booleans and form checkboxes both accepted).

    With ``kept`` (the post's own values), a field the submission leaves out keeps its
    value there instead of becoming empty: an autosave from a script that does not know a
    field must not store the field blank in the revision (restoring it would erase it).
    An unchecked checkbox sends nothing, so a checkbox left out is still "no".
    """
    return {
        f.name: f.from_request(form.get(f.name))
        if kept is None or f.name in form or f.absent_is_empty
        else kept[f.name]
        for f in FORM_FIELDS
    }


def target_status(action: str, post: Post | None) -> str:
    """The status a post form button leads to."""
    if action == PUBLISH:
        return PUBLISHED
    if action == UNPUBLISH:
        return DRAFT
    if action == TRASH:
        return TRASHED
    return post.status if post is not None else DRAFT


def data_from_values(
    values: FormValues, *, status: str, post: Post | None, is_page: bool = False
) -> PostData:
    """``PostData`` for ``save_post``; raises ``ValidationError`` for a bad date or topic.

    Publishing with an empty date publishes now. A date left as loaded keeps the stored
    time to the microsecond, so re-saving never moves a post in the listings.
    """
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {}
    for f in FORM_FIELDS:
        try:
            fields[f.name] = f.from_form(values[f.name])
        except ValueError:
            fields[f.name] = None
            errors[f.name] = f.form_error(values[f.name])
    published_at = fields["published_at"]
    if post is not None and post.published_at and published_at == post.published_at.replace(
        microsecond=0
    ):
        fields["published_at"] = post.published_at
    if status == PUBLISHED and published_at is None:
        fields["published_at"] = utcnow().replace(microsecond=0)
    topic = fields["topic"]
    if topic and db.session.scalar(select(Topic.id).where(Topic.slug == topic)) is None:
        errors["topic"] = "Choose a topic from the list."
    if errors:
        raise ValidationError(errors)
    return PostData(**fields, status=status, is_page=is_page)


def autosave_data(values: FormValues, post: Post) -> PostData:
    """Lenient ``PostData`` for an autosave: a value that does not parse keeps the post's."""
    fields: dict[str, Any] = {}
    for f in FORM_FIELDS:
        try:
            fields[f.name] = f.from_form(values[f.name])
        except ValueError:
            fields[f.name] = f.read_post(post)
    return PostData(**fields, status=post.status)


def parse_version(raw: Any) -> int | None:
    """The hidden ``version`` field as an int, or None when missing or not a number."""
    return positive_int(str(raw or "").strip(), maximum=2**31 - 1)
