"""Uploads every machine can serve: kept in PostgreSQL and streamed from it, files on
SQLite, and ``pressmark uploads migrate`` between the two."""

import hashlib
import io
import math
import os
from pathlib import Path

import pytest
from PIL import Image as PILImage
from pressmark.content.models import Upload
from pressmark.content.uploads import storage as upload_store
from pressmark.extensions import db
from sqlalchemy import func, select

from tests.conftest import make_test_app
from tests.web.test_editor import start_writing
from tests.web.test_uploads import png, upload

pytest_plugins = ["tests.postgres"]


@pytest.mark.postgres
def test_an_upload_through_one_machine_is_served_by_another(pg_app, tmp_path):
    author = start_writing(pg_app, pg_app.test_client())
    # Big enough to take several chunks: it must be streamed, not read whole. (Noise does
    # not compress; bytes appended after the image would be dropped as metadata.)
    out = io.BytesIO()
    PILImage.frombytes("RGB", (600, 600), os.urandom(600 * 600 * 3)).save(out, "PNG")
    image = out.getvalue()
    assert len(image) > 3 * upload_store.CHUNK
    response = upload(author, image)
    assert response.status_code == 200, response.json
    name = response.json["url"].removeprefix("/uploads/")
    assert name == f"{hashlib.sha256(image).hexdigest()}.png"
    assert not Path(pg_app.config["UPLOAD_FOLDER"], name).exists()  # in the database
    (tmp_path / "machine-b").mkdir()
    other = make_test_app(tmp_path / "machine-b",
                          SQLALCHEMY_DATABASE_URI=pg_app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        served = other.test_client().get(f"/uploads/{name}", buffered=False)
        assert served.status_code == 200 and served.is_streamed
        chunks = list(served.response)
        assert len(chunks) == math.ceil(len(image) / upload_store.CHUNK)
        assert max(len(c) for c in chunks) == upload_store.CHUNK
        assert b"".join(chunks) == image
        assert int(served.headers["Content-Length"]) == len(image)
        assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        served.close()
        assert other.test_client().get(f"/uploads/{'0' * 64}.png").status_code == 404
        again = upload(author, image)  # the same bytes are stored once
        assert again.json["url"] == response.json["url"]
        with pg_app.app_context():
            assert db.session.scalar(
                select(func.count()).select_from(Upload).where(Upload.name == name)
            ) == 1
    finally:
        with other.app_context():
            db.engine.dispose()


def test_sqlite_keeps_files_and_migrate_moves_them_both_ways(app, client, tmp_path):
    author = start_writing(app, client)
    images = [png(2, 2), png(3, 3)]
    names = [upload(author, i).json["url"].removeprefix("/uploads/") for i in images]
    folder = Path(app.config["UPLOAD_FOLDER"])
    # The originals, each with its resized renditions beside it (<sha>-<width>w.<format>).
    files = sorted(p.name for p in folder.iterdir())
    assert set(names) <= set(files)
    assert {f[:64] for f in files} == {n[:64] for n in names}
    runner = app.test_cli_runner()
    result = runner.invoke(args=["uploads", "migrate", "--to", "database"])
    assert result.exit_code == 0, result.output
    assert f"Copied {len(files)} uploads into the database (0 were already there)." in (
        result.output
    )
    # Served from the database once the site keeps them there.
    app.config["UPLOAD_STORAGE"] = "database"
    for p in folder.iterdir():
        p.unlink()
    for name, image in zip(names, images, strict=True):
        assert app.test_client().get(f"/uploads/{name}").data == image
    result = runner.invoke(args=["uploads", "migrate", "--to", "files"])
    assert f"Copied {len(files)} uploads into" in result.output
    assert sorted(p.read_bytes() for p in folder.iterdir() if p.name in names) == sorted(images)
    assert "0 uploads" in runner.invoke(args=["uploads", "migrate", "--to", "files"]).output


def test_a_freeze_writes_uploads_kept_in_the_database(app, client, tmp_path):
    from pressmark.freeze import freeze

    author = start_writing(app, client)
    app.config["UPLOAD_STORAGE"] = "database"
    name = upload(author, png(5, 5)).json["url"].removeprefix("/uploads/")
    assert not (Path(app.config["UPLOAD_FOLDER"]) / name).exists()
    with app.app_context():
        freeze(app, tmp_path / "out")
    assert (tmp_path / "out" / "uploads" / name).read_bytes() == png(5, 5)
