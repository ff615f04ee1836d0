"""The core on PostgreSQL: the real migrations build the schema, the demo content loads, the
public pages and legacy redirects work, and the models and migrations agree (no drift)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pressmark.content.models import Alias, Post
from pressmark.extensions import db
from pressmark.migrate.api import load_demo_content
from sqlalchemy import func, inspect, select, text

pytestmark = pytest.mark.postgres

# The PostgreSQL fixtures (pg_app, postgres_url...): a real server for the run.
pytest_plugins = ["tests.postgres"]


@pytest.fixture
def pg_demo_app(pg_app):
    with pg_app.app_context():
        report = load_demo_content()
        assert not report.errors, report.errors
    return pg_app


def test_postgres_url_points_at_a_live_server(postgres_url):
    from sqlalchemy import create_engine

    assert postgres_url.startswith("postgresql+psycopg://")
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW server_version")).scalar()
            # Listening on the loopback interface only.
            assert conn.execute(text("SHOW listen_addresses")).scalar() == "127.0.0.1"
    finally:
        engine.dispose()


def test_the_site_runs_on_postgresql(pg_demo_app):
    client = pg_demo_app.test_client()
    with pg_demo_app.app_context():
        assert db.engine.dialect.name == "postgresql"
        assert db.session.scalar(select(func.count(Post.id))) == 63
        alias = db.session.scalar(select(Alias).order_by(Alias.path).limit(1))
        alias_path, alias_slug = alias.path, alias.post.slug

    home = client.get("/")
    assert home.status_code == 200
    assert "KV Caching" in home.get_data(as_text=True)

    post = client.get("/posts/kv-caching")
    assert post.status_code == 200
    assert "<h1 id=\"post-title\">KV Caching" in post.get_data(as_text=True)

    topic = client.get("/topics/llm-internals")
    assert topic.status_code == 200
    assert "/posts/kv-caching" in topic.get_data(as_text=True)

    redirect = client.get(alias_path)
    assert redirect.status_code == 301
    assert redirect.headers["Location"].endswith(f"/posts/{alias_slug}")

    assert client.get("/posts/no-such-post").status_code == 404

    # The archive's year index and year pages (EXTRACT(year ...) on PostgreSQL).
    archive = client.get("/archive").get_data(as_text=True)
    assert "63 posts, newest first." in archive
    assert '<a href="/archive/2019">2019</a> <span class="count">4</span>' in archive
    assert "4 posts published in 2019" in client.get("/archive/2019").get_data(as_text=True)
    # The sitemap dates tags with one aggregate query.
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/tags/kv-cache</loc>" in sitemap and "/archive/2019</loc>" in sitemap
    assert client.get("/feed.atom").status_code == 200


def test_migrations_match_the_models_on_postgresql(pg_app):
    """After ``upgrade()`` (done by ``pg_app``), autogenerate finds nothing to change."""
    with pg_app.app_context():
        metadata = db.metadata

        def include_name(name, type_, parent_names):
            # As migrations/env.py: plugin tables (the search index) are not the models'.
            return name in metadata.tables if type_ == "table" else True

        with db.engine.connect() as conn:
            assert "search_documents" in inspect(conn).get_table_names()
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": include_name}
            )
            assert compare_metadata(context, metadata) == []


def test_a_nul_character_is_a_404_a_400_or_kept_as_text_never_a_500(pg_app):
    """PostgreSQL refuses NUL in text: addresses with one are not found, forms with one get
    a 400, search its usual page; a NUL pasted into a post becomes U+FFFD and is saved."""
    from tests.conftest import AuthActions

    client = pg_app.test_client()
    for path in ("/tags/a%00b", "/posts/x%00", "/topics/%00", "/a%00b"):
        assert client.get(path).status_code == 404, path
    assert client.get("/search?q=kv%00").status_code == 200
    auth = AuthActions(pg_app, client)
    assert auth.login(username="author\x00").status_code == 400
    auth.login()
    answer = client.post("/editor/new", data={
        "csrf_token": auth.csrf_token("/editor/new"), "title": "Null\x00title",
        "body": "Before\x00after.", "action": "publish",
    })
    assert answer.status_code == 303
    with pg_app.app_context():
        post = db.session.scalar(select(Post).where(Post.title == "Null\ufffdtitle"))
        assert post is not None and post.body == "Before\ufffdafter."


def test_the_content_api_runs_on_postgresql(pg_demo_app):
    """Cursor pages, filters, taxonomies and search through the API, on PostgreSQL."""
    client = pg_demo_app.test_client()
    with pg_demo_app.app_context():
        expected = db.session.scalars(Post.visible().with_only_columns(Post.slug)).all()
    seen, url = [], "/api/v1/posts?limit=7&fields=slug"
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, answer.json
        seen += [p["slug"] for p in answer.json["data"]]
        url = answer.json["links"]["next"]
        url = url and url.replace("http://localhost", "")
    assert seen == expected
    tagged = client.get("/api/v1/posts?tag=kv-cache&published_after=2000-01-01&fields=slug")
    assert "kv-caching" in [p["slug"] for p in tagged.json["data"]]
    assert client.get("/api/v1/tags?limit=3").json["links"]["next"]
    assert client.get("/api/v1/topics/llm-internals").status_code == 200
    found = client.get("/api/v1/search?q=cache&fields=slug").json
    assert found["meta"]["total"] > 0
    forged = client.get("/api/v1/posts?cursor=WyJub3QgYSBkYXRlIiwxXQ")
    assert forged.status_code == 400 and forged.json["parameter"] == "cursor"
