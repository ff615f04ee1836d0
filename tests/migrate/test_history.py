"""``export --with-history`` then ``import`` keeps every field of every revision.

Regression tests for the drift issue 15 found: the history export and import once listed
their fields by hand and dropped ``cover_image``, ``cover_alt`` and ``authors``.
"""

import json

import pytest
from pressmark.content.models import Post, User
from pressmark.content.postdata import FIELDS, PostData
from pressmark.content.store import save_post
from pressmark.extensions import db
from pressmark.migrate import import_source
from pressmark.migrate.export import export_directory
from sqlalchemy import select

from tests.conftest import make_test_app
from tests.migrate.conftest import PNG


def _storer(app):
    """Store an image file as an upload of ``app`` (as ``pressmark import`` does)."""
    from pressmark.content.uploads.receive import store_upload

    def store_image(path):
        with path.open("rb") as fh:
            return store_upload(fh, folder=app.config["UPLOAD_FOLDER"], limit=10**6).url

    return store_image


@pytest.fixture
def exported(app, tmp_path):
    """A post saved twice with a cover and a byline, exported with its history."""
    with app.app_context():
        db.session.add(User(username="ada", display_name="Ada", password_hash="x"))
        db.session.add(User(username="bo", display_name="Bo", password_hash="x"))
        db.session.commit()
        (tmp_path / "cover.png").write_bytes(PNG)
        cover = _storer(app)(tmp_path / "cover.png")
        post = None
        for number in (1, 2):
            data = PostData(title="Covered", slug="covered", body=f"Words {number}.",
                            status="published", authors=["ada", "bo"][:number],
                            cover_image=cover,
                            cover_alt=f"A lighthouse, take {number}")
            post = save_post(data, post)
        export_directory(tmp_path / "export", with_history=True)
    return tmp_path / "export", cover


def _imported_revisions(tmp_path, folder):
    (tmp_path / "other").mkdir()
    other = make_test_app(tmp_path / "other")
    with other.app_context():
        db.create_all()
        for name in ("ada", "bo"):
            db.session.add(User(username=name, display_name=name.title(), password_hash="x"))
        db.session.commit()
        report = import_source(folder, "markdown", store_image=_storer(other))
        assert not report.failed, report.errors
        post = db.session.scalar(select(Post).where(Post.slug == "covered"))
        return [(r.kind, r.cover_image, r.cover_alt, r.authors) for r in post.revisions
                if r.kind != "import"]


def test_history_export_writes_every_declared_field(exported):
    exported, _ = exported
    records = [json.loads(line) for line in
               (exported / "history.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 2
    names = {"series_title" if f.name == "series" else f.name for f in FIELDS}
    assert names <= set(records[0])


def test_history_keeps_the_cover_image(exported, tmp_path):
    folder, cover = exported
    revisions = _imported_revisions(tmp_path, folder)
    assert cover.startswith("/uploads/")
    assert [r[1] for r in revisions] == [cover, cover]


def test_history_keeps_the_cover_alt_text(exported, tmp_path):
    revisions = _imported_revisions(tmp_path, exported[0])
    assert [r[2] for r in revisions] == ["A lighthouse, take 1", "A lighthouse, take 2"]


def test_history_keeps_the_authors(exported, tmp_path):
    revisions = _imported_revisions(tmp_path, exported[0])
    assert [r[3] for r in revisions] == ["ada", "ada,bo"]
