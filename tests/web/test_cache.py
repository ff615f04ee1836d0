"""The in-process page cache: hits, invalidation, scheduled posts, signed-in authors."""

from datetime import timedelta

from pressmark.content.models import Post, utcnow
from pressmark.content.store import PostData, save_post
from pressmark.extensions import db
from pressmark.web.cache import cache_key, page_cache

from tests.conftest import AuthActions


def cached(app, path):
    with app.test_request_context(path):
        return page_cache(app).get(cache_key())


def publish(app, title, **fields):
    with app.app_context():
        return save_post(PostData(title=title, body="x", status="published", **fields)).id


def test_second_request_is_served_from_the_cache(app, client):
    publish(app, "Cached")
    client.get("/posts")
    with app.app_context():  # change the row behind the cache's back
        post = db.session.scalar(db.select(Post))
        post.title = "Changed directly"
        db.session.commit()
    assert "Cached" in client.get("/posts").get_data(as_text=True)
    page_cache(app).clear()
    assert "Changed directly" in client.get("/posts").get_data(as_text=True)


def test_entries_expire_when_the_next_scheduled_post_is_due(app, client):
    publish(app, "Soon", published_at=utcnow() + timedelta(seconds=30))
    client.get("/posts")
    entry = cached(app, "/posts")
    assert entry is not None
    import time

    assert entry.expires - time.monotonic() <= 31


def test_signed_in_authors_never_get_cached_pages(app, client):
    publish(app, "Public")
    AuthActions(app, client).login()
    response = client.get("/posts")
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert cached(app, "/posts") is None


def test_not_found_pages_are_not_cached(app, client):
    assert client.get("/posts/missing").status_code == 404
    assert cached(app, "/posts/missing") is None


def test_a_cache_hit_does_not_extend_the_entry(app, client):
    publish(app, "Cached")
    client.get("/posts")
    first = cached(app, "/posts").expires
    client.get("/posts")
    assert cached(app, "/posts").expires == first


def test_a_response_that_sets_a_cookie_is_not_cached(app, client):
    auth = AuthActions(app, client)
    auth.login(remember=True)
    # A different browser fingerprint: strong session protection ends the session,
    # and the response clears the cookies; it must not be shared with other readers.
    response = client.get("/archive", headers={"User-Agent": "another browser"})
    assert "Set-Cookie" in response.headers
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert cached(app, "/archive") is None
