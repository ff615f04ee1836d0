"""What ``content/`` announces to the layers above it, as blinker signals (Flask's own).

``content/`` never imports ``web/``: the page cache subscribes to these signals instead of
being reached into. Receivers are connected per app (``sender=app``), so two apps in one
process never hear each other's changes.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

content_changed = _signals.signal("content-changed")
"""Sent with the app as sender, after a change readers can see (a post saved, deleted or
re-rendered, the navigation, an author's profile) has been committed, in the process that
made it. Other processes learn of it from the content generation
(``pressmark.content.generation``). Receivers take ``(sender)`` and must not raise."""
