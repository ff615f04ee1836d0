"""The Content API through the app: what each endpoint answers, visibility, pagination,
filters, fields and formats, and 400 problem documents that name the parameter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pressmark.content.models import DRAFT, PUBLISHED, Post, User, utcnow
from pressmark.content.postdata import PostData
from pressmark.content.store import save_post
from pressmark.extensions import db
from sqlalchemy import select

from tests.conftest import make_test_app, password_hash

NOW = utcnow().replace(microsecond=0)


def publish(title: str, days_ago: float, **fields) -> Post:
    when = NOW - timedelta(days=days_ago)
    return save_post(PostData(title=title, body=fields.pop("body", f"Body of {title}."),
                              status=fields.pop("status", PUBLISHED), published_at=when,
                              updated_at=min(when, NOW), **fields))


def fill(app) -> None:
    """Seven visible posts (one a two-part series, tags, a topic, an author), a page, a
    draft and a scheduled post."""
    with app.app_context():
        db.session.add(User(username="ada", display_name="Ada Lovelace",
                            password_hash=password_hash("x"), bio="Writes engines."))
        db.session.add(User(username="ghost", display_name="Nobody Published",
                            password_hash=password_hash("x")))
        db.session.commit()
        for n in range(1, 6):
            publish(f"Post {n}", days_ago=10 - n, tags=["gpu", "C++"] if n % 2 else ["gpu"],
                    topic="inference" if n <= 3 else None,
                    body=f"# Heading {n}\n\nSome **bold** text about batching {n}.")
        publish("Part one", 20, series="Serving", series_position=1, authors=["ada"])
        publish("Part two", 19, series="Serving", series_position=2, authors=["ada"])
        publish("About", 30, is_page=True, body="This is *about*.")
        publish("Draft secret", 1, status=DRAFT, tags=["hidden-tag"], authors=["ghost"])
        publish("Scheduled secret", -3, tags=["hidden-tag"], authors=["ghost"],
                series="Future series")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One site for the tests that only read."""
    app = make_test_app(tmp_path_factory.mktemp("api"))
    with app.app_context():
        db.create_all()
    fill(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(site):
    return site.test_client()


@pytest.fixture
def own_site(app):
    """A site of its own, for a test that changes content."""
    fill(app)
    return app


def get(client, url: str, status: int = 200):
    answer = client.get(url)
    assert answer.status_code == status, (url, answer.status_code, answer.data[:300])
    return answer.json


def test_posts_are_listed_newest_first_with_cursor_pages(site, client):
    first = get(client, "/api/v1/posts?limit=3")
    assert [p["title"] for p in first["data"]] == ["Post 5", "Post 4", "Post 3"]
    assert first["meta"] == {"limit": 3, "count": 3}
    seen = [p["slug"] for p in first["data"]]
    url = first["links"]["next"]
    while url:
        answer = client.get(url.replace("http://localhost", ""))
        assert answer.headers["Link"] == f'<{answer.json["links"]["next"]}>; rel="next"' \
            if answer.json["links"]["next"] else "Link" not in answer.headers
        seen += [p["slug"] for p in answer.json["data"]]
        url = answer.json["links"]["next"]
    with site.app_context():
        expected = db.session.scalars(Post.visible().with_only_columns(Post.slug)).all()
    assert seen == expected and len(seen) == 7  # every visible post once, none hidden


def test_a_post_has_its_metadata_and_canonical_urls(site, client):
    post = get(client, "/api/v1/posts/part-two")["data"]
    assert post["url"] == "http://localhost/posts/part-two"
    assert post["api_url"] == "http://localhost/api/v1/posts/part-two"
    assert post["series"]["slug"] == "serving" and post["series"]["part"] == 2
    assert [a["name"] for a in post["authors"]] == ["Ada Lovelace"]
    assert post["body"] == {"html": "<p>Body of Part two.</p>"}
    assert post["published_at"].endswith("Z")
    assert "username" not in str(post) and "ada\"" not in str(post)


def test_formats_give_html_markdown_and_text(site, client):
    post = get(client, "/api/v1/posts/post-2?formats=markdown,text,html")["data"]
    assert post["body"]["markdown"].startswith("# Heading 2")
    assert "<strong>bold</strong>" in post["body"]["html"]
    assert post["body"]["text"] == "Heading 2\n\nSome bold text about batching 2."
    listed = get(client, "/api/v1/posts?limit=1&formats=text&fields=slug")["data"][0]
    assert listed == {"slug": "post-5", "body": {"text": "Heading 5\n\nSome bold text about "
                                                         "batching 5."}}
    assert "body" not in get(client, "/api/v1/posts?limit=1")["data"][0]


def test_fields_choose_what_is_answered(site, client):
    data = get(client, "/api/v1/posts?fields=title,url&limit=2")["data"]
    assert data == [{"title": "Post 5", "url": "http://localhost/posts/post-5"},
                    {"title": "Post 4", "url": "http://localhost/posts/post-4"}]


@pytest.mark.parametrize("query, titles", [
    ("topic=inference", ["Post 3", "Post 2", "Post 1"]),
    ("tag=c-plus-plus", ["Post 5", "Post 3", "Post 1"]),
    ("author=ada-lovelace", ["Part two", "Part one"]),
    ("series=serving", ["Part two", "Part one"]),
    ("tag=hidden-tag", []),
    ("series=future-series", []),
    ("topic=no-such-topic", []),
    ("published_after={after}", ["Post 5", "Post 4"]),
    ("published_before={after}&tag=gpu", ["Post 3", "Post 2", "Post 1"]),
    ("updated_since={future}", []),
    ("topic=inference&tag=c-plus-plus", ["Post 3", "Post 1"]),
])
def test_filters_narrow_the_list_to_visible_posts(site, client, query, titles):
    after = (NOW - timedelta(days=6, hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
    future = (NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S%%2B02:00")
    url = "/api/v1/posts?fields=title&" + query.format(after=after, future=future)
    assert [p["title"] for p in get(client, url)["data"]] == titles


def test_updated_since_sees_a_post_saved_after_the_time(own_site):
    site, client = own_site, own_site.test_client()
    before_save = (utcnow() - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with site.app_context():
        post = db.session.scalar(select(Post).where(Post.slug == "post-1"))
        save_post(PostData(title="Post 1", slug="post-1", body="Changed.", status=PUBLISHED,
                           published_at=post.published_at), post)
    data = get(client, f"/api/v1/posts?fields=slug&updated_since={before_save}")["data"]
    assert data == [{"slug": "post-1"}]


def test_drafts_and_scheduled_posts_are_never_answered(site, client):
    for url in ("/api/v1/posts/draft-secret", "/api/v1/posts/scheduled-secret",
                "/api/v1/tags/hidden-tag", "/api/v1/authors/nobody-published",
                "/api/v1/series/future-series", "/api/v1/pages/draft-secret",
                "/api/v1/pages/post-1", "/api/v1/posts/about"):
        problem = get(client, url, 404)
        assert problem["status"] == 404
    everything = "".join(client.get(u).get_data(as_text=True) for u in (
        "/api/v1/posts?limit=100", "/api/v1/tags", "/api/v1/authors", "/api/v1/series",
        "/api/v1/pages", "/api/v1/search?q=secret"))
    for hidden in ("Draft secret", "draft-secret", "Scheduled secret", "scheduled-secret",
                   "hidden-tag", "future-series", "Nobody Published"):
        assert hidden not in everything


def test_pages_topics_tags_authors_and_series(site, client):
    assert [p["slug"] for p in get(client, "/api/v1/pages")["data"]] == ["about"]
    page = get(client, "/api/v1/pages/about")["data"]
    assert page["url"] == "http://localhost/about" and "<em>about</em>" in page["body"]["html"]
    assert [t["slug"] for t in get(client, "/api/v1/topics")["data"]] == ["inference"]
    tags = get(client, "/api/v1/tags")["data"]
    assert [(t["slug"], t["name"]) for t in tags] == [("c-plus-plus", "C++"), ("gpu", "gpu")]
    assert tags[0]["posts_url"] == "http://localhost/api/v1/posts?tag=c-plus-plus"
    assert [a["slug"] for a in get(client, "/api/v1/authors")["data"]] == ["ada-lovelace"]
    author = get(client, "/api/v1/authors/ada-lovelace")["data"]
    assert author["bio"] == "Writes engines." and author["name"] == "Ada Lovelace"
    series = get(client, "/api/v1/series/serving")["data"]
    assert [p["slug"] for p in series["parts"]] == ["part-one", "part-two"]
    assert [s["slug"] for s in get(client, "/api/v1/series")["data"]] == ["serving"]
    assert get(client, "/api/v1/topics/inference")["data"]["name"] == "Inference"


def test_taxonomy_lists_have_cursor_pages(site, client):
    first = get(client, "/api/v1/tags?limit=1")
    assert [t["slug"] for t in first["data"]] == ["c-plus-plus"]
    second = get(client, first["links"]["next"].replace("http://localhost", ""))
    assert [t["slug"] for t in second["data"]] == ["gpu"]
    assert second["links"]["next"] is None


def test_search_finds_visible_posts_only(site, client):
    found = get(client, "/api/v1/search?q=batching&limit=2&fields=slug")
    assert found["meta"]["total"] == 5 and len(found["data"]) == 2
    rest = get(client, found["links"]["next"].replace("http://localhost", ""))
    rest2 = get(client, rest["links"]["next"].replace("http://localhost", ""))
    slugs = [p["slug"] for p in found["data"] + rest["data"] + rest2["data"]]
    assert sorted(slugs) == [f"post-{n}" for n in range(1, 6)]
    assert rest2["links"]["next"] is None
    assert get(client, "/api/v1/search?q=secret")["data"] == []


def test_a_renamed_post_answers_301_to_its_new_api_url(own_site):
    site, client = own_site, own_site.test_client()
    with site.app_context():
        post = db.session.scalar(select(Post).where(Post.slug == "post-3"))
        save_post(PostData(title="Post 3", slug="post-three", body="x", status=PUBLISHED,
                           published_at=post.published_at), post)
    answer = client.get("/api/v1/posts/post-3?fields=slug")
    assert answer.status_code == 301
    assert answer.headers["Location"] == "/api/v1/posts/post-three?fields=slug"


@pytest.mark.parametrize("url, parameter", [
    ("/api/v1/posts?limit=0", "limit"),
    ("/api/v1/posts?limit=101", "limit"),
    ("/api/v1/posts?limit=ten", "limit"),
    ("/api/v1/posts?limit=1&limit=2", "limit"),
    ("/api/v1/posts?cursor=not-a-cursor", "cursor"),
    ("/api/v1/posts?cursor=WyJ4IiwxXQ", "cursor"),  # ["x",1]: a forged cursor
    ("/api/v1/posts?fields=title,password_hash", "fields"),
    ("/api/v1/posts?fields=", "fields"),
    ("/api/v1/posts?formats=pdf", "formats"),
    ("/api/v1/posts?topic=Not%20A%20Slug", "topic"),
    ("/api/v1/posts?tag=%00", "tag"),
    ("/api/v1/posts?updated_since=yesterday", "updated_since"),
    ("/api/v1/posts?published_before=2026-13-40", "published_before"),
    ("/api/v1/posts?published_after=9999-12-31T23:59:59-23:59", "published_after"),
    ("/api/v1/tags?cursor=WzFd", "cursor"),  # [1]: not a slug
    ("/api/v1/search", "q"),
    ("/api/v1/search?q=x&cursor=WzNd", "cursor"),  # [3]: not a page boundary
    ("/api/v1/pages/about?fields=topic", "fields"),
])
def test_bad_parameters_get_a_problem_document_naming_them(site, client, url, parameter):
    answer = client.get(url)
    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.headers["Cache-Control"] == "no-store"
    problem = answer.json
    assert problem["status"] == 400 and problem["title"] == "Bad Request"
    assert problem["parameter"] == parameter and f"“{parameter}”" in problem["detail"]
    assert problem["invalid_params"][0]["name"] == parameter


def test_writes_to_the_content_api_are_refused(site, client):
    answer = client.post("/api/v1/posts", json={"title": "x"})
    assert answer.status_code in (400, 405)  # 400: no CSRF token; never a write
    answer = client.delete("/api/v1/posts/post-1")
    assert answer.status_code in (400, 405)
    with site.app_context():
        assert db.session.scalar(select(Post).where(Post.slug == "post-1")) is not None


def test_the_entry_point_links_every_list_and_the_description(site, client):
    links = get(client, "/api/v1/")["links"]
    for name, url in links.items():
        answer = client.get(url.replace("http://localhost", ""))
        assert answer.status_code == (400 if name == "search" else 200), name
    unknown = client.get("/api/v1/no/such/thing")
    assert unknown.status_code == 404
    assert unknown.headers["Content-Type"] == "application/problem+json"
