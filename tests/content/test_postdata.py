"""A post's fields, listed once (pressmark.content.postdata): every copy follows the list."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest
from pressmark.content import postdata
from pressmark.content.models import PUBLISHED, Image, Post, Revision, User
from pressmark.content.postdata import FIELDS, PostData, of_data, of_post, of_revision
from pressmark.content.store import save_post
from pressmark.extensions import db
from pressmark.migrate.api import post_data_from_file, post_to_file
from pressmark.web.editor.forms import data_from_values, values_from_post
from sqlalchemy import inspect, select

# Revision columns that describe the revision itself rather than a field of the post.
REVISION_BOOKKEEPING = {"id", "post_id", "user_id", "created_at", "kind", "version"}
# Columns of migration 0002 that no field fills yet (the editor does not edit bylines and
# series yet). Declaring their fields in postdata.PostData must empty this set.
UNDECLARED: set[str] = set()


COVER = "/uploads/" + "c" * 64 + ".jpg"


@pytest.fixture
def post(app):
    with app.app_context():
        # A cover must be an image on record (the file itself is not needed here).
        db.session.add(Image(name=COVER.removeprefix("/uploads/"), width=800, height=600))
        db.session.commit()
        data = PostData(
            cover_image=COVER,
            cover_alt="A rack of GPUs",
            title="Every field",
            slug="every-field",
            summary="All of them.",
            topic="notes",
            tags=["gpu", "kv-cache"],
            featured=True,
            status=PUBLISHED,
            published_at=datetime(2026, 3, 10, 9, 0, 7),
            body="Line one.\n\nLine two.",
            authors=["ada"],
            series="Serving LLMs",
            series_position=2,
        )
        db.session.add(User(username="ada", display_name="Ada", password_hash="x"))
        yield save_post(data)


def test_every_field_is_declared_once_with_a_label():
    names = [f.name for f in FIELDS]
    assert len(names) == len(set(names))
    assert all(f.label for f in FIELDS)
    declared = {spec.name for spec in dataclasses.fields(PostData)}
    assert set(names) <= declared


def test_every_revision_column_is_written_from_the_fields(app, post):
    """A column added to Revision without a field here would never be written."""
    columns = {c.key for c in inspect(Revision).column_attrs} - REVISION_BOOKKEEPING
    assert not UNDECLARED & {f.name for f in FIELDS}, "remove declared fields from UNDECLARED"
    columns -= UNDECLARED
    with app.app_context():
        revision = Revision()
        postdata.write_revision(revision, postdata.data_from_post(db.session.get(Post, post.id)))
        assert {key for key in columns if getattr(revision, key) in (None, "", False)} == set()


def test_a_saved_post_its_revision_and_its_data_agree(app, post):
    with app.app_context():
        post = db.session.get(Post, post.id)
        revision = db.session.scalar(select(Revision).where(Revision.post_id == post.id))
        assert of_revision(revision) == of_post(post)
        assert of_data(postdata.data_from_post(post)) == of_post(post)
        assert of_post(post)["tags"] == "gpu, kv-cache"
        assert of_post(post)["topic"] == "notes"


def test_front_matter_round_trips_every_field(app, post):
    with app.app_context():
        post = db.session.get(Post, post.id)
        assert of_data(post_data_from_file(post_to_file(post))) == of_post(post)


def test_the_editor_form_round_trips_every_field(app, post):
    with app.app_context():
        post = db.session.get(Post, post.id)
        values = values_from_post(post)
        assert set(values) == {f.name for f in FIELDS if f.in_form}
        data = data_from_values(values, status=post.status, post=post)
        assert of_data(data) == of_post(post)
        # Unchanged, the date keeps its stored value exactly.
        assert data.published_at == post.published_at
