"""The save service (app/content.py): revisions, versions, aliases, transactions, events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from pressmark import hookimpl
from pressmark.content.models import (
    DRAFT,
    PUBLISHED,
    TRASHED,
    Alias,
    Post,
    Revision,
    Tag,
    User,
    utcnow,
)
from pressmark.content.store import (
    PostData,
    StaleSaveError,
    ValidationError,
    autosave,
    delete_post,
    pending_autosave,
    restore_from_trash,
    restore_revision,
    save_post,
    set_status,
)
from pressmark.extensions import db
from pressmark.plugin_system.manager import recent_failures
from pressmark.state import app_state
from sqlalchemy import func, select, text


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def published(title: str, **fields) -> Post:
    fields.setdefault("published_at", utcnow() - timedelta(hours=1))
    return save_post(PostData(title=title, body=fields.pop("body", "x"), status=PUBLISHED,
                              **fields))


def test_every_save_keeps_a_full_revision(ctx):
    user = User(username="ada", password_hash="x")
    db.session.add(user)
    db.session.commit()
    post = save_post(PostData(title="One", body="a\r\nb", tags=["GPU", "kv cache"],
                              topic="notes", summary=" s "), user=user)
    post = save_post(PostData(title="Two", body="c", topic="notes"), post, user=user)
    first, second = post.revisions
    assert (first.kind, first.version, first.title, first.body) == ("save", 1, "One", "a\nb")
    assert (first.tags, first.topic_slug, first.summary, first.user_id) == (
        "GPU,kv cache", "notes", "s", user.id)
    assert (second.version, second.title, second.tags) == (2, "Two", "")
    assert post.version == 2


def test_tags_keep_the_authors_order(ctx):
    post = save_post(PostData(title="Tags", tags=["zeta", "alpha", "mid"]))
    db.session.expire_all()
    assert [t.name for t in db.session.get(Post, post.id).tags] == ["zeta", "alpha", "mid"]


def test_a_stale_version_is_refused_and_nothing_changes(ctx):
    post = save_post(PostData(title="V1", body="one"))
    save_post(PostData(title="V2", body="two"), post, loaded_version=1)
    with pytest.raises(StaleSaveError) as caught:
        save_post(PostData(title="Late", body="late"), post, loaded_version=1)
    assert caught.value.post.version == 2
    db.session.expire_all()
    assert (post.title, post.version, len(post.revisions)) == ("V2", 2, 2)


def test_a_save_racing_another_process_is_refused_by_the_guarded_update(ctx):
    """Another connection saves between our read and our write: the version guard in the
    UPDATE catches it even though our in-memory version check passed."""
    post = save_post(PostData(title="Raced", body="mine"))
    assert post.version == 1  # read now: the race happens after this read
    with db.engine.connect() as other:
        other.execute(text("UPDATE posts SET version = 2, body = 'theirs' WHERE id = :id"),
                      {"id": post.id})
        other.commit()
    with pytest.raises(StaleSaveError):
        save_post(PostData(title="Raced", body="mine, edited"), post, loaded_version=1)
    db.session.expire_all()
    assert (post.body, post.version, len(post.revisions)) == ("theirs", 2, 1)


def test_validation_errors_name_every_field(ctx):
    save_post(PostData(title="Taken", slug="taken"))
    with pytest.raises(ValidationError) as caught:
        save_post(PostData(title=" ", slug="taken", status="bogus", topic="Not A Slug"))
    assert set(caught.value.errors) == {"title", "slug", "status", "topic"}
    assert count(Post) == 1


def test_a_failure_half_way_rolls_back_the_post_and_its_revisions(ctx):
    post = save_post(PostData(title="Atomic", body="before"))
    other = published("Other")
    db.session.add(Alias(path="/old/path", post=other))
    db.session.commit()
    # The alias clash is found after the post's fields were already changed in the session.
    with pytest.raises(ValidationError):
        save_post(PostData(title="Changed", body="after", aliases=["/old/path"]), post)
    db.session.expire_all()
    assert (post.title, post.body, post.version) == ("Atomic", "before", 1)
    assert count(Revision) == 2 and count(Tag) == 0


def test_a_database_error_rolls_back_everything(ctx):
    post = save_post(PostData(title="Atomic", body="before", tags=["keep"]))
    db.session.execute(text(
        "CREATE TRIGGER no_revisions BEFORE INSERT ON revisions "
        "BEGIN SELECT RAISE(ABORT, 'no'); END"
    ))
    db.session.commit()
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        save_post(PostData(title="After", body="after", tags=["new-tag"]), post)
    db.session.expire_all()
    assert (post.title, post.body, [t.name for t in post.tags]) == ("Atomic", "before", ["keep"])
    assert count(Revision) == 1 and count(Tag) == 1


class Recorder:
    def __init__(self):
        self.events = []

    @hookimpl
    def post_updated(self, post):
        self.events.append(("updated", post.slug, post.version))

    @hookimpl
    def post_published(self, post):
        self.events.append(("published", post.slug, post.version))

    @hookimpl
    def post_deleted(self, post):
        self.events.append(("deleted", post.slug, post.version))


class Exploding:
    @hookimpl
    def post_updated(self, post):
        raise RuntimeError("boom")


def test_events_fire_in_order_and_a_failing_plugin_is_isolated(ctx):
    recorder = Recorder()
    app_state(ctx).pm.register(recorder, name="recorder")
    app_state(ctx).pm.register(Exploding(), name="exploding")
    post = save_post(PostData(title="Evented"))
    post = set_status(post, PUBLISHED)
    post = set_status(post, DRAFT)
    delete_post(post)
    assert recorder.events == [
        ("updated", "evented", 1),
        ("updated", "evented", 2),
        ("published", "evented", 2),
        ("updated", "evented", 3),
        ("deleted", "evented", 3),
    ]
    assert [f["plugin"] for f in recent_failures(ctx)] == ["exploding"] * 3


def test_renaming_a_published_post_keeps_an_alias_and_renaming_back_drops_it(ctx):
    post = published("Renamed", slug="first")
    post = save_post(PostData(title="Renamed", slug="second", status=PUBLISHED,
                              published_at=post.published_at), post)
    assert [a.path for a in post.aliases] == ["/posts/first"]
    post = save_post(PostData(title="Renamed", slug="first", status=PUBLISHED,
                              published_at=post.published_at), post)
    db.session.expire_all()
    assert [a.path for a in post.aliases] == ["/posts/second"]


def test_a_draft_rename_adds_no_alias(ctx):
    post = save_post(PostData(title="Draft", slug="one"))
    post = save_post(PostData(title="Draft", slug="two"), post)
    assert post.aliases == []


def test_trash_and_restore_return_to_the_previous_status(ctx):
    post = published("Binned")
    when = post.published_at
    post = set_status(post, TRASHED)
    assert (post.status, post.status_before_trash) == (TRASHED, PUBLISHED)
    post = restore_from_trash(post)
    assert (post.status, post.published_at) == (PUBLISHED, when)
    assert [r.status for r in post.revisions] == [PUBLISHED, TRASHED, PUBLISHED]


def test_restoring_a_revision_saves_its_words_but_keeps_the_status(ctx):
    post = save_post(PostData(title="Old title", body="old body", tags=["a"]))
    first = post.revisions[0]
    post = set_status(save_post(PostData(title="New title", body="new"), post), PUBLISHED)
    post = restore_revision(post, first)
    assert (post.title, post.body, [t.name for t in post.tags]) == ("Old title", "old body", ["a"])
    assert post.status == PUBLISHED
    assert post.revisions[-1].kind == "restore"
    assert len(post.revisions) == 4


def test_autosave_never_touches_the_post(ctx):
    post = published("Live", body="saved")
    updated_at = post.updated_at
    revision = autosave(post, PostData(title="Live", slug="live", body="saved and more"),
                        base_version=1)
    db.session.expire_all()
    assert (post.body, post.version, post.updated_at) == ("saved", 1, updated_at)
    assert (revision.kind, revision.version, revision.body) == ("autosave", 1, "saved and more")
    assert pending_autosave(post).id == revision.id
    # The same session's next autosave replaces it; identical text is not kept.
    again = autosave(post, PostData(title="Live", slug="live", body="saved and even more"),
                     base_version=1)
    assert again.id == revision.id and count(Revision) == 2
    assert autosave(post, PostData(title="Live", slug="live", body="saved"), base_version=1) is None
    # After a save, the autosave is history, not a pending recovery.
    save_post(PostData(title="Live", body="final", status=PUBLISHED,
                       published_at=post.published_at), post)
    assert pending_autosave(post) is None
    assert count(Revision) == 3


def test_deleting_a_post_removes_its_revisions_and_aliases(ctx):
    post = published("Doomed", slug="doomed")
    post = save_post(PostData(title="Doomed", slug="doomed-2", status=PUBLISHED,
                              published_at=post.published_at), post)
    delete_post(post)
    assert count(Post) == 0 and count(Revision) == 0 and count(Alias) == 0


def test_a_failed_delete_keeps_what_plugins_did_in_post_deleted_rolled_back(ctx):
    from pressmark.web.cache import forget_pages

    post = published("Kept in the index")
    # The search plugin drops the post's index row in post_deleted; then the delete fails.
    db.session.execute(text(
        "CREATE TRIGGER refuse_delete BEFORE DELETE ON posts "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
    ))
    db.session.commit()
    with pytest.raises(Exception, match="refused"):
        delete_post(post)
    db.session.execute(text("DROP TRIGGER refuse_delete"))
    db.session.commit()
    assert db.session.execute(text("SELECT rowid FROM search_index")).scalars().all() == [post.id]
    forget_pages(current_app)
    html = current_app.test_client().get("/search?q=index").get_data(as_text=True)
    assert '<a href="/posts/kept-in-the-index">' in html


def test_an_alias_cannot_take_another_posts_address(ctx):
    published("Owner")
    with pytest.raises(ValidationError) as caught:
        save_post(PostData(title="Thief", aliases=["/posts/owner"]))
    assert "is the address of “Owner”" in caught.value.errors["aliases"]
