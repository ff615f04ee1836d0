"""Model behaviour: slugs, reading time, visibility, tag order."""

from datetime import timedelta

import pytest
from pressmark.content.models import Post, Tag, slugify, tag_slug, utcnow
from pressmark.content.store import PostData, save_post
from pressmark.extensions import db
from sqlalchemy import select


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("KV Caching: The Memory", "kv-caching-the-memory"),
        ("  Ünïcode & symbols!! ", "unicode-symbols"),
        ("Go 1.18 generics", "go-1-18-generics"),
        ("---", ""),
        ("Привет, мир", "privet-mir"),
        ("机器学习", "ji-qi-xue-xi"),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug


def test_reading_time_is_at_least_one_minute(app):
    with app.app_context():
        short = save_post(PostData(title="Short", body="one two"))
        long = save_post(PostData(title="Long", body="word " * 1000))
        assert short.reading_minutes == 1
        assert long.reading_minutes == 5  # 1000 words at 230 per minute, rounded up


def test_visible_selects_only_published_posts_whose_time_has_come(app):
    now = utcnow()
    with app.app_context():
        save_post(PostData(title="Draft", body="x"))
        save_post(PostData(title="Past", body="x", status="published",
                           published_at=now - timedelta(days=1)))
        save_post(PostData(title="Future", body="x", status="published",
                           published_at=now + timedelta(days=1)))
        save_post(PostData(title="Binned", body="x", status="trashed"))
        titles = [p.title for p in db.session.scalars(Post.visible())]
        assert titles == ["Past"]
        future = db.session.scalar(select(Post).where(Post.title == "Future"))
        assert future.is_scheduled and not future.is_visible


def test_tags_keep_the_authors_order(app):
    with app.app_context():
        save_post(PostData(title="First", body="x", tags=["zeta", "alpha"]))
        post = save_post(PostData(title="Second", body="x", tags=["alpha", "Zeta", "alpha"]))
        assert [t.name for t in post.tags] == ["alpha", "zeta"]
        first = db.session.scalar(select(Post).where(Post.title == "First"))
        assert first.tag_word == "zeta"


@pytest.mark.parametrize(
    ("name", "slug"),
    [("C++", "c-plus-plus"), ("C#", "c-sharp"), ("C", "c"), ("パイソン", "haison"),
     ("Machine Learning", "machine-learning"), ("AT&T", "at-and-t")],
)
def test_tag_slugs_spell_out_symbols_and_transliterate(name, slug):
    assert tag_slug(name) == slug


def test_an_emoji_tag_still_gets_a_stable_slug():
    assert tag_slug("🙂") == tag_slug("🙂")
    assert tag_slug("🙂").startswith("tag-")


def test_tags_keep_their_display_names_and_stay_distinct(app):
    with app.app_context():
        post = save_post(PostData(title="Langs", body="x", tags=["C++", "C#", "C", "パイソン"]))
        assert [(t.name, t.slug) for t in post.tags] == [
            ("C++", "c-plus-plus"), ("C#", "c-sharp"), ("C", "c"), ("パイソン", "haison")]
        other = save_post(PostData(title="Other", body="x", tags=["c++", "Python ", "python"]))
        # One tag per slug: "c++" is the existing "C++", "python" the "Python" just given.
        assert [(t.name, t.slug) for t in other.tags] == [
            ("C++", "c-plus-plus"), ("Python", "python")]
        assert db.session.query(Tag).count() == 5
