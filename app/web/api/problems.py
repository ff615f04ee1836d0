"""Errors of the JSON API as RFC 9457 problem documents (``application/problem+json``).

A view raises ``Problem``; the API's blueprints turn it into a response whose body says
what went wrong in words a developer can act on, and, for a bad query parameter, names the
parameter (``parameter`` and ``invalid_params``), so a client can point at its own mistake.
Problem answers are never cached (``Cache-Control: no-store``).
"""

from __future__ import annotations

import json
from http import HTTPStatus

from flask import Response, request

PROBLEM_TYPE = "application/problem+json"


class Problem(Exception):
    """An error answer: ``status`` with ``detail``; ``parameter`` names the query
    parameter (or body field) at fault, when one is."""

    def __init__(self, status: int, detail: str, *, parameter: str | None = None,
                 headers: dict[str, str] | None = None, **extra: object):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.parameter = parameter
        self.headers = headers or {}
        self.extra = extra


def bad_parameter(name: str, reason: str) -> Problem:
    """A 400 for the query parameter ``name``: ``reason`` says what it must be."""
    return Problem(400, f"The parameter “{name}” is not valid: {reason}", parameter=name)


def not_found(what: str) -> Problem:
    return Problem(404, f"There is no {what} here that readers can see.")


def problem_response(problem: Problem) -> Response:
    """The RFC 9457 document for ``problem``."""
    status = HTTPStatus(problem.status)
    body: dict[str, object] = {
        "type": "about:blank",
        "title": status.phrase,
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.path,
    }
    if problem.parameter is not None:
        body["parameter"] = problem.parameter
        body["invalid_params"] = [{"name": problem.parameter, "reason": problem.detail}]
    body.update(problem.extra)
    response = Response(json.dumps(body, ensure_ascii=False), status=problem.status,
                        mimetype=PROBLEM_TYPE)
    response.headers["Cache-Control"] = "no-store"
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


def http_error_response(error) -> Response:
    """A werkzeug ``HTTPException`` (405, 404 from ``abort``...) as a problem document."""
    problem = Problem(error.code or 500, error.description or HTTPStatus(error.code).phrase)
    response = problem_response(problem)
    if error.code == 405:
        allowed = error.get_headers()
        for name, value in allowed:
            if name.lower() == "allow":
                response.headers["Allow"] = value
    return response
