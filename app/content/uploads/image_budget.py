"""How much decoding one uploaded image may cost, checked before any pixel is decoded.

A GIF of a few kilobytes can declare a 2000×2000 canvas and a hundred one-pixel frames;
each frame decodes onto the whole canvas, so it costs what a hundred full images would.
An upload is therefore refused, before decoding, when

- one frame's canvas is over ``max_pixels`` (``UPLOAD_MAX_PIXELS``),
- it has more than ``max_frames`` frames (``UPLOAD_MAX_FRAMES``), or
- frames × canvas is over ``total_pixels`` (``UPLOAD_PIXEL_BUDGET``, 100 million),

and while it is processed (frames decoded one at a time, renditions made one after the
other) it is refused as soon as ``seconds`` (``UPLOAD_DECODE_SECONDS``) have gone by.
Pillow's own guard, ``Image.MAX_IMAGE_PIXELS``, is set from the same settings
(``configure_pillow``), so every other ``Image.open`` in the process is bounded too.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from PIL import Image


class BudgetExceeded(ValueError):
    """Decoding the image would cost more than the budget allows; the message says why."""


def _mp(pixels: int) -> str:
    return f"{pixels / 1_000_000:g} million pixels"


@dataclass(frozen=True)
class DecodeBudget:
    max_pixels: int = 50_000_000
    total_pixels: int = 100_000_000
    max_frames: int = 500
    seconds: float = 30.0

    @classmethod
    def from_config(cls, config: Mapping) -> DecodeBudget:
        """The budget from the app's ``UPLOAD_*`` settings (defaults where one is absent)."""
        default = cls()
        return cls(
            max_pixels=int(config.get("UPLOAD_MAX_PIXELS", default.max_pixels)),
            total_pixels=int(config.get("UPLOAD_PIXEL_BUDGET", default.total_pixels)),
            max_frames=int(config.get("UPLOAD_MAX_FRAMES", default.max_frames)),
            seconds=float(config.get("UPLOAD_DECODE_SECONDS", default.seconds)),
        )

    @property
    def frame_pixels(self) -> int:
        """The largest canvas one frame may have."""
        return min(self.max_pixels, self.total_pixels)

    def check(self, width: int, height: int, frames: int) -> None:
        """Raise ``BudgetExceeded`` unless ``frames`` frames of ``width``×``height`` fit."""
        canvas = width * height
        if canvas > self.frame_pixels:
            raise BudgetExceeded(
                f"The image is {width}×{height} pixels, more than the limit of "
                f"{_mp(self.frame_pixels)}. Scale it down and try again."
            )
        if frames > self.max_frames:
            raise BudgetExceeded(
                f"The animation has {frames} frames, more than the limit of "
                f"{self.max_frames}. Shorten it and try again."
            )
        if canvas * frames > self.total_pixels:
            raise BudgetExceeded(
                f"The animation has {frames} frames of {width}×{height} pixels: "
                f"{_mp(canvas * frames)} to decode, more than the limit of "
                f"{_mp(self.total_pixels)}. Make it smaller or shorter and try again."
            )

    def deadline(self) -> Deadline:
        return Deadline(time.monotonic() + self.seconds, self.seconds)


@dataclass(frozen=True)
class Deadline:
    """The moment by which one upload must be processed."""

    at: float
    seconds: float

    def check(self) -> None:
        """Raise ``BudgetExceeded`` when the moment has passed."""
        if time.monotonic() > self.at:
            raise BudgetExceeded(
                f"The image took more than {self.seconds:g} seconds to process, the limit "
                "for one upload. Make it smaller and try again."
            )


def configure_pillow(budget: DecodeBudget) -> None:
    """Set Pillow's process-wide decompression-bomb limit from ``budget``.

    Pillow warns above ``MAX_IMAGE_PIXELS`` and refuses above twice it; uploads turn the
    warning into a refusal too.
    """
    Image.MAX_IMAGE_PIXELS = budget.frame_pixels


def decode_frames(image: Image.Image, frames: int, deadline: Deadline) -> None:
    """Decode each of ``image``'s ``frames`` frames in turn, keeping only the current one
    (and whatever Pillow needs to compose the next), so that a damaged frame anywhere is
    found; checks ``deadline`` between frames. Raises ``EOFError`` for a missing frame."""
    for index in range(frames):
        deadline.check()
        image.seek(index)
        image.load()
    deadline.check()
