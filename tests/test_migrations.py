"""The migrations build the schema the models describe, and the two never drift."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from pressmark.extensions import db
from sqlalchemy import inspect

from tests.conftest import make_test_app


def only_model_tables(name, type_, parent_names):
    return type_ != "table" or name in db.metadata.tables


def test_migrations_apply_to_an_empty_database_without_drift(tmp_path):
    app = make_test_app(tmp_path, database=tmp_path / "migrated.sqlite")
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        assert "alembic_version" in tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                # Plugins own tables of their own (the search index): compare ours only.
                opts={"compare_type": True, "include_name": only_model_tables},
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == [], diff


def test_db_check_command_reports_no_pending_changes(tmp_path):
    app = make_test_app(tmp_path, database=tmp_path / "checked.sqlite")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_tags_of_an_older_database_keep_their_names_as_slugs(tmp_path):
    """0004 gives each existing tag (whose name was already a slug) that slug."""
    from sqlalchemy import text

    app = make_test_app(tmp_path, database=tmp_path / "old.sqlite")
    with app.app_context():
        upgrade(revision="0003")
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO tags (name) VALUES ('kv-cache'), ('gpu')"))
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT name, slug FROM tags ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [("kv-cache", "kv-cache"), ("gpu", "gpu")]


OLDEST_ROWS = [
    "INSERT INTO topics (id, slug, name, description, position) VALUES (1, 't', 'T', '', 0)",
    "INSERT INTO posts (id, slug, title, summary, body, body_html, toc_html, topic_id, featured,"
    " status, created_at, updated_at, word_count, version, published_at) VALUES (1, 'p', 'P',"
    " '', 'b', 'b', '', 1, 0, 'published', '2020-01-01', '2020-01-01', 1, 1, '2020-01-01')",
    "INSERT INTO tags (id, name) VALUES (1, 'gpu')",
    "INSERT INTO post_tags (post_id, tag_id, position) VALUES (1, 1, 0)",
    "INSERT INTO aliases (id, path, post_id) VALUES (1, '/2019/old-address', 1)",
    "INSERT INTO revisions (id, post_id, created_at, kind, version, title, slug, summary, body,"
    " tags, featured, status) VALUES (1, 1, '2020-01-01', 'save', 1, 'P', 'p', '', 'b', 'gpu',"
    " 0, 'published')",
]


def test_upgrading_a_database_with_posts_keeps_their_tags_aliases_and_revisions(tmp_path):
    """SQLite rebuilds a table to change its constraints; with foreign keys on, dropping
    the old posts or tags table would cascade to every row that points at it."""
    from sqlalchemy import text

    app = make_test_app(tmp_path, database=tmp_path / "old.sqlite")
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as connection:
            for statement in OLDEST_ROWS:
                connection.execute(text(statement))
        upgrade()
        with db.engine.connect() as connection:
            counts = {
                table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("posts", "post_tags", "aliases", "revisions")
            }
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert counts == {"posts": 1, "post_tags": 1, "aliases": 1, "revisions": 1}
        db.engine.dispose()
