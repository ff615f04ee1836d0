"""The container structure of an uploaded image, read without decoding a pixel.

``inspect(data, ext)`` walks a PNG's chunks, a JPEG's segments, a GIF's blocks or a WebP's
RIFF chunks and returns the canvas size, the number of frames (what decoding would cost,
known before anything is decoded) and whether the file holds nothing but pixels: only
blocks from an allowlist, and nothing after the end of the image. Anything else (text,
comment and EXIF chunks, XMP, colour profiles, private or unknown chunks, APPn segments,
a second image appended after the end marker) makes the file "not clean", and
``Structure.stripped`` is the file rebuilt from the allowed blocks alone: animations are
kept that way (re-encoding them would hold every frame in memory), stills that are not
clean are re-encoded by Pillow (``images.process_image``).

A structure that cannot be walked (a truncated or garbled file) raises ``BadStructure``.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass


class BadStructure(ValueError):
    """The file's blocks cannot be walked: it is damaged, truncated or not of its type."""


@dataclass(frozen=True)
class Structure:
    width: int
    height: int
    frames: int
    clean: bool  # only allowed blocks, nothing appended
    # The file from its allowed blocks only (== data when clean). Empty for a JPEG that is
    # not clean: a JPEG is never animated, so one with metadata is re-encoded instead.
    stripped: bytes

    @property
    def pixels(self) -> int:
        """Pixels decoded in all: each frame is decoded onto the whole canvas."""
        return self.width * self.height * self.frames


def inspect(data: bytes, ext: str) -> Structure:
    """The structure of ``data``, an image of type ``ext`` (png, jpg, gif, webp)."""
    try:
        return {"png": _png, "jpg": _jpeg, "gif": _gif, "webp": _webp}[ext](data)
    except BadStructure:
        raise
    except (IndexError, ValueError, struct.error) as exc:
        raise BadStructure("the file ends in the middle of a block") from exc


def is_clean(data: bytes, ext: str) -> bool:
    """True when ``data`` holds nothing but an image (see the module docstring)."""
    try:
        return inspect(data, ext).clean
    except BadStructure:
        return False


# --- PNG (and APNG) ---------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chunks that describe pixels or animation. iCCP (a colour profile) and eXIf (which may turn
# the image) are left out on purpose: Pillow applies them when it re-encodes.
PNG_KEPT = frozenset({
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT",
    b"pHYs", b"bKGD", b"acTL", b"fcTL", b"fdAT",
})


def _png(data: bytes) -> Structure:
    if not data.startswith(PNG_SIGNATURE):
        raise BadStructure("not a PNG")
    pos, kept, clean = 8, [PNG_SIGNATURE], True
    width = height = 0
    frames, ended = 0, False
    while not ended:
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if len(kind) < 4 or end > len(data) or not kind.isalpha():
            raise BadStructure("a PNG chunk is damaged or cut short")
        body = data[pos + 8:pos + 8 + length]
        if struct.unpack(">I", data[end - 4:end])[0] != zlib.crc32(kind + body) & 0xFFFFFFFF:
            raise BadStructure(f"the PNG chunk {kind.decode()} fails its checksum")
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"fcTL":
            frames += 1
        ended = kind == b"IEND"
        if kind in PNG_KEPT:
            kept.append(data[pos:end])
        else:
            clean = False
        pos = end
    if pos != len(data):
        clean = False  # something appended after IEND
    return Structure(width, height, max(frames, 1), clean, data if clean else b"".join(kept))


# --- JPEG -------------------------------------------------------------------------------------

# SOFn (not DHT C4, JPG C8, DAC CC), DHT, DQT, DRI, DNL: pixels and how to decode them.
JPEG_KEPT = frozenset({*range(0xC0, 0xD0), 0xDB, 0xDD, 0xDC})
SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_app_is_pixels(marker: int, body: bytes) -> bool:
    """JFIF without a thumbnail (APP0) and Adobe's colour transform (APP14) only."""
    if marker == 0xE0:
        return body.startswith(b"JFIF\x00") and body[12:14] == b"\x00\x00"
    return marker == 0xEE and body.startswith(b"Adobe")


def _jpeg(data: bytes) -> Structure:
    if not data.startswith(b"\xff\xd8"):
        raise BadStructure("not a JPEG")
    pos, clean, width, height = 2, True, 0, 0
    while True:
        if data[pos] != 0xFF:
            raise BadStructure("a JPEG segment is damaged")
        while data[pos + 1] == 0xFF:  # fill bytes
            pos += 1
        marker = data[pos + 1]
        if marker == 0xD9:  # end of image
            pos += 2
            break
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        body = data[pos + 4:pos + 2 + length]
        if length < 2 or len(body) != length - 2:
            raise BadStructure("a JPEG segment is cut short")
        if marker in SOF:
            height, width = struct.unpack(">HH", body[1:5])
        elif marker == 0xDA or marker in JPEG_KEPT or _jpeg_app_is_pixels(marker, body):
            pass
        else:
            clean = False  # APPn, COM, or a marker with no business here
        pos += 2 + length
        if marker == 0xDA:
            pos = _end_of_scan(data, pos)
    if pos != len(data):
        clean = False  # something appended after the end-of-image marker
    return Structure(width, height, 1, clean, data[:pos] if clean else b"")


def _end_of_scan(data: bytes, pos: int) -> int:
    """Where the entropy-coded data from ``pos`` ends: the next marker that is not a
    stuffed byte (FF 00) or a restart marker (FF D0-D7)."""
    while True:
        pos = data.index(b"\xff", pos)
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1 if following == 0xFF else 2
            continue
        return pos


# --- GIF --------------------------------------------------------------------------------------

LOOP_APPLICATIONS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")


def _sub_blocks(data: bytes, pos: int) -> int:
    """The position after the data sub-blocks that start at ``pos``."""
    while True:
        size = data[pos]
        pos += 1 + size
        if pos > len(data):
            raise BadStructure("a GIF block is cut short")
        if size == 0:
            return pos


def _is_loop(data: bytes, start: int, end: int) -> bool:
    """An application extension that only says how often the animation loops."""
    block = data[start:end]
    return (len(block) == 19 and block[2] == 0x0B and block[3:14] in LOOP_APPLICATIONS
            and block[14:16] == b"\x03\x01" and block[18] == 0)


def _gif(data: bytes) -> Structure:
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise BadStructure("not a GIF")
    width, height, packed = struct.unpack("<HHB", data[6:11])
    pos = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
    kept, pending_control = [data[:pos]], b""
    frames, clean = 0, True
    while True:
        introducer = data[pos]
        if introducer == 0x3B:  # trailer
            pos += 1
            break
        if introducer == 0x2C:  # an image: descriptor, local colour table, LZW data
            left, top, frame_width, frame_height, packed = struct.unpack(
                "<HHHHB", data[pos + 1:pos + 10])
            # A frame outside the declared canvas makes decoders enlarge the canvas.
            width, height = max(width, left + frame_width), max(height, top + frame_height)
            start = pos
            pos += 10 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0) + 1
            pos = _sub_blocks(data, pos)
            kept += [pending_control, data[start:pos]]
            pending_control, frames = b"", frames + 1
        elif introducer == 0x21:
            start, label = pos, data[pos + 1]
            pos = _sub_blocks(data, pos + 2)
            if label == 0xF9:  # graphic control: timing and transparency of the next image
                pending_control = data[start:pos]
            elif label == 0xFF and _is_loop(data, start, pos):
                kept.append(data[start:pos])
            else:  # comments, XMP and other application data, plain text
                clean, pending_control = False, b""
        else:
            raise BadStructure("a GIF block is damaged")
    if pos != len(data):
        clean = False
    stripped = data if clean else b"".join(kept) + b"\x3b"
    return Structure(width, height, max(frames, 1), clean, stripped)


# --- WebP -------------------------------------------------------------------------------------

WEBP_KEPT = frozenset({b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF"})
VP8X_METADATA = 0x20 | 0x08 | 0x04  # ICC profile, EXIF, XMP


def _riff_chunks(data: bytes, pos: int, end: int):
    while pos < end:
        kind = data[pos:pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4:pos + 8])
        stop = pos + 8 + size + (size & 1)
        if stop > end + (size & 1):
            raise BadStructure("a WebP chunk is cut short")
        yield kind, pos, min(stop, end)
        pos = stop


def _webp(data: bytes) -> Structure:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise BadStructure("not a WebP")
    end = 8 + struct.unpack("<I", data[4:8])[0]
    if end > len(data):
        raise BadStructure("the WebP file is cut short")
    kept, clean, frames, width, height = [], end == len(data), 0, 0, 0
    for kind, start, stop in _riff_chunks(data, 12, end):
        chunk = data[start:stop]
        if kind == b"VP8X":
            flags = chunk[8]
            width = 1 + int.from_bytes(chunk[12:15], "little")
            height = 1 + int.from_bytes(chunk[15:18], "little")
            if flags & VP8X_METADATA:
                clean = False
                chunk = chunk[:8] + bytes([flags & ~VP8X_METADATA & 0xFF]) + chunk[9:]
        elif kind == b"ANMF":
            frames += 1
            frame_kinds = {k for k, _, _ in _riff_chunks(data, start + 24, stop)}
            if not frame_kinds <= WEBP_KEPT:
                clean = False
                chunk = chunk[:24] + b"".join(
                    data[s:e] for k, s, e in _riff_chunks(data, start + 24, stop)
                    if k in WEBP_KEPT)
                chunk = chunk[:4] + struct.pack("<I", len(chunk) - 8) + chunk[8:]
        if kind in WEBP_KEPT:
            kept.append(chunk)
        else:
            clean = False
    body = b"WEBP" + b"".join(kept)
    stripped = data if clean else b"RIFF" + struct.pack("<I", len(body)) + body
    return Structure(width, height, max(frames, 1), clean, stripped)
