"""The read-only Content API's blueprint and what every answer of it shares.

- ``GET``/``HEAD`` answers go through the page cache like every public page (validators,
  304s, ``Cache-Control``, invalidated when content changes): ``json_answer`` offers them,
  keyed on the parameters the view read.
- CORS: any origin may read (``Access-Control-Allow-Origin: *``; no credentials are ever
  involved, so the answer is the same for every origin and needs no ``Vary``); an
  ``OPTIONS`` preflight allows ``GET``, ``HEAD`` and the conditional-request headers.
- Errors are RFC 9457 problem documents (``pressmark.web.api.problems``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from flask import Blueprint, Response, request
from pressmark.api import absolute_url, cached_response
from pressmark.web.api.problems import Problem, http_error_response, problem_response
from werkzeug.exceptions import HTTPException

JSON_TYPE = "application/json"
READ_METHODS = "GET, HEAD, OPTIONS"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Link, Cache-Control",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": READ_METHODS,
    "Access-Control-Allow-Headers": "Accept, If-None-Match, If-Modified-Since, Cache-Control",
    "Access-Control-Max-Age": "86400",
}

content = Blueprint("content", __name__)


def dumps(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def json_answer(data: object, read: Sequence[str] = (), *, next_url: str | None = None
                ) -> Response:
    """``data`` as a cacheable JSON answer that depends on the query parameters ``read``."""
    response = cached_response(lambda: dumps(data), JSON_TYPE, params=sorted(set(read)))
    if next_url:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


@content.get("/")
def index():
    """The API's entry point: where each list, the description and its page are."""
    names = ("posts", "pages", "topics", "tags", "authors", "series", "search")
    return json_answer({"links": {
        **{name: absolute_url(f"{request.script_root}/api/v1/{name}") for name in names},
        "openapi": absolute_url(f"{request.script_root}/api/v1/openapi.json"),
        "docs": absolute_url(f"{request.script_root}/api/v1/docs"),
    }})


@content.route("/<path:anything>", methods=["GET", "HEAD"])
def no_such_resource(anything: str):
    """Any other address under the API is a 404 problem document, not the site's page."""
    raise Problem(404, "There is no such resource in this API; see /api/v1/docs.")


@content.after_request
def allow_any_origin(response: Response) -> Response:
    response.headers.update(CORS_HEADERS)
    if request.method == "OPTIONS":
        response.headers.update(PREFLIGHT_HEADERS)
        response.headers["Allow"] = READ_METHODS
        response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@content.errorhandler(Problem)
def problem(error: Problem) -> Response:
    return problem_response(error)


@content.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    return http_error_response(error)
