"""Moving a site from SQLite to PostgreSQL by ``export --with-history`` and ``import``, as
docs/operations.md says, loses nothing: the two databases agree field by field."""

import hashlib
import io
import re
from datetime import datetime

import pytest
from flask_migrate import upgrade
from pressmark.content.models import Alias, Post, Revision, Series, Tag, Topic, User
from pressmark.content.postdata import PostData
from pressmark.content.store import save_post, set_status
from pressmark.content.uploads import storage as upload_store
from pressmark.content.uploads.receive import store_upload
from pressmark.extensions import db
from pressmark.migrate.api import load_demo_content
from sqlalchemy import inspect, select

from tests.conftest import make_test_app
from tests.migrate.conftest import PNG

pytestmark = pytest.mark.postgres
# The PostgreSQL fixtures (pg_app): a real server for the run.
pytest_plugins = ["tests.postgres"]

# Bookkeeping that is the new database's own: row ids and the save counter.
OWN_COLUMNS = {"id", "version", "topic_id", "series_id"}
RANDOM_IDS = re.compile(r"(calc-)[0-9a-f]{8}(?![0-9a-f])")  # each render gives its embed an id


def post_rows(imported: bool) -> dict[str, dict]:
    """Every post's fields; ``imported``: leave out the revision the import itself adds."""
    columns = [c.key for c in inspect(Post).column_attrs if c.key not in OWN_COLUMNS]
    rows = {}
    for post in db.session.scalars(select(Post)):
        row = {key: getattr(post, key) for key in columns}
        # Embeds draw random element ids at each render; the HTML is otherwise the same.
        row["body_html"] = RANDOM_IDS.sub(r"\1x", row["body_html"])
        row |= {
            "topic": post.topic.slug if post.topic else None,
            "tags": [(t.name, t.slug) for t in post.tags],
            "aliases": sorted(a.path for a in post.aliases),
            "series": post.series.title if post.series else None,
            "authors": [u.username for u in post.authors],
            "revisions": [
                {c.key: getattr(r, c.key) for c in inspect(Revision).column_attrs
                 if c.key not in ("id", "post_id", "user_id")}
                | {"user": r.user.username if r.user else None}
                for r in (post.revisions[:-1] if imported else post.revisions)
            ],
        }
        rows[post.slug] = row
    return rows


def site_rows(imported: bool = False) -> tuple:
    return (
        post_rows(imported),
        [(t.slug, t.name, t.description, t.position)
         for t in db.session.scalars(select(Topic).order_by(Topic.slug))],
        # Tags some post carries (a tag every post dropped is not part of the site).
        sorted((t.slug, t.name) for t in db.session.scalars(select(Tag)) if t.posts),
        sorted((a.path, a.post.slug) for a in db.session.scalars(select(Alias))),
        sorted(s.title for s in db.session.scalars(select(Series))),
    )


def test_a_site_moves_from_sqlite_to_postgresql_field_by_field(tmp_path, pg_app):
    (tmp_path / "old").mkdir()
    old = make_test_app(tmp_path / "old")
    with old.app_context():
        upgrade()
        assert not load_demo_content().errors
        ada = User(username="ada", display_name="Ada", password_hash="x")
        db.session.add(ada)
        db.session.commit()
        # Uploaded as the editor does (named by the hash of its bytes, size on record).
        image = store_upload(io.BytesIO(PNG)).name
        assert image == hashlib.sha256(PNG).hexdigest() + ".png"
        post = save_post(PostData(title="Много версий", body="\n\nLeading blank lines.\n",
                                  tags=["C++", "パイソン"], status="published",
                                  published_at=datetime(2024, 1, 2, 3, 4, 5),
                                  created_at=datetime(2023, 12, 31), language="ru"),
                         user=ada)
        post = save_post(PostData(title="Много версий", slug=post.slug,
                                  body=f"Second.\n\n![x](/uploads/{image})\n",
                                  tags=["C++"], status="published",
                                  published_at=post.published_at), post, user=ada)
        set_status(post, "trashed")
        page = save_post(PostData(title="About", body="Us.", status="published",
                                  published_at=datetime(2020, 1, 1)),
                         before_commit=lambda p: setattr(p, "is_page", True))
        assert page.is_page
        before = site_rows()
    export = tmp_path / "export"
    result = old.test_cli_runner().invoke(args=["export", str(export), "--with-history"])
    assert result.exit_code == 0, result.output
    assert (export / "history.jsonl").is_file() and (export / "uploads").is_dir()

    with pg_app.app_context():
        db.session.add(User(username="ada", display_name="Ada", password_hash="x"))
        db.session.commit()
    result = pg_app.test_cli_runner().invoke(args=["import", str(export), "--from", "markdown"])
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output
    with pg_app.app_context():
        after = site_rows(imported=True)
        assert db.engine.dialect.name == "postgresql"
    for slug, row in before[0].items():
        assert after[0][slug] == row, slug
    assert after[0].keys() == before[0].keys()
    assert after[1:] == before[1:]
    moved = after[0]["mnogo-versii"]
    assert moved["status"] == "trashed" and moved["status_before_trash"] == "published"
    assert moved["created_at"] == datetime(2023, 12, 31) and moved["language"] == "ru"
    assert len(moved["revisions"]) == 3  # two saves and the trashing, each kept
    with pg_app.app_context():  # kept where the PostgreSQL site keeps uploads: the database
        assert upload_store.read(image, upload_store.storage()) == PNG


def test_an_export_from_postgresql_holds_the_uploads_kept_in_the_database(tmp_path, pg_app):
    with pg_app.app_context():
        assert upload_store.storage() == upload_store.DATABASE
        image = store_upload(io.BytesIO(PNG)).name
        kept = upload_store.read(image, upload_store.DATABASE)
        save_post(PostData(title="Pictured", body=f"![x](/uploads/{image})\n",
                           status="published", published_at=datetime(2024, 1, 1)))
        assert upload_store.names(upload_store.FILES) == []  # nothing in the folder
    export = tmp_path / "export"
    result = pg_app.test_cli_runner().invoke(args=["export", str(export)])
    assert result.exit_code == 0, result.output
    # The original only (renditions are made again on import), byte for byte.
    assert sorted(p.name for p in (export / "uploads").iterdir()) == [image]
    assert (export / "uploads" / image).read_bytes() == kept

    (tmp_path / "new").mkdir()
    new = make_test_app(tmp_path / "new")
    with new.app_context():
        upgrade()
    result = new.test_cli_runner().invoke(args=["import", str(export), "--from", "markdown"])
    assert result.exit_code == 0 and "1 imported" in result.output, result.output
    client = new.test_client()
    assert f"/uploads/{image}" in client.get("/posts/pictured").get_data(as_text=True)
    with client.get(f"/uploads/{image}") as served:
        assert served.status_code == 200 and served.data == kept
