"""``pressmark uploads process``: images stored before uploads were processed (or copied in
as files) get their renditions and size, and with ``--strip-metadata`` a photo that still
says where it was taken is replaced by a clean copy that the posts then use."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import ExifTags
from PIL import Image as PILImage
from pressmark.content.models import PUBLISHED, Image, Post, Revision
from pressmark.content.store import PostData, save_post
from pressmark.content.uploads import storage as upload_store
from pressmark.extensions import db
from sqlalchemy import select

from tests.web.test_images import gps_photo

# The PostgreSQL fixtures: there uploads live in the database.
pytest_plugins = ["tests.postgres"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def site(request):
    """An empty site with uploads as files (SQLite) or database rows (PostgreSQL)."""
    return request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), (30, 90, 160)).save(out, "PNG")
    return out.getvalue()


def stored_before_processing(app, data: bytes, ext: str) -> str:
    """An upload as an older version kept it: the file, under its hash, and nothing else."""
    name = f"{hashlib.sha256(data).hexdigest()}.{ext}"
    with app.app_context():
        upload_store.save(name, f"image/{'jpeg' if ext == 'jpg' else ext}", data)
    return name


def publish(app, title: str, body: str, **fields) -> None:
    with app.app_context():
        save_post(PostData(title=title, body=body, status=PUBLISHED, **fields))


def test_an_older_upload_gets_renditions_and_its_size_and_posts_use_them(app, client):
    name = stored_before_processing(app, png(1600, 900), "png")
    publish(app, "Chart", f"![A chart](/uploads/{name})")
    before = client.get("/posts/chart").get_data(as_text=True)
    assert "srcset" not in before and 'width="1600"' not in before

    result = app.test_cli_runner().invoke(args=["uploads", "process"])
    assert result.exit_code == 0, result.output
    assert "Processed 1 older uploads; rendered 1 posts again." in result.output
    with app.app_context():
        image = db.session.scalar(select(Image).where(Image.name == name))
        assert (image.width, image.height) == (1600, 900)
    page = client.get("/posts/chart").get_data(as_text=True)
    assert f"/uploads/{name}" in page  # the address is the same
    assert 'width="1600" height="900"' in page and "srcset=" in page
    rendition = image.info.srcset("webp").split(",")[0].split()[0]
    with client.get(rendition) as response:
        assert response.status_code == 200

    again = app.test_cli_runner().invoke(args=["uploads", "process"])
    assert "Processed 0 older uploads" in again.output  # done once


def test_a_photo_with_its_location_is_named_and_replaced_only_when_asked(site):
    app, client = site, site.test_client()
    name = stored_before_processing(app, gps_photo(), "jpg")
    old = f"/uploads/{name}"
    publish(app, "Trip", f"Here.\n\n![The view]({old})")
    with app.app_context():  # a cover set before covers were checked against the uploads
        post = db.session.scalar(select(Post).where(Post.slug == "trip"))
        post.cover_image, post.cover_alt = old, "The view"
        db.session.commit()

    kept = app.test_cli_runner().invoke(args=["uploads", "process"])
    assert kept.exit_code == 0, kept.output
    assert "1 still carry metadata" in kept.output and name in kept.output
    with client.get(old) as response:
        assert response.status_code == 200

    replaced = app.test_cli_runner().invoke(args=["uploads", "process", "--strip-metadata"])
    assert replaced.exit_code == 0, replaced.output
    with app.app_context():
        post = db.session.scalar(select(Post).where(Post.slug == "trip"))
        new = post.cover_image
        revision_bodies = db.session.scalars(select(Revision.body)).all()
        assert db.session.scalar(select(Image).where(Image.name == name)) is None
    assert new != old and new.startswith("/uploads/") and f"![The view]({new})" in post.body
    assert all(old not in body for body in revision_bodies)
    with client.get(old) as response:
        assert response.status_code == 404  # the location is no longer published
    with client.get(new) as response:
        clean = PILImage.open(io.BytesIO(response.data))
    assert not clean.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    page = client.get("/posts/trip").get_data(as_text=True)
    assert new in page and old not in page


def test_a_damaged_older_upload_is_reported_and_the_others_are_processed(app):
    damaged = stored_before_processing(app, b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "png")
    fine = stored_before_processing(app, png(300, 200), "png")
    result = app.test_cli_runner().invoke(args=["uploads", "process"])
    assert result.exit_code == 1
    assert f"{damaged}: not processed" in result.output
    with app.app_context():
        assert db.session.scalar(select(Image.width).where(Image.name == fine)) == 300
