"""Uploaded images as readers get them: upright, without metadata, in several widths, and
shown with srcset, sizes, width and height; bad images refused with a clear message."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from PIL import ExifTags, Image
from pressmark.content.uploads.images import modern_formats

from tests.web.test_editor import start_writing
from tests.web.test_uploads import stored_files, upload

LATITUDE = (48.0, 51.0, 29.64)  # 48° 51′ 29.64″ N: the Eiffel Tower
LONGITUDE = (2.0, 17.0, 40.2)


def gps_photo(width: int = 1000, height: int = 600) -> bytes:
    """A JPEG as a phone writes it: GPS position, camera make, and rotated by EXIF
    (orientation 6: the stored pixels must be turned 90° clockwise to stand upright)."""
    image = Image.new("RGB", (width, height), (30, 120, 200))
    image.paste((250, 200, 0), (0, 0, width // 4, height))  # a yellow band on the left
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 15"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: LATITUDE,
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: LONGITUDE,
    }
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90, comment=b"taken at home")
    return out.getvalue()


def fetch(author, url: str):
    """(status, media type, bytes) of a public URL, the response closed."""
    with author.app.test_client().get(url) as response:
        return response.status_code, response.mimetype, response.data


@pytest.fixture
def author(app, client):
    return start_writing(app, client)


def test_the_test_photo_really_carries_gps_and_orientation():
    exif = Image.open(io.BytesIO(gps_photo())).getexif()
    assert exif[ExifTags.Base.Orientation] == 6
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitudeRef] == "N" and gps[ExifTags.GPS.GPSLatitude]


def test_a_phone_photo_is_turned_upright_and_published_without_gps(author):
    data = gps_photo()
    response = upload(author, data, filename="holiday.jpg", content_type="image/jpeg")
    assert response.status_code == 200, response.json
    # Orientation 6 applied: 1000x600 stored sideways is 600x1000 upright.
    assert (response.json["width"], response.json["height"]) == (600, 1000)
    served = fetch(author, response.json["url"])[2]
    for blob in [served, *(p.read_bytes() for p in stored_files(author))]:
        image = Image.open(io.BytesIO(blob))
        assert dict(image.getexif()) == {}, "EXIF survived"
        assert not image.info.get("exif") and not image.info.get("comment")
        for trace in (b"Exif\x00\x00", b"GPS", b"PhoneMaker", b"Phone 15", b"taken at home"):
            assert trace not in blob
    upright = Image.open(io.BytesIO(served)).convert("RGB")
    assert upright.size == (600, 1000)
    # The yellow band that was on the left of the stored pixels is now on top.
    assert upright.getpixel((300, 50))[0] > 200 and upright.getpixel((300, 900))[2] > 150


def test_renditions_at_several_widths_in_modern_formats(author):
    response = upload(author, gps_photo(2000, 1200), filename="wide.jpg")
    sha = response.json["name"].split(".")[0]
    names = {p.name for p in stored_files(author)}
    # Upright the photo is 1200 wide: 480 and 800, and its own width.
    for width in (480, 800, 1200):
        for fmt in modern_formats():
            assert f"{sha}-{width}w.{fmt}" in names
            status, media, served = fetch(author, f"/uploads/{sha}-{width}w.{fmt}")
            assert status == 200 and media == f"image/{fmt}"
            assert Image.open(io.BytesIO(served)).size[0] == width
    assert not any("-1600w" in n for n in names)  # never scaled up


@pytest.mark.parametrize(
    ("make", "message"),
    [
        ("truncated", "damaged or incomplete"),
        ("garbage-after-header", "damaged or incomplete"),
        ("bomb", "more than the limit of"),
    ],
)
def test_damaged_images_and_decompression_bombs_are_refused(author, make, message):
    if make == "truncated":
        data = gps_photo()[:2000]
    elif make == "garbage-after-header":
        data = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    else:
        # 20000x20000 pixels of one colour: a small file that would need 1.2 GB decoded.
        out = io.BytesIO()
        Image.new("1", (20000, 20000)).save(out, "PNG")
        data = out.getvalue()
        assert len(data) < 200_000
    response = upload(author, data, filename="x.png", content_type="image/png")
    assert response.status_code == 400
    assert message in response.json["error"]
    assert stored_files(author) == []


def test_the_pixel_limit_is_a_setting(author):
    author.app.config["UPLOAD_MAX_PIXELS"] = 100 * 100
    response = upload(author, gps_photo(200, 100), filename="a.jpg", content_type="image/jpeg")
    assert response.status_code == 400
    assert "200×100 pixels, more than the limit of 0.01 million pixels" in response.json["error"]


def test_an_animated_gif_keeps_its_frames(author):
    frames = [Image.new("RGB", (40, 30), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100,
                   comment=b"secret")
    response = upload(author, out.getvalue(), filename="a.gif", content_type="image/gif")
    served = Image.open(io.BytesIO(fetch(author, response.json["url"])[2]))
    assert served.n_frames == 3 and not served.info.get("comment")


def publish(author, body: str) -> str:
    author.create("publish", title="Pictures", body=body)
    return author.app.test_client().get("/posts/pictures").get_data(as_text=True)


def test_a_post_image_has_srcset_sizes_width_height_and_lazy_loading(author):
    url = upload(author, gps_photo(2000, 1200), filename="p.jpg").json["url"]
    page = publish(author, f"Text.\n\n![An upright photo]({url})\n")
    picture = re.search(r"<picture>.*?</picture>", page, re.S).group(0)
    sha = url.removeprefix("/uploads/").split(".")[0]
    assert f'srcset="/uploads/{sha}-480w.webp 480w, /uploads/{sha}-800w.webp 800w, ' \
        f'/uploads/{sha}-1200w.webp 1200w"' in picture
    assert 'sizes="(min-width: 46.5rem) 44rem, calc(100vw - 2.5rem)"' in picture
    assert (f'<img src="{url}" alt="An upright photo" width="1200" height="2000" '
            'loading="lazy" decoding="async">') in picture
    assert "<figure>" not in page


def test_an_image_with_a_title_is_a_figure_with_a_caption(author):
    url = upload(author, gps_photo(400, 300), filename="p.jpg").json["url"]
    page = publish(author, f'![KV cache layout]({url} "Figure 1: the KV cache, per layer")\n')
    figure = re.search(r"<figure>.*?</figure>", page, re.S).group(0)
    assert "<picture>" in figure and 'alt="KV cache layout"' in figure
    assert figure.endswith("<figcaption>Figure 1: the KV cache, per layer</figcaption></figure>")


def test_an_image_from_elsewhere_is_lazy_but_not_rewritten(author):
    page = publish(author, "See ![chart](https://img.example.com/c.png) inline.\n")
    assert ('<img alt="chart" src="https://img.example.com/c.png" loading="lazy" '
            'decoding="async">') in page


def test_an_upload_is_named_by_the_hash_of_the_bytes_kept(author):
    response = upload(author, gps_photo(), filename="a.jpg", content_type="image/jpeg")
    served = fetch(author, response.json["url"])[2]
    assert response.json["name"] == f"{hashlib.sha256(served).hexdigest()}.jpg"

