"""Registered on a built app's manager to check ``register_calculators`` results merge.

It returns a plain marker object rather than a real ``Calculator``, so it is registered
after ``create_app`` and never reaches the calculators plugin's own start-up checks.
"""

from pressmark.api import hookimpl

MARKER = object()


@hookimpl
def register_calculators(app):
    return [MARKER]
