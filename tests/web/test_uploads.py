"""Image uploads: type from the bytes, size limits, storage by hash, serving, both paths
(the script's JSON endpoint and the form's plain file input)."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image as PILImage
from pressmark.content.uploads.images import modern_formats
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.web.test_editor import Author, csrf_token, read_form, start_writing


@pytest.fixture
def author(app, client):
    return start_writing(app, client)


def png(width: int = 1, height: int = 1) -> bytes:
    """A real PNG (RGB, one colour), built with zlib as the format describes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF
        )

    rows = b"".join(b"\x00" + b"\x0b\x5c\xad" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# A 1x1 GIF, and 2x2 JPEG and WebP images encoded by Chromium's canvas.
GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AAB"
    "AAEAAAAAAABhY3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFla"
    "AAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAA"
    "AChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1"
    "AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBh"
    "cmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAc"
    "AEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADb/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9"
    "PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2Nj"
    "Y2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAACAAIDASIAAhEBAxEB/8QAFQABAQAA"
    "AAAAAAAAAAAAAAAAAAX/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFAEBAAAAAAAAAAAAAAAAAAAABf/EABQRAQAA"
    "AAAAAAAAAAAAAAAAAAD/2gAMAwEAAhEDEQA/AIoBkS//2Q=="
)
WEBP = base64.b64decode(
    "UklGRhgCAABXRUJQVlA4WAoAAAAgAAAAAQAAAQAASUNDUMgBAAAAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AAB"
    "AAEAAAAAAABhY3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFla"
    "AAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAA"
    "AChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1"
    "AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBh"
    "cmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAc"
    "AEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADZWUDggKgAAAJABAJ0BKgIAAgACwEwloAJ0ugADmAD+7kMf"
    "/iHOILajsU/8Buvi2XwAAA=="
)
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

IMAGES = [
    ("png", "image/png", png()),
    ("jpg", "image/jpeg", JPEG),
    ("gif", "image/gif", GIF),
    ("webp", "image/webp", WEBP),
]


def upload(author, data: bytes, filename: str = "picture.png", content_type: str = "image/png",
           token: str | None = "page", alt: str = ""):
    form = {"image": FileStorage(io.BytesIO(data), filename, content_type=content_type),
            "alt": alt}
    headers = {"Accept": "application/json"}
    if token == "page":
        headers["X-CSRFToken"] = author.token()
    # Encoded in memory: the test client's own encoder leaves a temporary file open for
    # bodies over 500 KB.
    boundary, body = encode_multipart(form)
    return author.client.post("/editor/uploads", data=body, headers=headers,
                              content_type=f"multipart/form-data; boundary={boundary}")


def stored_files(author) -> list[Path]:
    folder = Path(author.app.config["UPLOAD_FOLDER"])
    return sorted(p for p in folder.glob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.parametrize(("ext", "media", "data"), IMAGES, ids=[i[0] for i in IMAGES])
def test_each_image_type_is_stored_by_hash_and_served_for_a_year(author, ext, media, data):
    response = upload(author, data, filename=f"diagram.{ext}", content_type=media)
    assert response.status_code == 200, response.json
    name = response.json["name"]
    assert response.json["url"] == f"/uploads/{name}" and name.endswith(f".{ext}")
    assert response.json["markdown"] == f"![diagram](/uploads/{name})"
    assert name in [p.name for p in stored_files(author)]
    with author.app.test_client().get(f"/uploads/{name}") as served:  # readers need no account
        assert served.status_code == 200
        # Named by the hash of the bytes kept (an image with only pixels is kept as sent).
        assert name == f"{hashlib.sha256(served.data).hexdigest()}.{ext}"
        assert served.mimetype == media
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        # The same picture, re-encoded without its metadata (the JPEG's and WebP's colour
        # profiles are gone).
        served_image = PILImage.open(io.BytesIO(served.data))
        sent_image = PILImage.open(io.BytesIO(data))
        assert served_image.format == sent_image.format
        size = (response.json["width"], response.json["height"])
        assert served_image.size == sent_image.size == size
        assert "icc_profile" not in served_image.info and "exif" not in served_image.info


def test_the_type_comes_from_the_bytes_not_the_name(author):
    response = upload(author, png(), filename="notes.txt", content_type="text/plain",
                      alt="A [tricky] alt")
    assert response.status_code == 200
    assert response.json["url"].endswith(".png")
    assert response.json["markdown"].startswith("![A tricky alt](")


def test_the_same_image_twice_is_stored_once(author):
    first = upload(author, png(2, 2)).json["url"]
    files = stored_files(author)
    second = upload(author, png(2, 2), filename="copy.png").json["url"]
    assert first == second and stored_files(author) == files
    assert [p.name for p in files] == [  # the original and one WebP (and AVIF) rendition
        first.removeprefix("/uploads/").replace(".png", f"-2w.{fmt}")
        for fmt in sorted(modern_formats())
    ] + [first.removeprefix("/uploads/")]


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "message"),
    [
        (SVG, "logo.svg", "image/svg+xml", "SVG images cannot be uploaded"),
        (b"just some text, honestly", "photo.png", "image/png", "not a PNG, JPEG, GIF or WebP"),
        (b"%PDF-1.7\n", "scan.jpg", "image/jpeg", "not a PNG, JPEG, GIF or WebP"),
        (b"", "empty.png", "image/png", "The file is empty."),
    ],
    ids=["svg", "text-named-png", "pdf-named-jpg", "empty"],
)
def test_refused_files_get_a_clear_json_400(author, data, filename, content_type, message):
    response = upload(author, data, filename=filename, content_type=content_type)
    assert response.status_code == 400
    assert message in response.json["error"]
    assert stored_files(author) == []


def test_an_image_over_the_upload_limit_is_refused(author):
    limit = author.app.config["UPLOAD_MAX_BYTES"]
    big = png() + b"\x00" * (limit + 1 - len(png()))
    response = upload(author, big)
    assert response.status_code == 400
    assert "larger than the limit of 5.0 MiB" in response.json["error"]
    assert stored_files(author) == []


def test_a_request_over_the_request_limit_gets_a_json_413(author):
    huge = png() + b"\x00" * (author.app.config["MAX_CONTENT_LENGTH"] + 1)
    response = upload(author, huge)
    assert response.status_code == 413
    assert "images can be at most 5.0 MiB" in response.json["error"]
    assert stored_files(author) == []


def test_an_upload_without_the_csrf_token_is_refused(author):
    response = upload(author, png(), token=None)
    assert response.status_code == 400
    assert stored_files(author) == []


def test_no_file_chosen(author):
    response = author.client.post("/editor/uploads", data={},
                                  headers={"X-CSRFToken": author.token()})
    assert response.status_code == 400
    assert response.json["error"] == "Choose an image file to upload."


def test_only_well_formed_names_are_served(author):
    name = upload(author, GIF, filename="a.gif", content_type="image/gif").json["url"]
    client = author.app.test_client()
    with client.get(name) as served:
        assert served.status_code == 200
    for bad in (name.upper(), name.replace(".gif", ".svg"), "/uploads/..%2Fconfig.py",
                "/uploads/" + "0" * 64 + ".png"):
        assert client.get(bad).status_code == 404, bad


# --- without JavaScript: the file input of the post form --------------------------------------


def submit_with_image(author: Author, path: str, action: str, data: bytes, filename: str,
                      field: str = "image", **changes):
    """The editor's form as loaded, with ``changes``, ``action`` and a file in ``field``."""
    form = read_form(author.page(path))
    form.update(changes)
    form["action"] = action
    form[field] = (io.BytesIO(data), filename)
    return author.client.post(path, data=form, content_type="multipart/form-data")


def test_the_upload_button_adds_the_image_to_the_body_and_saves_nothing(author):
    post_id = author.create(title="Pictures", body="Intro.")
    response = submit_with_image(author, f"/editor/{post_id}", "upload", png(), "chart.png",
                                 image_alt="A chart", body="Intro, edited.")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    name = f"{hashlib.sha256(png()).hexdigest()}.png"
    assert read_form(html)["body"] == f"Intro, edited.\n\n![A chart](/uploads/{name})\n"
    assert "Nothing is saved yet." in html
    assert f'<img src="/uploads/{name}" alt="A chart" width="1" height="1"' in html  # preview
    post = author.post(post_id)
    assert (post.body, post.version) == ("Intro.", 1)


def test_saving_with_a_chosen_image_saves_it_in_the_post(author):
    post_id = author.create(title="Pictures", body="Intro.")
    response = submit_with_image(author, f"/editor/{post_id}", "publish", GIF, "dot.gif",
                                 image_alt="A dot")
    assert response.status_code == 303
    name = f"{hashlib.sha256(GIF).hexdigest()}.gif"
    page = author.app.test_client().get("/posts/pictures").get_data(as_text=True)
    assert f'src="/uploads/{name}"' in page


def test_a_refused_image_in_the_form_shows_an_error_and_keeps_the_text(author):
    post_id = author.create(title="Pictures", body="Intro.")
    response = submit_with_image(author, f"/editor/{post_id}", "save", SVG, "evil.png",
                                 body="My unsaved words.")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "SVG images cannot be uploaded" in html
    assert 'id="ed-image-error"' in html
    assert read_form(html)["body"] == "My unsaved words."
    assert author.post(post_id).body == "Intro."
    assert stored_files(author) == []
    assert csrf_token(html)


def photo(width: int, height: int) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), (160, 60, 40)).save(out, "JPEG")
    return out.getvalue()


def test_a_cover_file_sent_with_the_form_becomes_the_cover(author):
    """Without script: the file goes with the form, and its upload is the cover."""
    post_id = author.create(title="Covered", body="Intro.")
    picture = photo(1600, 900)
    response = submit_with_image(author, f"/editor/{post_id}", "publish", picture, "cover.jpg",
                                 field="cover_file", cover_alt="A red rack")
    assert response.status_code == 303
    post = author.post(post_id)
    assert re.fullmatch(r"/uploads/[0-9a-f]{64}\.jpg", post.cover_image)
    page = author.app.test_client().get("/posts/covered").get_data(as_text=True)
    assert post.cover_image.rsplit(".", 1)[0] in page and 'alt="A red rack"' in page
    assert f'src="{post.cover_image}"' in author.page(f"/editor/{post_id}")  # the preview


def test_a_refused_cover_file_says_so_under_the_cover_and_keeps_the_text(author):
    post_id = author.create(title="Covered", body="Intro.")
    response = submit_with_image(author, f"/editor/{post_id}", "save", SVG, "evil.png",
                                 field="cover_file", body="My unsaved words.")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "SVG images cannot be uploaded" in html and 'id="ed-cover_image-error"' in html
    assert read_form(html)["body"] == "My unsaved words."
    assert author.post(post_id).cover_image in ("", None)
