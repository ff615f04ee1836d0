"""The hook the calculators plugin adds: ``register_calculators``.

Added to the app's plugin manager by the plugin's ``addhooks`` when it registers, so the
core names no plugin's types. Another plugin implementing it should mark the
implementation ``@hookimpl(optionalhook=True)``: it then still loads when the calculators
plugin is disabled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pressmark.api import hookspec, isolated

if TYPE_CHECKING:
    from flask import Flask
    from pressmark.plugins.calculators.base import Calculator


@hookspec
@isolated
def register_calculators(app: Flask) -> list[Calculator]:
    """Return calculators for the built-in ``calculators`` plugin's ``calc`` embed.

    Each item is a ``pressmark.plugins.calculators.Calculator``: a name, its inputs with
    defaults and validation, presets, and a ``compute(values) -> results`` function, so each
    formula lives once, in Python. Names must be unique; on a clash the later-registered
    plugin wins.
    """
