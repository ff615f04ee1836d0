"""Uploaded images: cleaned and resized with Pillow, and shown responsively in posts.

On upload (``process_image``) an image is decoded in full, so a corrupt or truncated file
is refused, and one that would cost more to decode than the upload budget allows (too
large a canvas, too many frames, too many pixels in all: a "decompression bomb", a few
kilobytes that would fill the memory) is refused before it is decoded
(``image_budget``). Its EXIF orientation is applied, then every piece of metadata is
dropped (EXIF with GPS position, XMP, comments, colour profiles after converting to sRGB,
text and private chunks, data appended after the image): only pixels are published. What
is stored is either re-encoded by Pillow or made of blocks from an allowlist
(``image_format``), never the sender's bytes with something extra in them.

Each still image gets renditions, ``<sha>-<width>w.webp`` (and ``.avif`` when the
installed Pillow can write AVIF) at ``RENDITION_WIDTHS`` narrower than the image plus its
own width, and the cleaned original ``<sha>.<ext>`` stays as the fallback. Animated
images keep their animation: they are decoded a frame at a time to check them and kept
as their own blocks without the metadata ones, not resized.

When a post is rendered, ``enhance_images`` turns each ``<img>`` of an uploaded image into
a ``<picture>`` with ``srcset``, ``sizes``, ``width`` and ``height`` (so the page does not
shift while it loads), and an image alone in its paragraph with a title into a
``<figure>`` whose ``<figcaption>`` is the title.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from PIL import Image, ImageCms, ImageOps, features
from pressmark.content.uploads.image_budget import (
    BudgetExceeded,
    Deadline,
    DecodeBudget,
    decode_frames,
)
from pressmark.content.uploads.image_format import Structure, inspect

RENDITION_WIDTHS = (480, 800, 1200, 1600)
# The post column is 44rem wide (site.css --measure) inside 1.25rem of padding each side.
POST_SIZES = "(min-width: 46.5rem) 44rem, calc(100vw - 2.5rem)"
PILLOW_FORMATS = {"png": "PNG", "jpg": "JPEG", "gif": "GIF", "webp": "WEBP"}
MEDIA_TYPES = {
    "png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
    "avif": "image/avif",
}
UPLOAD_NAME_RE = re.compile(r"^(?P<sha>[0-9a-f]{64})\.(?P<ext>png|jpg|gif|webp)$")


class ImageError(ValueError):
    """An image that cannot be accepted, with a message for the author."""


def modern_formats() -> tuple[str, ...]:
    """The rendition formats this Pillow can write, best first."""
    return ("avif", "webp") if features.check("avif") else ("webp",)


@dataclass
class ProcessedImage:
    """A cleaned image: the fallback's bytes and the renditions' bytes by file suffix."""

    ext: str
    width: int
    height: int
    original: bytes
    renditions: dict[str, bytes] = field(default_factory=dict)  # "-480w.webp" -> bytes
    widths: tuple[int, ...] = ()
    formats: tuple[str, ...] = ()


def _reason(exc: Exception) -> str:
    """Pillow's message without the Python object it names (``<_io.BytesIO object at
    0x...>`` means nothing to an author)."""
    text = OBJECT_REPR_RE.sub("", str(exc)).strip(" :")
    return f" ({text})" if text else ""


OBJECT_REPR_RE = re.compile(r"\s*<[^<>]*\bat 0x[0-9a-fA-F]+>")
DAMAGED = ("The image could not be read: the file is damaged or incomplete{reason}. "
           "Export it again and retry.")


@contextmanager
def _decoding(budget: DecodeBudget):
    """Turn Pillow's bomb warnings and its many error types into ``ImageError``."""
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice it; here both are refusals.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageError(_bomb(None, None, budget.frame_pixels)) from exc
        except (ImageError, BudgetExceeded) as exc:
            raise ImageError(str(exc)) from exc
        except Exception as exc:  # noqa: BLE001 - Pillow raises many types for bad files
            raise ImageError(DAMAGED.format(reason=_reason(exc))) from exc


def _open_checked(data: bytes, ext: str, budget: DecodeBudget,
                  structure: Structure) -> Image.Image:
    """The image opened (nothing decoded yet), once its canvas and frames are known to fit
    ``budget``."""
    image = Image.open(io.BytesIO(data))
    if image.format != PILLOW_FORMATS[ext]:
        raise ImageError("The image could not be read: its contents do not match its type.")
    # A GIF's frames may reach past the canvas it declares; decoding then enlarges it.
    width, height = max(image.width, structure.width), max(image.height, structure.height)
    budget.check(width, height, structure.frames)
    return image


def _bomb(width: int | None, height: int | None, max_pixels: int) -> str:
    size = f"is {width}×{height} pixels" if width and height else "has too many pixels"
    return (
        f"The image {size}, more than the limit of {max_pixels / 1_000_000:g} million "
        "pixels. Scale it down and try again."
    )


def _to_srgb(image: Image.Image) -> Image.Image:
    """Pixels converted from the image's embedded colour profile (if any) to sRGB, so that
    dropping the profile does not change the colours."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode
        )
    except (ImageCms.PyCMSError, OSError):
        return image  # an unreadable profile: keep the pixels as they are


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image holding only ``image``'s pixels, in sRGB: no EXIF, XMP, comment or
    colour profile is carried over."""
    if image.mode not in ("RGB", "RGBA", "L"):
        has_alpha = image.mode in ("LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    clean = _to_srgb(image)
    clean = clean.copy() if clean is image else clean
    clean.info = {}  # EXIF, XMP, comments, profile: encoders read these from info
    return clean


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "jpg":
        image.convert("RGB" if image.mode != "L" else "L").save(
            out, "JPEG", quality=88, optimize=True, progressive=True
        )
    elif fmt == "png":
        image.save(out, "PNG", optimize=True)
    elif fmt == "webp":
        image.save(out, "WEBP", quality=82, method=4)
    elif fmt == "avif":
        image.save(out, "AVIF", quality=60, speed=8)
    elif fmt == "gif":
        image.save(out, "GIF")
    return out.getvalue()


def process_image(data: bytes, ext: str, budget: DecodeBudget) -> ProcessedImage:
    """Check, clean and resize the image ``data`` of type ``ext`` (from its first bytes).

    Raises ``ImageError`` for a corrupt file or one over ``budget`` (see ``image_budget``).
    An animation is decoded a frame at a time to check it, and kept as its own blocks
    without the metadata ones (``image_format``); a still with nothing but pixels is kept
    byte for byte (no loss from re-encoding a JPEG, and an exported site imports back
    unchanged), any other still is re-encoded from its pixels.
    """
    deadline = budget.deadline()
    with _decoding(budget):
        structure = inspect(data, ext)  # BadStructure: refused as damaged
        image = _open_checked(data, ext, budget, structure)
        if structure.frames > 1:
            decode_frames(image, structure.frames, deadline)
            width, height = image.size
            return ProcessedImage(ext, width, height, structure.stripped)
        image.load()
        deadline.check()
        original = data if structure.clean else None
        clean = _pixels_only(_upright(image))
        del image
        return _with_renditions(clean, ext, original, deadline)


def _upright(image: Image.Image) -> Image.Image:
    """``image`` turned as its EXIF orientation says; as it is when the EXIF is unreadable
    (it is dropped anyway, and the pixels are fine)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow warns of corrupt EXIF, then raises or not
        try:
            return ImageOps.exif_transpose(image)
        except (SyntaxError, ValueError, OSError, struct.error):
            return image


def _with_renditions(clean: Image.Image, ext: str, original: bytes | None,
                     deadline: Deadline) -> ProcessedImage:
    width, height = clean.size
    result = ProcessedImage(ext, width, height, original or _encode(clean, ext))
    widths = tuple(w for w in RENDITION_WIDTHS if w < width) + (width,)
    formats = modern_formats()
    for target in widths:
        deadline.check()
        resized = clean if target == width else clean.resize(
            (target, max(1, round(height * target / width))), Image.Resampling.LANCZOS
        )
        for fmt in formats:
            result.renditions[f"-{target}w.{fmt}"] = _encode(resized, fmt)
    result.widths, result.formats = widths, formats
    return result


# --- rendering ------------------------------------------------------------------------------

IMG_RE = re.compile(r"<img\b[^>]*>")
LONE_IMG_RE = re.compile(r"<p>\s*(<img\b[^>]*>)\s*</p>")
ATTR_RE = re.compile(r'([\w:-]+)="([^"]*)"')


@dataclass(frozen=True)
class ImageInfo:
    """What rendering needs to know of a stored upload (see ``models.Image``)."""

    name: str
    width: int
    height: int
    widths: tuple[int, ...]
    formats: tuple[str, ...]

    @property
    def url(self) -> str:
        return f"/uploads/{self.name}"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.name.rsplit(".", 1)[1]]

    def srcset(self, fmt: str) -> str:
        stem = self.name.rsplit(".", 1)[0]
        return ", ".join(f"/uploads/{stem}-{w}w.{fmt} {w}w" for w in self.widths)


def picture_html(
    info: ImageInfo, alt: str, *, sizes: str = POST_SIZES, eager: bool = False,
    extra: str = "",
) -> str:
    """``<picture>`` (or a plain ``<img>`` without renditions) for an uploaded image.

    ``alt`` and ``extra`` (more attributes for the ``<img>``) must already be escaped.
    ``eager`` is for an image at the top of the page (a cover): no lazy loading.
    """
    # (fetchpriority would be better, but the Nu checker does not know it yet.)
    loading = 'loading="eager"' if eager else 'loading="lazy"'
    img = (
        f'<img src="{info.url}" alt="{alt}" width="{info.width}" height="{info.height}" '
        f'{loading} decoding="async"{extra}>'
    )
    if not info.widths:
        return img
    sources = "".join(
        f'<source type="{MEDIA_TYPES[fmt]}" srcset="{info.srcset(fmt)}" sizes="{sizes}">'
        for fmt in info.formats
    )
    return f"<picture>{sources}{img}</picture>"


def enhance_images(html: str, lookup: Callable[[str], ImageInfo | None]) -> str:
    """Responsive markup for the sanitised ``html``'s images (see the module docstring).

    ``lookup`` gives the stored image for an upload's file name, or None. Other images
    (another host's, or an upload not on record) keep their ``src`` and get lazy loading.
    """

    def one(tag: str) -> tuple[str, str]:
        """(markup, caption) for one sanitised <img> tag."""
        attrs = dict(ATTR_RE.findall(tag))
        alt, title = attrs.get("alt", ""), attrs.get("title", "")
        name = attrs.get("src", "").removeprefix("/uploads/")
        info = lookup(name) if UPLOAD_NAME_RE.match(name) else None
        if info is not None:
            return picture_html(info, alt), title
        kept = "".join(
            f' {k}="{v}"' for k, v in attrs.items() if k not in ("loading", "decoding", "title")
        )
        return f'<img{kept} loading="lazy" decoding="async">', title

    def figure(match: re.Match) -> str:
        markup, caption = one(match.group(1))
        if not caption:
            return f"<p>{markup}</p>"
        return f"<figure>{markup}<figcaption>{caption}</figcaption></figure>"

    def inline(match: re.Match) -> str:
        markup, caption = one(match.group(0))
        return markup.replace("<img ", f'<img title="{caption}" ', 1) if caption else markup

    html = LONE_IMG_RE.sub(figure, html)
    # Images already rewritten carry decoding="async"; the rest are inline in text.
    return IMG_RE.sub(lambda m: m.group(0) if "decoding=" in m.group(0) else inline(m), html)


# --- social cards ---------------------------------------------------------------------------

CARD_SIZE = (1200, 630)  # what OpenGraph and Twitter's large card show uncropped
CARD_BACKGROUND = (17, 24, 39)
CARD_ACCENT = (96, 165, 250)
CARD_TEXT = (243, 244, 246)
CARD_MUTED = (156, 163, 175)


def crop_card(data: bytes) -> bytes:
    """The image ``data`` (already cleaned) cut to 1200x630 around its centre, as JPEG."""
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)
        card = ImageOps.fit(image.convert("RGB"), CARD_SIZE, Image.Resampling.LANCZOS)
    return _encode(card, "jpg")


def _wrap(draw, text: str, font, width: int, max_lines: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(".,;:") + "…"
    return lines


def text_card(title: str, subtitle: str) -> bytes:
    """A 1200x630 PNG with ``title`` large and ``subtitle`` below: the card of pages without
    a cover image. Uses Pillow's own font, so it needs no font installed."""
    from PIL import ImageDraw, ImageFont

    card = Image.new("RGB", CARD_SIZE, CARD_BACKGROUND)
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, 24, CARD_SIZE[1]), fill=CARD_ACCENT)
    margin, width = 96, CARD_SIZE[0] - 2 * 96
    title_font = ImageFont.load_default(size=72)
    subtitle_font = ImageFont.load_default(size=34)
    y = 120
    for line in _wrap(draw, title, title_font, width, 3):
        draw.text((margin, y), line, font=title_font, fill=CARD_TEXT)
        y += 88
    y += 24
    for line in _wrap(draw, subtitle, subtitle_font, width, 4):
        draw.text((margin, y), line, font=subtitle_font, fill=CARD_MUTED)
        y += 46
    out = io.BytesIO()
    card.save(out, "PNG", optimize=True)
    return out.getvalue()
