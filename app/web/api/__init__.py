"""The JSON API under ``/api/v1/``: one module per resource.

- ``base``: the read-only Content API's blueprint (caching, CORS, problem documents);
- ``posts`` (posts and pages), ``taxonomies`` (topics, tags, authors, series), ``search``;
- ``openapi``: the OpenAPI 3.1 description and its readable page;
- ``admin`` (with ``auth``): the Admin API, for personal access tokens;
- ``params``, ``listing``, ``serialize``, ``problems``: what the views share.

``bp`` is the one blueprint ``create_app`` registers; the others are nested in it.
"""

from __future__ import annotations

from flask import Blueprint
from pressmark.web.api import admin, openapi, posts, search, taxonomies  # noqa: F401 (routes)
from pressmark.web.api.base import content

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.register_blueprint(content)
bp.register_blueprint(admin.bp)
