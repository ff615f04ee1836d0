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
