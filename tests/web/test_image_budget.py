"""Image bombs uploaded through the real server: a tiny animated GIF that declares a huge
canvas and many frames is refused before it is decoded, quickly, with a clear message, and
the server's memory stays bounded; a legal animation is decoded one frame at a time."""

from __future__ import annotations

import io
import json
import re
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image
from pressmark.content.uploads.image_budget import DecodeBudget

from tests.servers import Browser, Server, create_author, site_env
from tests.web.test_images import author, fetch  # noqa: F401 - fixture
from tests.web.test_uploads import stored_files, upload

# One 1x1 image block, as Pillow and browsers write it: descriptor, LZW code size, data.
ONE_PIXEL_FRAME = b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x01\x44\x00"


def gif_bomb(width: int, height: int, frames: int) -> bytes:
    """A GIF of ``width``x``height`` with ``frames`` one-pixel frames, built byte by byte:
    a few bytes per frame, but each decodes onto the whole canvas."""
    palette = b"\x00" * 3 + b"\xff" * 3
    header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + palette
    loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    delay = b"\x21\xf9\x04\x00\x05\x00\x00\x00"  # 50 ms
    return header + loop + (delay + ONE_PIXEL_FRAME) * frames + b"\x3b"


def peak_rss_mib(server: Server) -> float:
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def upload_to(browser: Browser, data: bytes, name: str = "bomb.gif"):
    """POST ``data`` to the editor's upload endpoint as the editor's script does."""
    token = browser.token("/editor/new")
    boundary = "pressmark-test-boundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{name}\""
        "\r\nContent-Type: image/gif\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Host": browser.host, "Cookie": "; ".join(f"{k}={v}" for k, v in
                                                         browser.cookies.items()),
               "Content-Type": f"multipart/form-data; boundary={boundary}",
               "Accept": "application/json", "X-CSRFToken": token}
    started = time.monotonic()
    answer = browser.server.request("POST", "/editor/uploads", headers, body)
    return answer, time.monotonic() - started


@pytest.fixture(scope="module")
def signed_in(tmp_path_factory):
    env = site_env(tmp_path_factory.mktemp("bombs") / "instance", SITE_URL="http://localhost")
    server = Server(env, "--no-demo", "--threads", "2")
    try:
        create_author(env)
        browser = Browser(server)
        assert browser.login().status == 303
        yield browser
    finally:
        server.stop()


def test_gif_bombs_are_refused_quickly_and_memory_stays_bounded(signed_in):
    warm, _ = upload_to(signed_in, gif_bomb(16, 16, 3), "small.gif")
    assert warm.status == 200, warm.text
    before = peak_rss_mib(signed_in.server)
    for data, message in (
        (gif_bomb(2000, 2000, 120), "120 frames of 2000×2000 pixels: 480 million pixels"),
        (gif_bomb(7000, 7000, 40), "40 frames of 7000×7000 pixels: 1960 million pixels"),
    ):
        assert len(data) < 3000
        answer, seconds = upload_to(signed_in, data)
        assert answer.status == 400, answer.text
        error = json.loads(answer.text)["error"]
        assert message in error and "more than the limit of 100 million pixels" in error
        assert seconds < 3
    assert peak_rss_mib(signed_in.server) - before < 60


def test_a_legal_animation_is_decoded_one_frame_at_a_time(signed_in):
    # 90 frames of a 1000x1000 canvas fit the budget (90 million pixels); held all at
    # once as RGBA they would take 360 MB.
    before = peak_rss_mib(signed_in.server)
    answer, _ = upload_to(signed_in, gif_bomb(1000, 1000, 90), "long.gif")
    assert answer.status == 200, answer.text
    assert peak_rss_mib(signed_in.server) - before < 80
    served = signed_in.server.get(json.loads(answer.text)["url"])
    kept = Image.open(io.BytesIO(served.body))
    assert kept.size == (1000, 1000) and kept.n_frames == 90


def test_frames_larger_than_the_declared_canvas_count_at_their_size(author):  # noqa: F811
    # A 1x1 frame, then 12 of 3000x3000, in a GIF that declares a 1x1 canvas: decoders
    # grow the canvas to the frames, so it is 117 million pixels to decode, not 13.
    out = io.BytesIO()
    Image.new("P", (3000, 3000)).save(out, "GIF")
    big = out.getvalue()
    frame = big[big.index(b"\x2c" + struct.pack("<HHHH", 0, 0, 3000, 3000)):-1]
    header = b"GIF89a" + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0) + b"\x00" * 3 + b"\xff" * 3
    data = header + ONE_PIXEL_FRAME + frame * 12 + b"\x3b"
    assert len(data) < 2_000_000
    response = upload(author, data, filename="a.gif", content_type="image/gif")
    assert response.status_code == 400
    assert "13 frames of 3000×3000 pixels: 117 million pixels" in response.json["error"]


def test_too_many_frames_and_too_much_time_are_refused(author, monkeypatch):  # noqa: F811
    monkeypatch.setitem(author.app.config, "UPLOAD_MAX_FRAMES", 10)
    response = upload(author, gif_bomb(10, 10, 11), filename="a.gif", content_type="image/gif")
    assert response.status_code == 400
    assert "11 frames, more than the limit of 10" in response.json["error"]
    monkeypatch.setitem(author.app.config, "UPLOAD_DECODE_SECONDS", 0)
    response = upload(author, gif_bomb(10, 10, 3), filename="a.gif", content_type="image/gif")
    assert response.status_code == 400
    assert "took more than 0 seconds to process" in response.json["error"]
    assert stored_files(author) == []


def test_pillow_is_bounded_by_the_same_setting(tmp_path, monkeypatch):
    from tests.conftest import make_test_app

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)
    make_test_app(tmp_path, UPLOAD_PIXEL_BUDGET=4_000_000)
    assert Image.MAX_IMAGE_PIXELS == 4_000_000
    assert DecodeBudget(total_pixels=4_000_000).frame_pixels == 4_000_000


def png_from_chunks(chunks: list[tuple[bytes, bytes]]) -> bytes:
    """A PNG file from (type, data) chunks, with lengths and checksums, ending in IEND."""
    out = b"\x89PNG\r\n\x1a\n"
    for kind, data in [*chunks, (b"IEND", b"")]:
        out += struct.pack(">I", len(data)) + kind + data
        out += struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return out


def test_an_unreadable_image_is_described_without_python_objects(author):  # noqa: F811
    # Well-formed chunks, but a bit depth PNG does not have: Pillow cannot identify it.
    ihdr = struct.pack(">IIBBBBB", 4, 4, 3, 2, 0, 0, 0)
    data = png_from_chunks([(b"IHDR", ihdr), (b"IDAT", zlib.compress(b"\x00" * 20))])
    response = upload(author, data, filename="a.png", content_type="image/png")
    assert response.status_code == 400
    error = response.json["error"]
    assert "damaged or incomplete" in error
    assert "object at 0x" not in error and "<_io" not in error
