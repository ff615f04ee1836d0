"""Old addresses that carry their meaning in the query string: WordPress's plain permalinks.

Old paths are answered here too, for the not-found handler (``old_path_redirect``): a
legacy URL or a former slug (the ``aliases`` table) with a 301 to its post, and an imported
site's images (``content.old_files``) with a 301 to the upload.

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
from pressmark.content.models import Alias, Post
from pressmark.extensions import db
from pressmark.web.cache import page_layer, per_generation
from pressmark.web.cache.layer import QUERY_KEYS_MEMO
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


def post_at_old_path(*paths: str) -> Post | None:
    """The visible post that one of ``paths`` (legacy URLs, former slugs) used to address.

    A post readers cannot see yet stays hidden, so an old URL never reveals its new slug.
    """
    alias = db.session.scalar(select(Alias).where(Alias.path.in_(paths)))
    return alias.post if alias is not None and alias.post.is_visible else None


def old_path_redirect(path: str) -> Response | None:
    """A 301 for a path that led somewhere once, or None: to the post a legacy URL or a
    former slug addressed (the query string kept), else to the upload that holds an
    imported site's file at ``path``. Called by the not-found handler, so it costs nothing
    on a hit."""
    if "\x00" in path:  # no old address has a NUL (and PostgreSQL cannot compare one)
        return None
    moved = post_at_old_path(*{path, path.rstrip("/"), path + "/"} - {""})
    if moved is not None:
        target = post_url(moved)
        query = request.query_string.decode("latin-1")
        return redirect(f"{target}?{query}" if query else target, code=301)
    url = old_files.moved_to(path)
    return redirect(url, code=301) if url else None
