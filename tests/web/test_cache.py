"""The page cache in front of Flask: hits, keys, bounds, generations, scheduled posts.

Transport-level behaviour (encodings on the wire, Host refusals, several processes) is
tested through the real server in ``tests/web/test_cache_server.py``.
"""

import gzip
import time
from datetime import timedelta

import brotli
from pressmark.content.models import Post, SiteState, utcnow
from pressmark.content.store import PostData, save_post
from pressmark.extensions import db
from pressmark.web.cache import page_layer

from tests.conftest import AuthActions, make_test_app


def publish(app, title, **fields):
    with app.app_context():
        return save_post(PostData(title=title, body="word " * 300, status="published",
                                  **fields)).id


def store(app):
    return page_layer(app).store


def test_second_request_is_answered_from_the_cache(app, client):
    publish(app, "Cached")
    client.get("/posts")
    with app.app_context():  # change the row behind the cache's back (no generation bump)
        db.session.scalar(db.select(Post)).title = "Changed directly"
        db.session.commit()
    assert "Cached" in client.get("/posts").get_data(as_text=True)


def test_a_save_bumps_the_generation_in_its_transaction_and_clears_pages(app, client):
    publish(app, "First")
    client.get("/posts")
    with app.app_context():
        before = db.session.get(SiteState, 1).content_generation
    publish(app, "Second")
    with app.app_context():
        assert db.session.get(SiteState, 1).content_generation == before + 1
    assert "Second" in client.get("/posts").get_data(as_text=True)


def test_a_change_in_another_process_shows_after_the_check_interval(tmp_path):
    database = tmp_path / "shared.sqlite"
    reader = make_test_app(tmp_path, database=database, CACHE_CHECK_SECONDS=0.2)
    writer = make_test_app(tmp_path, database=database)
    with writer.app_context():
        db.create_all()
    publish(writer, "Before")
    client = reader.test_client()
    assert "Before" in client.get("/posts").get_data(as_text=True)
    publish(writer, "After")  # another app: this process's cache is not told directly
    time.sleep(0.3)
    assert "After" in client.get("/posts").get_data(as_text=True)


def test_a_scheduled_post_goes_live_on_time_without_a_save(tmp_path):
    app = make_test_app(tmp_path, CACHE_CHECK_SECONDS=0.1)
    with app.app_context():
        db.create_all()
    publish(app, "Soon", published_at=utcnow() + timedelta(seconds=1))
    client = app.test_client()
    response = client.get("/posts")
    assert "Soon" not in response.get_data(as_text=True)
    # No cache keeps the page past the publication time.
    assert int(response.headers["Cache-Control"].split("max-age=")[1].split(",")[0]) <= 1
    time.sleep(1.2)
    assert "Soon" in client.get("/posts").get_data(as_text=True)
    assert client.get("/posts/soon").status_code == 200


def test_made_up_query_strings_are_served_but_not_stored(app, client):
    publish(app, "Feed me")
    client.get("/feed.xml")
    kept = len(store(app))
    for n in range(50):
        response = client.get(f"/feed.xml?cb={n}")
        assert response.status_code == 200 and b"Feed me" in response.data
    assert len(store(app)) == kept
    # The parameters a page reads are keys: page 2 is its own entry.
    for n in range(12):
        publish(app, f"Post {n}")
    assert client.get("/posts/page/2/").status_code == 200
    assert any("/posts/page/2/" in key for key in store(app)._entries)


def test_the_cache_is_bounded_by_bytes(tmp_path):
    app = make_test_app(tmp_path, CACHE_MAX_BYTES=200_000)
    with app.app_context():
        db.create_all()
    for n in range(30):
        publish(app, f"Long post {n}")
    client = app.test_client()
    for n in range(30):
        assert client.get(f"/posts/long-post-{n}").status_code == 200
    assert store(app).bytes <= 200_000
    assert 0 < len(store(app)) < 30


def test_bodies_are_stored_compressed_and_chosen_by_accept_encoding(app, client):
    publish(app, "Squeeze")
    plain = client.get("/posts/squeeze").data
    zipped = client.get("/posts/squeeze", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(zipped.data) == plain
    best = client.get("/posts/squeeze", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert best.headers["Content-Encoding"] == "br"
    assert brotli.decompress(best.data) == plain
    refused = client.get("/posts/squeeze", headers={"Accept-Encoding": "br;q=0, gzip;q=0"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain
    assert len({plain, zipped.data, best.data}) == 3
    assert len({r.headers["ETag"] for r in (zipped, best, refused)}) == 3


def test_conditional_requests_get_304_from_the_cache(app, client):
    publish(app, "Conditional")
    first = client.get("/posts/conditional", headers={"Accept-Encoding": "gzip"})
    again = client.get("/posts/conditional", headers={
        "Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    since = client.get("/posts/conditional", headers={
        "If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    other = client.get("/posts/conditional", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_head_is_answered_with_the_pages_headers(app, client):
    publish(app, "Heads")
    response = client.head("/posts/heads")
    assert response.status_code == 200 and response.data == b""
    assert int(response.headers["Content-Length"]) == len(client.get("/posts/heads").data)


def test_public_pages_are_the_same_for_signed_in_authors(app, client):
    publish(app, "Public")
    anonymous = client.get("/posts/public")
    AuthActions(app, client).login()
    signed_in = client.get("/posts/public")
    assert signed_in.data == anonymous.data
    assert "Cookie" not in signed_in.headers.get("Vary", "")
    # The Editor link is in every page, hidden; a script shows it to the author.
    assert b'<li id="editor-link" hidden><a href="/editor/">Editor</a></li>' in signed_in.data
    flag = client.get_cookie("pressmark_author")
    assert flag.value == "1" and not flag.http_only


def test_signing_out_removes_the_author_flag(app, client):
    auth = AuthActions(app, client)
    auth.login()
    assert client.get_cookie("pressmark_author") is not None
    auth.logout()
    assert client.get_cookie("pressmark_author") is None


def test_not_found_pages_are_not_cached(app, client):
    assert client.get("/posts/missing").status_code == 404
    assert not any("missing" in key for key in store(app)._entries)


def test_a_response_that_sets_a_cookie_is_not_cached(app, client):
    auth = AuthActions(app, client)
    auth.login(remember=True)
    # A different browser fingerprint: strong session protection ends the session,
    # and the response clears the cookies; it must not be shared with other readers.
    response = client.get("/editor/", headers={"User-Agent": "another browser"})
    assert "Set-Cookie" in response.headers
    assert not any("editor" in key for key in store(app)._entries)


def test_cache_control_follows_the_config(tmp_path):
    app = make_test_app(tmp_path, CACHE_MAX_AGE=30, CACHE_S_MAXAGE=600,
                        CACHE_STALE_WHILE_REVALIDATE=86400)
    with app.app_context():
        db.create_all()
    publish(app, "Edge")
    rules = app.test_client().get("/posts/edge").headers["Cache-Control"]
    assert rules == "public, max-age=30, s-maxage=600, stale-while-revalidate=86400"


def test_the_home_pages_count_is_kept_per_generation_and_follows_saves(tmp_path):
    app = make_test_app(tmp_path, CACHE_MAX_BYTES=0)  # every request renders
    with app.app_context():
        db.create_all()
    for n in range(25):
        publish(app, f"Note {n}")
    client = app.test_client()
    first = client.get("/").get_data(as_text=True)
    assert "5 more posts" in first and "5 more posts" in client.get("/").get_data(as_text=True)
    publish(app, "One more")
    assert "6 more posts" in client.get("/").get_data(as_text=True)


def test_a_value_computed_while_the_generation_moves_is_not_kept_for_the_new_one(app):
    """A count computed from the old content must not be served after the change, and a
    thread reading the memo while another starts the new generation's must not fail."""
    from pressmark.web.cache import per_generation

    with app.test_request_context("/"):
        store(app).advance(5)

        def old_count():
            store(app).advance(6)  # a change lands while this value is computed
            assert per_generation("other", lambda: "new other") == "new other"
            return "old"

        assert per_generation("count", old_count) == "old"  # the caller still gets it
        assert per_generation("count", lambda: "new") == "new"  # but it was not kept
