"""``content/`` announces committed changes through ``events.content_changed``; the page
cache listens to it, per app, rather than being reached into by the store."""

from __future__ import annotations

from pressmark.content.events import content_changed
from pressmark.content.postdata import PostData
from pressmark.content.store import save_post

from tests.conftest import make_test_app


def test_a_save_announces_the_change_to_its_own_app_only(app, tmp_path):
    (tmp_path / "other").mkdir()
    other = make_test_app(tmp_path / "other")
    heard: list[object] = []

    def mine(sender):
        heard.append(("mine", sender))

    def theirs(sender):
        heard.append(("theirs", sender))

    content_changed.connect(mine, sender=app)
    content_changed.connect(theirs, sender=other)
    try:
        with app.app_context():
            save_post(PostData(title="Heard", body="Words."))
    finally:
        content_changed.disconnect(mine)
        content_changed.disconnect(theirs)
    assert heard == [("mine", app)]


def test_the_page_cache_serves_the_change_at_once_through_the_event(app, client):
    with app.app_context():
        post = save_post(PostData(title="First", body="One.", status="published"))
        post_id = post.id
    assert "First" in client.get("/").get_data(as_text=True)
    with app.app_context():
        from pressmark.content.models import Post
        from pressmark.content.postdata import data_from_post
        from pressmark.extensions import db

        post = db.session.get(Post, post_id)
        data = data_from_post(post)
        data.title = "Renamed"
        save_post(data, post)
    assert "Renamed" in client.get("/").get_data(as_text=True)
