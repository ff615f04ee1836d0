"""Old addresses that carry their meaning in the query string: WordPress's plain permalinks.

An imported site's images keep their old addresses too (``content.old_files``): the
not-found handler answers them with a 301 to the upload (``old_file_redirect``).

An imported WordPress site answered ``/?p=42``, ``/?page_id=748`` and
``/?attachment_id=9``; the importer keeps them as aliases written ``/?p=42``. Such an
alias matches on its path and its one query key alone: ``/?p=42&utm_source=x`` is the
same old address. Since ``/`` is the home page (never a 404), these are looked up before
routing: in Flask's ``before_request``, and the page cache in front of Flask lets a
request through to it when the query names a key some alias uses (``may_be_old_address``),
a set computed once per content generation.
"""

from __future__ import annotations

from flask import Flask, redirect, request
from pressmark.content import old_files
from pressmark.content.models import Alias
from pressmark.extensions import db
from pressmark.web.cache import page_layer, per_generation
from pressmark.web.cache.layer import QUERY_KEYS_MEMO
from pressmark.web.rendering import post_at_old_path
from pressmark.web.urls import post_url
from sqlalchemy import select
from werkzeug.wrappers import Response


def init_app(app: Flask) -> None:
    app.before_request(redirect_old_query_address)


def _query_keys() -> tuple[int, frozenset[str]]:
    from flask import current_app

    generation = page_layer(current_app).store.generation
    paths = db.session.scalars(select(Alias.path).where(Alias.path.contains("?")))
    keys = {path.split("?", 1)[1].split("=", 1)[0] for path in paths}
    return generation, frozenset(keys)


def redirect_old_query_address() -> Response | None:
    """301 to the post an alias like ``/?p=42`` names; None lets the request go on."""
    if request.method not in ("GET", "HEAD") or not request.args:
        return None
    _, keys = per_generation(QUERY_KEYS_MEMO, _query_keys)
    candidates = []
    for key in keys & set(request.args):
        value = request.args.get(key, "")
        if not value.isdigit():
            continue
        candidates.append(f"{request.path}?{key}={int(value)}")
        if request.path in ("/index.php", ""):  # WordPress answered both
            candidates.append(f"/?{key}={int(value)}")
    if not candidates:
        return None
    post = post_at_old_path(*candidates)
    return redirect(post_url(post), code=301) if post is not None else None


def old_file_redirect(path: str) -> Response | None:
    """301 to the upload that holds an imported site's file at ``path`` (its old image
    address), or None. Called by the not-found handler, so it costs nothing on a hit."""
    url = old_files.moved_to(path)
    return redirect(url, code=301) if url else None
