"""Fingerprinted static assets: every ``url_for('static', ...)`` carries ``v=`` a hash of the
file's content, and a request with the current hash is answered ``immutable`` for a year.

A changed file gets a new URL, so browsers and CDNs may keep the old one forever. Assets
go through the page cache like pages (stored compressed, answered before routing). A
request without ``v`` or with an outdated one gets the current file with the site's short
``Cache-Control``; such answers are not stored, so made-up hashes cannot fill memory.
Hashes are computed once per file per process (restart after changing a file in place).
"""

from __future__ import annotations

import hashlib
import mimetypes
import os

from flask import Flask, Response, abort, current_app, request
from pressmark.state import app_state
from pressmark.web.cache import offer
from werkzeug.security import safe_join

ONE_YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"


def asset_version(app: Flask, filename: str) -> str | None:
    """A short hash of the static file's content, or None if there is no such file."""
    versions = app_state(app).static_versions
    if filename not in versions:
        path = safe_join(app.static_folder, filename)
        try:
            with open(path, "rb") as fh:  # type: ignore[arg-type]
                versions[filename] = hashlib.sha256(fh.read()).hexdigest()[:12]
        except (OSError, TypeError):
            versions[filename] = None
    return versions[filename]


def add_version(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "v" not in values and "filename" in values:
        version = asset_version(current_app, values["filename"])
        if version:
            values["v"] = version


def serve_static(filename: str) -> Response:
    path = safe_join(current_app.static_folder, filename)
    if path is None or not os.path.isfile(path):
        abort(404)
    with open(path, "rb") as fh:
        body = fh.read()
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = Response(body, mimetype=mimetype)
    given = request.args.get("v")
    current = asset_version(current_app, filename)
    if given == current and set(request.args) == {"v"}:
        offer(response, params=("v",), dated=False)
        response.headers["Cache-Control"] = IMMUTABLE
    elif not request.args:
        offer(response, dated=False)
    else:
        response.headers["Cache-Control"] = "public, max-age=60"
    return response


def init_app(app: Flask) -> None:
    app.url_defaults(add_version)
    app.view_functions["static"] = serve_static
