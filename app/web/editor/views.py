"""The author's editor under ``/editor``, one blueprint (``bp``) whose views live by job:

- ``base``: the blueprint, sign-in, the post from the URL, the 403 and 413 pages;
- ``dashboard``: the list of posts and pages;
- ``form``: the post and page form, preview, autosave, uploads from the form;
- ``history``: trash, delete forever, revisions, compare, restore.

Importing this module imports them all, so ``bp`` has every route when ``create_app``
registers it. Every view needs a signed-in author; every change is a POST with the CSRF
token and goes through ``pressmark.content.store``.
"""

from __future__ import annotations

from pressmark.web.editor import dashboard, form, history
from pressmark.web.editor.base import bp, forbidden, too_large

__all__ = ["bp", "dashboard", "forbidden", "form", "history", "too_large"]
