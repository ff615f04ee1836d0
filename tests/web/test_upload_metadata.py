"""No metadata survives in any stored file: each case is crafted byte by byte (chunks,
segments and blocks that Pillow does not report as metadata), uploaded through the editor,
and every file kept for it (original and renditions) is searched for the secret."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image
from pressmark.extensions import db

from tests.conftest import make_test_app
from tests.web.test_editor import start_writing
from tests.web.test_image_budget import gif_bomb, png_from_chunks
from tests.web.test_images import fetch, gps_photo
from tests.web.test_uploads import stored_files, upload

SECRET = b"SECRET-where-I-live"


@pytest.fixture(scope="module")
def author(tmp_path_factory):
    """One signed-in author for every case (each case checks only its own files)."""
    app = make_test_app(tmp_path_factory.mktemp("metadata"))
    with app.app_context():
        db.create_all()
    yield start_writing(app, app.test_client())
    with app.app_context():
        db.engine.dispose()


def pillow(fmt: str, size=(24, 16), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(out, fmt, **options)
    return out.getvalue()


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of each chunk of a PNG, IEND left out."""
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        if kind != b"IEND":
            chunks.append((kind, data[pos + 8:pos + 8 + length]))
        pos += 12 + length
    return chunks


def png_with(*extra: tuple[bytes, bytes]) -> bytes:
    """A real PNG with ``extra`` chunks put before its image data."""
    header, *rest = png_chunks(pillow("PNG"))
    return png_from_chunks([header, *extra, *rest])


def jpeg_with_segment(marker: int, body: bytes) -> bytes:
    """A real JPEG with one more segment right after its JFIF header."""
    data = pillow("JPEG")
    jfif_end = 4 + struct.unpack(">H", data[4:6])[0]
    segment = bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body
    return data[:jfif_end] + segment + data[jfif_end:]


def gif_with(extension: bytes, frames: int = 1) -> bytes:
    """A GIF whose extension blocks include ``extension`` right after the header."""
    data = gif_bomb(24, 16, frames)
    return data[:19] + extension + data[19:]


def xmp_gif_extension() -> bytes:
    packet = b"<x:xmpmeta>" + SECRET + b"</x:xmpmeta>"
    blocks = b"".join(bytes([len(packet[i:i + 255])]) + packet[i:i + 255]
                      for i in range(0, len(packet), 255))
    return b"\x21\xff\x0bXMP DataXMP" + blocks + b"\x00"


def webp_with(*chunks: tuple[bytes, bytes]) -> bytes:
    """A real still WebP turned into the extended form with ``chunks`` added."""
    data = pillow("WEBP", lossless=True)
    image_chunk = data[12:]
    flags = 0x08 | 0x04  # "has EXIF", "has XMP"
    vp8x = b"VP8X" + struct.pack("<I", 10) + bytes([flags, 0, 0, 0]) + \
        (24 - 1).to_bytes(3, "little") + (16 - 1).to_bytes(3, "little")
    extra = b"".join(kind + struct.pack("<I", len(body)) + body + b"\x00" * (len(body) & 1)
                     for kind, body in chunks)
    body = b"WEBP" + vp8x + image_chunk + extra
    return b"RIFF" + struct.pack("<I", len(body)) + body


def tiff_exif() -> bytes:
    """EXIF as PNG's eXIf and WebP's EXIF chunks hold it: a TIFF structure, here with the
    secret as the image description and the camera's make."""
    exif = Image.Exif()
    exif[ExifTags.Base.ImageDescription] = SECRET.decode()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    return exif.tobytes().removeprefix(b"Exif\x00\x00")


def animation(fmt: str, **options) -> bytes:
    """Three frames of 24x16, saved by Pillow as an animated ``fmt``."""
    frames = [Image.new("RGB", (24, 16), c) for c in ((200, 40, 90), (0, 200, 0), (0, 0, 200))]
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=100, **options)
    return out.getvalue()


def apng_with_text() -> bytes:
    header, *rest = png_chunks(animation("PNG"))
    return png_from_chunks([header, (b"tEXt", b"Where\x00" + SECRET), *rest])


CASES = {
    "gif-comment": ("gif", gif_with(b"\x21\xfe" + bytes([len(SECRET)]) + SECRET + b"\x00")),
    "gif-xmp": ("gif", gif_with(xmp_gif_extension())),
    "animated-gif-comment-and-xmp": (
        "gif", gif_with(b"\x21\xfe" + bytes([len(SECRET)]) + SECRET + b"\x00"
                        + xmp_gif_extension(), frames=3)),
    "gif-after-trailer": ("gif", gif_bomb(24, 16, 1) + SECRET),
    "png-text": ("png", png_with((b"tEXt", b"Where\x00" + SECRET))),
    # Compression level 0 keeps the secret readable, so the search below can find it.
    "png-ztxt": ("png", png_with((b"zTXt", b"Where\x00\x00" + zlib.compress(SECRET, 0)))),
    "png-itxt": ("png", png_with((b"iTXt", b"Where\x00\x00\x00\x00\x00" + SECRET))),
    "png-exif": ("png", png_with((b"eXIf", tiff_exif()))),
    "png-broken-exif": ("png", png_with((b"eXIf", b"MM\x00*\x00\x00\x00\x08" + SECRET))),
    "png-private": ("png", png_with((b"prVt", SECRET))),
    "png-after-iend": ("png", png_with() + SECRET),
    "jpeg-app5": ("jpg", jpeg_with_segment(0xE5, SECRET)),
    "jpeg-app1-xmp": ("jpg", jpeg_with_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00"
                                               + SECRET)),
    "jpeg-comment": ("jpg", jpeg_with_segment(0xFE, SECRET)),
    "jpeg-second-image-after-eoi": ("jpg", pillow("JPEG") + gps_photo(40, 30) + SECRET),
    "animated-png-text": ("png", apng_with_text()),
    "animated-webp-exif-xmp": ("webp", animation("WEBP", lossless=True, exif=tiff_exif(),
                                                 xmp=b"<x:xmpmeta>" + SECRET + b"</x:xmpmeta>")),
    "webp-exif-xmp-private": ("webp", webp_with((b"EXIF", tiff_exif()), (b"XMP ", SECRET),
                                                (b"prVt", SECRET))),
}
TRACES = (SECRET, b"PhoneMaker", b"Exif\x00\x00", b"GPS")


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_metadata_survives_in_any_stored_file(author, case):
    ext, data = CASES[case]
    assert SECRET in data or b"PhoneMaker" in data
    response = upload(author, data, filename=f"x.{ext}", content_type=f"image/{ext}")
    assert response.status_code == 200, response.json
    stem = response.json["name"].split(".")[0]
    files = [path for path in stored_files(author) if path.name.startswith(stem)]
    assert files
    for path in files:
        blob = path.read_bytes()
        for trace in TRACES:
            assert trace not in blob, f"{trace!r} survived in {path.name}"
    served = fetch(author, response.json["url"])[2]
    kept = Image.open(io.BytesIO(served))
    assert kept.size == (24, 16)
    # The same picture (within what a lossy re-encoding changes).
    before = Image.open(io.BytesIO(data)).convert("RGB").getpixel((5, 5))
    after = kept.convert("RGB").getpixel((5, 5))
    assert max(abs(a - b) for a, b in zip(before, after, strict=True)) <= 8


def test_an_image_with_nothing_but_pixels_is_kept_byte_for_byte(author):
    for ext, data in (("png", pillow("PNG")), ("gif", gif_bomb(24, 16, 2)),
                      ("jpg", pillow("JPEG"))):
        response = upload(author, data, filename=f"x.{ext}", content_type=f"image/{ext}")
        assert fetch(author, response.json["url"])[2] == data
